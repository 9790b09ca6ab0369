import XCTest
@testable import Descent

/// Issue #12 item 6: memory is estimated from the description before anything is allocated.
final class MemoryEstimateTests: XCTestCase {
    /// The estimate counts exactly the parameters the built network has.
    func testParameterCountsMatchTheBuiltNetworks() throws {
        let specs = [
            try ModelSpec.resolve("784-784-784-10", inputShape: [1, 28, 28], loss: .crossEntropy, mlp: (.relu, 0.1, 0.5)),
            ModelSpec.preset(named: "seed-ae")!, ModelSpec.preset(named: "seed-dae")!,
            try ModelSpec.parse("784: linear(30), sigmoid, sparsity(0.05, 0.1) | linear(784, tied=0), sigmoid; loss=mse", inputShape: [784]),
            ModelSpec.preset(named: "lenet5")!, ModelSpec.preset(named: "fmnist-2c2d")!, ModelSpec.preset(named: "conv-ae")!,
            try ModelSpec.parse("1x28x28: conv2d(3, 3, bias=false), relu, flatten, linear(10)"),
        ]
        for spec in specs {
            let e = spec.memoryEstimate(batchSize: 128, optimizer: nil)
            XCTAssertEqual(e.parameters, try Network(spec, seed: 0).parameters.scalarCount, spec.description)
            XCTAssertEqual(e.optimizerBytes, 0)
        }
    }

    /// seed-mlp with Adam and minibatches of 128: the numbers of the doc comment.
    func testSeedMLPWithAdam() throws {
        let spec = ModelSpec.preset(named: "seed-mlp")!
        let e = spec.memoryEstimate(batchSize: 128, optimizer: try Adam())
        XCTAssertEqual(e.parameters, 1_238_730)
        XCTAssertEqual(e.parameterBytes, 2 * 1_238_730 * 4)
        XCTAssertEqual(e.optimizerBytes, 2 * 1_238_730 * 4)
        // 1000 evaluation rows × (784 inputs + 2 × (784 × 5 + 10) outputs; ReLUs fused) floats.
        XCTAssertEqual(e.activationBytes, 1000 * (784 + 2 * 3930) * 4)
        XCTAssertEqual(e.description, "54.4 MB (parameters and gradients 9.9 MB, optimizer state 9.9 MB, activations 34.6 MB)")
        XCTAssertEqual(spec.memoryEstimate(batchSize: 128, optimizer: try Adam(amsgrad: true)).optimizerBytes, 3 * 1_238_730 * 4)
        XCTAssertEqual(spec.memoryEstimate(batchSize: 60_000, optimizer: nil).activationBytes, 60 * e.activationBytes)
    }

    /// Absurd sizes saturate instead of overflowing.
    func testAbsurdSizesSaturate() throws {
        // A size beyond ModelSpec.largestSize is refused outright; within it, sums of products still saturate.
        XCTAssertThrowsError(try ModelSpec.resolve("784-\(Int.max)-10", inputShape: [784], loss: .crossEntropy))
        let m = ModelSpec.largestSize
        let spec = try ModelSpec.resolve("784-\(m)-\(m)-\(m)-10", inputShape: [784], loss: .crossEntropy)
        let e = spec.memoryEstimate(batchSize: Int.max, optimizer: try Adam())
        XCTAssertEqual(e.parameters, .max)
        XCTAssertEqual(e.total, .max)
        XCTAssertEqual(MemoryEstimate.text(e.total), "9.2 EB or more")
        XCTAssertEqual(MemoryEstimate.text(999), "999 B")
    }
}
