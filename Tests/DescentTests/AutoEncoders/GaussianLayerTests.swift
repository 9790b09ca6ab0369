import Foundation
import XCTest
@testable import Descent

/// The `gaussian` layer and the `bernoulli` loss of variational autoencoders: finite
/// differences with ε held fixed (the layer's generator restarted before every forward), both
/// modes, the penalty's value by hand, and a whole small VAE element by element against
/// PyTorch (`Tools/make_vae_fixtures.py`, torch 2.15.0: z, logits, both terms of the loss and
/// every gradient for a given ε).
final class GaussianLayerTests: XCTestCase {
    func input(_ b: Int, _ k: Int, seed: UInt64) -> Tensor {
        let x = Tensor(shape: [b, 2 * k])
        var g = RandomGenerator(seed: seed)
        g.fillUniform(x, low: -1, high: 1)
        return x
    }

    func testGradientsInTrainingModeWithFixedNoise() throws {
        let layer = try GaussianLayer(units: 3, beta: 0.7, generator: RandomGenerator(seed: 1))
        let x = input(4, 3, seed: 2)
        GradientCheck.check(parameters: [], input: x,
                            forward: { layer.generator = RandomGenerator(seed: 5); return layer.forward(x, training: true) },
                            backward: { layer.backward($0, needsInputGradient: true) }, extra: { layer.penalty })
        // The noise does reach the output: two streams give two codes.
        layer.generator = RandomGenerator(seed: 5)
        let a = layer.forward(x, training: true).toArray()
        layer.generator = RandomGenerator(seed: 6)
        XCTAssertNotEqual(a, layer.forward(x, training: true).toArray())
    }

    func testGradientsInEvaluationModeAndTheMean() throws {
        let layer = try GaussianLayer(units: 2, beta: 1.3, generator: RandomGenerator(seed: 1))
        let x = input(3, 2, seed: 3)
        GradientCheck.check(parameters: [], input: x, forward: { layer.forward(x, training: false) },
                            backward: { layer.backward($0, needsInputGradient: true) }, extra: { layer.penalty })
        let y = layer.forward(x, training: false)
        XCTAssertEqual(y.shape, [3, 2])
        for r in 0..<3 { for j in 0..<2 { XCTAssertEqual(y[r, j], x[r, j], "evaluation returns μ") } }
    }

    func testKLByHandAndZeroAtThePrior() throws {
        let layer = try GaussianLayer(units: 2, beta: 2, generator: RandomGenerator(seed: 1))
        let x = Tensor(shape: [2, 4], values: [0.5, -1, 0.2, 0,   0, 0, 0, 0])
        _ = layer.forward(x, training: false)
        // Row 1: ½ (0.25 + 1 + e^0.2 − 1 − 0.2 + 1 + 1 − 1 − 0); row 2: 0.
        let row1 = 0.5 * (0.25 + exp(0.2) - 1 - 0.2 + 1 + 1 - 1 - 0)
        XCTAssertEqual(layer.meanKL, row1 / 2, accuracy: 1e-6)
        XCTAssertEqual(layer.penalty, 2 * row1 / 2, accuracy: 1e-6)
        let prior = Tensor(shape: [3, 4])
        _ = layer.forward(prior, training: true)
        XCTAssertEqual(layer.meanKL, 0)
    }

    func testBernoulliIsBinaryCrossEntropyTimesTheValuesAndItsGradient() throws {
        let z = input(5, 3, seed: 9), t = Tensor(shape: [5, 6])
        var g = RandomGenerator(seed: 10)
        g.fillUniform(t, low: 0, high: 1)
        let sum = BernoulliLikelihood()(z, target: t, computeGradient: true)
        let mean = BinaryCrossEntropy()(z, target: t, computeGradient: false)
        XCTAssertEqual(sum.loss, mean.loss * 6, accuracy: 1e-9 * sum.loss)
        let loss = BernoulliLikelihood()
        let analytic = sum.gradient!.toArray()
        let numeric = GradientCheck.numericGradient(z) { loss(z, target: t, computeGradient: false).loss }
        for (a, n) in zip(analytic, numeric) { XCTAssertEqual(a, n, accuracy: 2e-3 + 2e-2 * abs(n)) }
    }

    func testTextFormChecks() throws {
        XCTAssertEqual(try ModelSpec.parse("10: linear(8), gaussian(4) | linear(10); loss=bernoulli").codeSize, 4)
        XCTAssertThrowsError(try ModelSpec.parse("10: linear(6), gaussian(4) | linear(10); loss=bernoulli")) { e in
            XCTAssert("\(e)".contains("2 × 4 = 8"), "\(e)")
        }
        XCTAssertThrowsError(try ModelSpec.parse("10: linear(8), gaussian(4, beta=-1) | linear(10); loss=bernoulli"))
        XCTAssertThrowsError(try ModelSpec.parse("10: linear(0), gaussian(0)"))
        let spec = try ModelSpec.preset(named: "vae-mlp")!.settingGaussianBeta(4)
        XCTAssert(spec.description.contains("gaussian(20, beta=4"), spec.description)
        XCTAssert(spec.isVariational && !ModelSpec.preset(named: "seed-ae")!.isVariational)
        XCTAssertEqual(ModelSpec.preset(named: "fmnist-vae")!.codeSize, 8)
        XCTAssertEqual(ModelSpec.preset(named: "fmnist-vae")!.outputShape, [784])
        // Like bce, bernoulli takes logits: the built-in autoencoder ends in its last linear layer.
        XCTAssertEqual(try ModelSpec.autoencoder(sizes: [784, 20], loss: .bernoulli).layers.last?.kind, "linear")
        XCTAssertThrowsError(try ModelSpec.autoencoder(sizes: [784, 20], outputActivation: .tanh, loss: .bernoulli))
    }

