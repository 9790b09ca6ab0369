import Foundation
import XCTest
@testable import Descent

/// `BinaryCrossEntropy` (sigmoid + BCE from logits): gradient by finite differences, the
/// closed form, stability at extreme logits, PyTorch's values, and the pixel-space MSE the
/// trainer reports for models trained on it.
final class BinaryCrossEntropyTests: XCTestCase {
    /// −t log σ(z) − (1 − t) log(1 − σ(z)) in Double, the textbook form (fine for |z| ≤ 30).
    static func naive(_ z: Float, _ t: Float) -> Double {
        let s = 1 / (1 + exp(-Double(z)))
        return -Double(t) * log(s) - (1 - Double(t)) * log(1 - s)
    }

    func testGradientMatchesFiniteDifferences() {
        let z = GradientCheck.random([6, 7], seed: 21, low: -4, high: 4)
        let t = GradientCheck.random([6, 7], seed: 22, low: 0, high: 1)
        let bce = BinaryCrossEntropy()
        let grad = bce(z, target: t, computeGradient: true).gradient!.clone()
        let numeric = GradientCheck.numericGradient(z) { bce(z, target: t, computeGradient: false).loss }
        for i in 0..<z.count {
            XCTAssertEqual(grad[i], numeric[i], accuracy: 1e-5 + 1e-3 * abs(numeric[i]), "element \(i)")
            // …and the closed form (σ(z) − t) / N.
            XCTAssertEqual(Double(grad[i]), (1 / (1 + exp(-Double(z[i]))) - Double(t[i])) / Double(z.count), accuracy: 1e-7)
        }
    }

    func testValueIsTheMeanOfTheTextbookFormula() {
        let z = GradientCheck.random([5, 9], seed: 23, low: -8, high: 8)
        let t = GradientCheck.random([5, 9], seed: 24, low: 0, high: 1)
        let expected = (0..<z.count).map { Self.naive(z[$0], t[$0]) }.reduce(0, +) / Double(z.count)
        XCTAssertEqual(BinaryCrossEntropy()(z, target: t, computeGradient: false).loss, expected, accuracy: 1e-6 * expected)
    }

    func testExtremeLogitsStayFiniteAndExact() {
        // log σ(−200) overflows in the naive form; here l(z, t) = max(z, 0) − z t + log(1 + e^−|z|).
        let z = Tensor(shape: [1, 6], values: [-200, 200, -100, 100, 0, 88.8])
        let t = Tensor(shape: [1, 6], values: [1, 0, 0, 1, 0.5, 0.25])
        let r = BinaryCrossEntropy()(z, target: t, computeGradient: true)
        let expected = (200.0 + 200 + 0 + 0 + log(2.0) + 88.8 * 0.75) / 6
        XCTAssertEqual(r.loss, expected, accuracy: 1e-4)
        let g = r.gradient!.toArray()
        XCTAssertTrue(g.allSatisfy(\.isFinite))
        XCTAssertEqual(g[0], -1 / 6, accuracy: 1e-7)  // σ(−200) − 1
        XCTAssertEqual(g[1], 1 / 6, accuracy: 1e-7)   // σ(200) − 0
        XCTAssertEqual(g[4], 0, accuracy: 1e-7)       // σ(0) − 0.5
    }

    /// Values of `torch.nn.BCEWithLogitsLoss()` recorded by Tools/make_loss_fixtures.py
    /// (torch 2.15.0, float32): the mean loss to 1e-6 relative, the gradient element by element.
    func testMatchesPyTorch() throws {
        struct Fixture: Decodable { var torch: String; var logits: [Float]; var targets: [Float]; var mean_loss: Double; var gradient: [Float] }
        let url = Support.fixtures.appendingPathComponent("losses/bce-with-logits.json")
        let f = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        XCTAssertTrue(f.torch.hasPrefix("2.15.0"), f.torch)
        let z = Tensor(shape: [f.logits.count], values: f.logits), t = Tensor(shape: [f.targets.count], values: f.targets)
        let r = BinaryCrossEntropy()(z, target: t, computeGradient: true)
        XCTAssertEqual(r.loss, f.mean_loss, accuracy: 1e-6 * f.mean_loss)
        let g = r.gradient!.toArray()
        for i in g.indices { XCTAssertEqual(g[i], f.gradient[i], accuracy: 1e-9 + 1e-5 * abs(f.gradient[i]), "element \(i), z = \(f.logits[i])") }
    }

