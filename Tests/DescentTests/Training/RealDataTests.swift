import XCTest
@testable import Descent

/// End-to-end training on real Fashion-MNIST (skipped where the data are not installed).
final class RealDataTests: XCTestCase {
    /// seed-mlp with Adam on 10,000 training images for 2 epochs must reach ≥ 0.80 test
    /// accuracy on the full 10,000-image test set (it reaches about 0.83–0.84).
    func testSeedMLPLearnsFashionMNISTSlice() throws {
        let data = try Support.requireFashionMNIST()
        let trainer = try RunExecutor.makeTrainer(.seedMLP(OptimizerConfig(kind: .adam)), seed: 0)
        let history = try trainer.fit(train: .images(data.train.prefix(10_000)), test: .images(data.test), epochs: 2)
        print("seed-mlp on 10k Fashion-MNIST: \(history)")
        XCTAssertGreaterThanOrEqual(history.last!.testAccuracy!, 0.80)
        XCTAssertLessThan(history.last!.testLoss, history.first!.trainLoss)
    }

    /// Same seed ⇒ bit-identical metrics and weights; another seed ⇒ different ones.
    func testTrainingIsDeterministicForASeed() throws {
        let data = try Support.requireFashionMNIST()
        func run(seed: UInt64) throws -> ([EpochMetrics], [Float]) {
            let model = try Network(try .mlp(sizes: [784, 64, 10], inputDropout: 0.1, hiddenDropout: 0.5), seed: seed)
            let trainer = try Trainer(model, optimizer: try OptimizerConfig(kind: .adam).make(), loss: SoftmaxCrossEntropy(),
                                      batchSize: 128, seed: seed)
            let h = try trainer.fit(train: .images(data.train.prefix(2000)), test: .images(data.test.prefix(500)), epochs: 2)
            return (h.map { var m = $0; m.seconds = 0; return m }, model.parameters.flatMap { $0.value.toArray() })
        }
        let a = try run(seed: 3), b = try run(seed: 3), c = try run(seed: 4)
        XCTAssertEqual(a.0, b.0)
        XCTAssertEqual(a.1, b.1)
        XCTAssertNotEqual(a.1, c.1)
    }

    /// An absurd learning rate makes the loss non-finite: reported as divergence with a
    /// place, never as a NaN metric.
    func testDivergenceIsDetectedWithinTheStep() throws {
        let data = try Support.requireFashionMNIST()
        let model = try Network(try .mlp(sizes: [784, 32, 10]), seed: 0)
        var config = OptimizerConfig(kind: .sgd)
        config.learningRate = 1e30
        let trainer = try Trainer(model, optimizer: try config.make(), loss: SoftmaxCrossEntropy(), batchSize: 128, seed: 0)
        XCTAssertThrowsError(try trainer.fit(train: .images(data.train.prefix(1000)), test: .images(data.test.prefix(100)), epochs: 1)) { error in
            guard let d = error as? DivergenceError else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(d.epoch, 1)
            XCTAssertGreaterThanOrEqual(d.step, 1)
        }
    }
}