    struct Fixture: Decodable {
        struct Array: Decodable { let shape: [Int]; let values: [Float] }
        let torch: String, model: String, beta: Double
        let input: Array
        let epsilon: [Float]
        let parameters: [String: Array]
        let z: [Float], logits: [Float], eval_logits: [Float]
        let reconstruction: Double, kl: Double, loss: Double
        let gradients: [String: [Float]]
    }

    func testSmallVAEMatchesTorch() throws {
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: Support.fixtures.appendingPathComponent("vae/vae.json")))
        XCTAssertEqual(f.torch.split(separator: "+").first, "2.15.0")
        let net = try Network(try ModelSpec.parse(f.model), seed: 0)
        XCTAssertEqual(Set(net.parameters.map(\.name)), Set(f.parameters.keys))
        for p in net.parameters { p.value.data.update(from: f.parameters[p.name]!.values, count: p.value.count) }
        let x = Tensor(shape: f.input.shape, values: f.input.values)
        let (g, code) = try VariationalEvaluation.split(net)
        var h = x
        for layer in net.layers[..<g] { h = layer.forward(h, training: true) }
        let z = code.forward(h, noise: Tensor(shape: [x.rows, code.units], values: f.epsilon))
        func close(_ what: String, _ a: [Float], _ b: [Float], scale: Float? = nil) {
            _ = Support.worstRelativeDifference(what, a, b, tolerance: 1e-5, scale: scale ?? (b.map(abs).max() ?? 0))
        }
        close("z", z.toArray(), f.z)
        var out = z
        for layer in net.layers[(g + 1)...] { out = layer.forward(out, training: true) }
        close("logits", out.toArray(), f.logits)
        let value = BernoulliLikelihood()(out, target: x, computeGradient: true)
        XCTAssertEqual(value.loss, f.reconstruction, accuracy: 1e-5 * f.reconstruction)
        XCTAssertEqual(code.meanKL, f.kl, accuracy: 1e-5 * f.kl)
        XCTAssertEqual(value.loss + net.penalty, f.loss, accuracy: 1e-5 * f.loss)
        net.parameters.zeroGrad()
        let gx = net.backward(value.gradient!, needsInputGradient: true)!
        let largest = f.gradients.values.joined().map(abs).max() ?? 0
        close("∂L/∂input", gx.toArray(), f.gradients["input"]!, scale: largest)
        for p in net.parameters { close("∂L/∂\(p.name)", p.grad.toArray(), f.gradients[p.name]!, scale: largest) }
        close("evaluation logits", net(x).toArray(), f.eval_logits)
    }

    /// The importance-weighted bound is at least the ELBO (in expectation; with K = 200 and
    /// these sizes by a margin far above the sampling noise), and both are fixed by the seed.
    func testImportanceWeightedBoundAndActiveUnits() throws {
        let spec = try ModelSpec.parse("12: linear(10), tanh, linear(6), gaussian(3) | linear(10), tanh, linear(12); loss=bernoulli")
        let net = try Network(spec, seed: 4)
        let pixels = (0..<(40 * 12)).map { UInt8(($0 * 37) % 256) }
        let data = DataSource.images(try ImageSet(count: 40, height: 3, width: 4, pixels: pixels, labels: [UInt8](repeating: 0, count: 40)))
        let a = try VariationalEvaluation.evaluate(net, data: data, samples: 200, seed: 1, batchSize: 16)
        XCTAssertEqual(a.negativeELBO, a.reconstruction + a.kl, accuracy: 1e-9)
        XCTAssertLessThanOrEqual(a.negativeLogLikelihood!, a.negativeELBO)
        XCTAssertEqual(a, try VariationalEvaluation.evaluate(net, data: data, samples: 200, seed: 1, batchSize: 16))
        XCTAssertEqual(a.unitVariances.count, 3)
        XCTAssertEqual(a.activeUnits, a.unitVariances.filter { $0 > 0.01 }.count)
        let none = try VariationalEvaluation.evaluate(net, data: data, samples: 0, seed: 1)
        XCTAssertNil(none.negativeLogLikelihood)
        XCTAssertEqual(none.kl, a.kl, accuracy: 1e-6 * a.kl, "the KL is exact (rows summed in Float), the batch size only regroups it")
    }
}