    func testPredictionIsTheSigmoid() {
        let z = Tensor(shape: [2, 2], values: [0, 2, -2, 50])
        let p = BinaryCrossEntropy().prediction(z).toArray()
        for (a, b) in zip(p, [0.5, 1 / (1 + exp(-2.0)), 1 / (1 + exp(2.0)), 1]) { XCTAssertEqual(Double(a), b, accuracy: 1e-6) }
        XCTAssertTrue(MeanSquaredError().prediction(z) === z)  // other losses: the output itself
    }

    func testModelDescriptionsWithBCE() throws {
        let spec = try ModelSpec.autoencoder(sizes: [12, 5], loss: .binaryCrossEntropy)
        XCTAssertEqual(spec.description, "12: linear(5), sigmoid | linear(12); loss=bce")  // logits out, no sigmoid layer
        XCTAssertEqual(try ModelSpec.parse(spec.description), spec)
        XCTAssertEqual(try JSONDecoder().decode(ModelSpec.self, from: JSONEncoder().encode(spec)), spec)
        // A sigmoid before the loss's own sigmoid is refused, naming the fix.
        assertDescentError(["loss=bce takes logits", "linear(12)"]) {
            _ = try ModelSpec.parse("12: linear(5), sigmoid | linear(12), sigmoid; loss=bce")
        }
        assertDescentError(["output activation cannot be tanh"]) {
            _ = try ModelSpec.autoencoder(sizes: [12, 5], outputActivation: .tanh, loss: .binaryCrossEntropy)
        }
    }

    /// A model trained on BCE reports, beside its loss, the MSE of σ(logits) against the clean input.
    func testTrainerReportsTheReconstructionMSEInPixelSpace() throws {
        let spec = try ModelSpec.autoencoder(sizes: [12, 4], loss: .binaryCrossEntropy)
        let net = try Network(spec, seed: 3)
        let x = GradientCheck.random([20, 12], seed: 25, low: 0, high: 1)
        let trainer = try Trainer(net, optimizer: try Adam(learningRate: 1e-2), loss: spec.loss.make(), batchSize: 5, seed: 0)
        let history = try trainer.fit(train: .features(x, labels: nil), test: .features(x, labels: nil), epochs: 3)
        let e = try trainer.evaluate(.features(x, labels: nil))
        let logits = net(x)
        var se = 0.0
        for i in 0..<x.count { let p = 1 / (1 + exp(-Double(logits[i]))); se += (p - Double(x[i])) * (p - Double(x[i])) }
        XCTAssertEqual(e.reconstructionMSE!, se / Double(x.count), accuracy: 1e-6)
        XCTAssertGreaterThan(e.loss, e.reconstructionMSE!)  // BCE and MSE are different numbers
        XCTAssertEqual(history.last!.testMSE, e.reconstructionMSE)
        XCTAssertEqual(history.last!.testLoss, e.loss)
        // With the MSE as the loss the two coincide and the history leaves test_mse out.
        let mseNet = try Network(try ModelSpec.autoencoder(sizes: [12, 4]), seed: 3)
        let mseTrainer = try Trainer(mseNet, optimizer: try Adam(), loss: MeanSquaredError(), batchSize: 5, seed: 0)
        let m = try mseTrainer.fit(train: .features(x, labels: nil), test: .features(x, labels: nil), epochs: 1)
        XCTAssertNil(m[0].testMSE)
        let me = try mseTrainer.evaluate(.features(x, labels: nil))
        XCTAssertEqual(me.reconstructionMSE, me.loss)
    }
}
