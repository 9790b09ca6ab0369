import XCTest
@testable import Descent

final class AutoEncoderGradientTests: XCTestCase {
    /// Checks the parameter gradients of a reconstruction model with `GradientCheck`'s
    /// probe loss `Σ r·y` (+ `extra(x)`, whose gradient the model's backward includes).
    func checkParameters(_ model: ReconstructionModel, input x: Tensor, extra: ((Tensor) -> Double)? = nil,
                         file: StaticString = #filePath, line: UInt = #line) {
        GradientCheck.check(parameters: model.parameters, input: nil, seed: 21,
                            forward: { model.reconstruct(x, training: false) },
                            backward: { _ = model.backward($0); return nil },
                            extra: extra.map { f in { f(x) } }, file: file, line: line)
    }

    func testTiedLinearLayerAlone() {
        var g = RandomGenerator(seed: 1)
        let enc = Linear(5, 3, generator: &g)
        let dec = TiedLinear(transposeOf: enc.weight, activation: .sigmoid)
        g.fillUniform(dec.bias.value, low: -0.5, high: 0.5)
        // The tied layer's own parameter is its bias; ∂L/∂x is checked too.
        GradientCheck.check(dec, input: GradientCheck.random([4, 3], seed: 2))
    }

    func testTiedAutoEncoderSharedWeightReceivesBothContributions() throws {
        for act in [Activation.sigmoid, .tanh] {
            let ae = try AutoEncoder(inputSize: 6, hiddenSize: 4, activation: act, outputActivation: .sigmoid, tied: true, seed: 3)
            XCTAssertEqual(ae.parameters.map(\.name), ["encoder.weight", "encoder.bias", "decoder.bias"])
            var g = RandomGenerator(seed: 4)
            g.fillUniform(ae.encoder.bias.value, low: -0.5, high: 0.5)
            checkParameters(ae, input: GradientCheck.random([3, 6], seed: 5, low: 0, high: 1))
        }
    }

    func testUntiedAutoEncoder() throws {
        let ae = try AutoEncoder(inputSize: 6, hiddenSize: 4, activation: .sigmoid, seed: 6)
        XCTAssertEqual(ae.parameters.map(\.name), ["encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias"])
        checkParameters(ae, input: GradientCheck.random([3, 6], seed: 7, low: 0, high: 1))
    }

    func testSparsityPenaltyGradientAgainstFiniteDifferences() throws {
        let p = try SparsityPenalty(target: 0.1, weight: 0.7)
        let h = GradientCheck.random([5, 4], seed: 8, low: 0.05, high: 0.95)
        let grad = Tensor(shape: h.shape)
        _ = p(h, accumulateInto: grad)
        for i in 0..<h.count {
            let old = h[i]
            let e: Float = 1e-3
            h[i] = old + e; let lp = p(h, accumulateInto: nil)
            h[i] = old - e; let lm = p(h, accumulateInto: nil)
            h[i] = old
            let num = Float((lp - lm) / Double(2 * e))
            XCTAssertEqual(grad[i], num, accuracy: 2e-3 + 2e-2 * abs(num), "∂P/∂h[\(i)]")
        }
        // Zero when every unit's mean activation equals the target.
        let flat = Tensor(shape: [3, 2], value: 0.1)
        XCTAssertEqual(p(flat, accumulateInto: nil), 0, accuracy: 1e-6)
    }

    func testSparseAutoEncoderIncludesThePenaltyGradient() throws {
        for tied in [false, true] {
            let ae = try AutoEncoder(inputSize: 6, hiddenSize: 4, activation: .sigmoid, tied: tied,
                                     sparsity: try SparsityPenalty(target: 0.2, weight: 0.5), seed: 9)
            let checker = try SparsityPenalty(target: 0.2, weight: 0.5)
            checkParameters(ae, input: GradientCheck.random([3, 6], seed: 10, low: 0, high: 1),
                            extra: { x in checker(ae.encoder.forward(x, training: false), accumulateInto: nil) })
        }
    }

    func testStackedUnrolledNetworkGradients() throws {
        for tied in [false, true] {
            let s = try StackedAutoEncoder(sizes: [6, 4, 3], activation: .sigmoid, tied: tied, seed: 11)
            XCTAssertEqual(s.parameters.count, tied ? 6 : 8)
            checkParameters(s, input: GradientCheck.random([3, 6], seed: 12, low: 0, high: 1))
        }
    }

    func testStackedPixelSpaceFiltersAreTheWeightProduct() throws {
        let s = try StackedAutoEncoder(sizes: [6, 4, 3], seed: 13)
        let f = s.pixelSpaceFilters(level: 1)
        XCTAssertEqual(f.shape, [3, 6])
        let w0 = s.encoders[0].weight.value, w1 = s.encoders[1].weight.value
        for u in 0..<3 {
            for p in 0..<6 {
                var v: Float = 0
                for k in 0..<4 { v += w1[u, k] * w0[k, p] }
                XCTAssertEqual(f[u, p], v, accuracy: 1e-5)
            }
        }
        XCTAssertEqual(try StackedAutoEncoder.parseSizes("784,100,25"), [784, 100, 25])
        XCTAssertThrowsError(try StackedAutoEncoder.parseSizes("784,x"))
    }
}
