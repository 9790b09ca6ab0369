import XCTest
@testable import Descent

/// The `hinton-dae` preset: Hinton & Salakhutdinov's (2006) 784-1000-500-250-30 autoencoder.
final class HintonPresetTests: XCTestCase {
    func testPresetParsesToTheArchitecture() throws {
        let spec = try ModelSpec.resolve("hinton-dae", inputShape: [1, 28, 28], loss: .meanSquaredError)
        XCTAssertEqual(spec, ModelSpec.preset(named: "hinton-dae"))
        XCTAssertEqual(spec.description,
                       "784: linear(1000), sigmoid, linear(500), sigmoid, linear(250), sigmoid, linear(30) | linear(250), sigmoid, linear(500), sigmoid, linear(1000), sigmoid, linear(784); loss=bce")
        XCTAssertEqual(spec.codeSize, 30)
        XCTAssertEqual(spec.loss, .binaryCrossEntropy)
        // Its text form and JSON give it back; the command-line shorthand builds the same.
        XCTAssertEqual(try ModelSpec.parse(spec.description), spec)
        XCTAssertEqual(try JSONDecoder().decode(ModelSpec.self, from: JSONEncoder().encode(spec)), spec)
        XCTAssertEqual(try ModelSpec.autoencoder(sizes: [784, 1000, 500, 250, 30], codeActivation: .identity, loss: .binaryCrossEntropy), spec)
    }

    func testGreedyLevelsAndTheirLosses() throws {
        let network = try Network(ModelSpec.preset(named: "hinton-dae")!, seed: 0)
        XCTAssertEqual(network.parameters.scalarCount, 2 * (784 * 1000 + 1000 * 500 + 500 * 250 + 250 * 30) + (1000 + 500 + 250 + 30) + (250 + 500 + 1000 + 784))
        let levels = try GreedyPretraining(network)
        XCTAssertEqual(levels.levels.count, 4)
        XCTAssertEqual(levels.losses, [.binaryCrossEntropy, .meanSquaredError, .meanSquaredError, .meanSquaredError])
        // The top level is 250 → 30 (linear code) → 250 sigmoid.
        let top = levels.levels[3]
        let x = GradientCheck.random([3, 250], seed: 1, low: 0, high: 1)
        XCTAssertEqual(top.encode(x).shape, [3, 30])
        XCTAssertTrue(top.encode(x).toArray().contains { $0 < 0 || $0 > 1 })  // linear: not squashed into (0, 1)
        let y = top(x)
        XCTAssertEqual(y.shape, [3, 250])
        XCTAssertTrue(y.toArray().allSatisfy { $0 > 0 && $0 < 1 })
        // The unrolled network's output is logits (the reconstruction is their sigmoid).
        let out = network(GradientCheck.random([2, 784], seed: 2, low: 0, high: 1))
        XCTAssertEqual(out.shape, [2, 784])
    }
}
