import XCTest
@testable import Descent

final class AutoEncoderGradientTests: XCTestCase {
    /// Checks the parameter gradients of a network with `GradientCheck`'s probe loss
    /// `Σ r·y` (+ `extra(x)`, whose gradient the network's backward includes: a penalty).
    func checkParameters(_ model: Network, input x: Tensor, extra: ((Tensor) -> Double)? = nil,
                         file: StaticString = #filePath, line: UInt = #line) {
        GradientCheck.check(parameters: model.parameters, input: nil, seed: 21,
                            forward: { model(x) },
                            backward: { _ = model.backward($0, needsInputGradient: false); return nil },
                            extra: extra.map { f in { f(x) } }, file: file, line: line)
    }

    func autoencoder(_ sizes: [Int], activation: Activation = .sigmoid, tied: Bool = false,
                     sparsity: (Double, Double)? = nil, seed: UInt64) throws -> Network {
        try Network(try ModelSpec.autoencoder(sizes: sizes, activation: activation, outputActivation: .sigmoid, tied: tied,
                                              sparsity: sparsity.map { (target: $0.0, weight: $0.1) }), seed: seed)
    }

    func testTiedLinearLayerAlone() throws {
        for act in [Activation.sigmoid, .gelu, .silu, .leakyRelu] {
            var g = RandomGenerator(seed: 1)
            let enc = try Linear(5, 3, generator: &g)
            let dec = TiedLinear(transposeOf: enc.weight, activation: act)
            g.fillUniform(dec.bias.value, low: -0.5, high: 0.5)
            // The tied layer's own parameter is its bias; ∂L/∂x is checked too.
            GradientCheck.check(dec, input: GradientCheck.random([4, 3], seed: 2))
        }
    }

    func testTiedAutoEncoderSharedWeightReceivesBothContributions() throws {
        for act in [Activation.sigmoid, .tanh] {
            let ae = try autoencoder([6, 4], activation: act, tied: true, seed: 3)
            XCTAssertEqual(ae.parameters.map(\.name), ["layers.0.weight", "layers.0.bias", "layers.2.bias"])
            var g = RandomGenerator(seed: 4)
            g.fillUniform(ae.parameters[1].value, low: -0.5, high: 0.5)
            checkParameters(ae, input: GradientCheck.random([3, 6], seed: 5, low: 0, high: 1))
        }
    }

    func testUntiedAutoEncoder() throws {
        let ae = try autoencoder([6, 4], seed: 6)
        XCTAssertEqual(ae.parameters.map(\.name), ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
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
            let ae = try autoencoder([6, 4], tied: tied, sparsity: (0.2, 0.5), seed: 9)
            let checker = try SparsityPenalty(target: 0.2, weight: 0.5)
            checkParameters(ae, input: GradientCheck.random([3, 6], seed: 10, low: 0, high: 1),
                            extra: { x in checker(ae.encode(x), accumulateInto: nil) })
        }
    }

    func testStackedUnrolledNetworkGradients() throws {
        for tied in [false, true] {
            let s = try autoencoder([6, 4, 3], tied: tied, seed: 11)
            XCTAssertEqual(s.parameters.count, tied ? 6 : 8)
            XCTAssertEqual(try GreedyPretraining(s).levels.map { $0.parameters.count }, tied ? [3, 3] : [4, 4])
            checkParameters(s, input: GradientCheck.random([3, 6], seed: 12, low: 0, high: 1))
        }
    }

    func testGreedyLevelsShareTheUnrolledLayers() throws {
        // 6-4-3 with dropout: level 0 = linear(4)+σ, dropout | linear(6)+σ; level 1 = linear(3)+σ | dropout, linear(4)+σ.
        let spec = try ModelSpec.autoencoder(sizes: [6, 4, 3], dropout: 0.2)
        XCTAssertEqual(spec.description, "6: linear(4), sigmoid, dropout(0.2), linear(3), sigmoid | dropout(0.2), linear(4), sigmoid, linear(6), sigmoid; loss=mse")
        let net = try Network(spec, seed: 13)
        let levels = try GreedyPretraining(net)
        XCTAssertEqual(levels.levels.map(\.layerIndices), [[0, 2, 8], [3, 5, 6]])
        XCTAssertEqual(levels.depths, [0, 2])
        XCTAssertEqual(levels.levels[1].inputShape, [4])
        XCTAssertTrue(levels.levels[0].parameters[0] === net.parameters[0])
        // A level is an autoencoder: its reconstruction has its input's size.
        XCTAssertEqual(levels.levels[1](GradientCheck.random([2, 4], seed: 14)).shape, [2, 4])
        XCTAssertThrowsError(try GreedyPretraining(try Network(try ModelSpec.mlp(sizes: [6, 4, 3]), seed: 0)))
    }
}
