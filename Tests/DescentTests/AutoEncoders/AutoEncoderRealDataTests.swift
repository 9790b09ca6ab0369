import XCTest
@testable import Descent

/// seed-ae and seed-dae on a Fashion-MNIST slice (skipped where the data are not installed).
final class AutoEncoderRealDataTests: XCTestCase {
    /// seed-ae (784-100-784, sigmoid, masking noise 0.3, batch 100) with Adam on 5,000
    /// images for 3 epochs: the test MSE on 2,000 held-out images must be clearly below the
    /// mean-image baseline (≈0.087); it reaches about 0.62 of it (0.0535 vs 0.0860).
    func testSeedAEBeatsTheMeanImageBaseline() throws {
        let data = try Support.requireFashionMNIST()
        let train = data.train.prefix(5000), test = data.test.prefix(2000)
        let model = try AutoEncoder(inputSize: 784, hiddenSize: 100, activation: .sigmoid, seed: 0)
        let trainer = try AutoEncoderTrainer(model: model, optimizer: try OptimizerConfig(kind: .adam).make(),
                                             batchSize: 100, corruption: 0.3, seed: 0)
        let history = try trainer.fit(train: .images(train), test: .images(test), epochs: 3)
        let baseline = meanImageBaselineMSE(train: train, test: test)
        print("seed-ae on 5k Fashion-MNIST: baseline \(baseline), \(history)")
        XCTAssertLessThan(history.last!.testMSE, 0.7 * baseline)
        XCTAssertLessThan(history.last!.testMSE, history.first!.testMSE)
        // Codes carry class information: the probe beats chance (0.1) by far.
        let codes = encodeAll(.images(train)) { model.encode($0) }, testCodes = encodeAll(.images(test)) { model.encode($0) }
        let probe = try LinearProbe.evaluate(trainCodes: codes, trainLabels: train.labels, testCodes: testCodes,
                                             testLabels: test.labels, epochs: 3)
        XCTAssertGreaterThan(probe.testAccuracy, 0.6)
    }

    /// seed-dae with greedy pre-training: level 1 trains on level-0 codes and the
    /// unrolled network then improves on its initial test MSE.
    func testStackedPretrainingThenFinetuning() throws {
        let data = try Support.requireFashionMNIST()
        let train = data.train.prefix(2000), test = data.test.prefix(500)
        let s = try StackedAutoEncoder(sizes: [784, 100, 25], seed: 0)
        for (i, level) in s.levels.enumerated() {
            let tr: ReconstructionData = i == 0 ? .images(train) : .codes(encodeAll(.images(train)) { s.encode($0, depth: i) })
            XCTAssertEqual(tr.featureCount, [784, 100][i])
            let t = try AutoEncoderTrainer(model: level, optimizer: try OptimizerConfig(kind: .adam).make(),
                                           corruption: 0.3, seed: 0, streamBase: UInt64(i + 1))
            let h = try t.fit(train: tr, test: tr, epochs: 2)
            XCTAssertLessThan(h.last!.testMSE, h.first!.trainMSE)
        }
        let ft = try AutoEncoderTrainer(model: s, optimizer: try OptimizerConfig(kind: .adam).make(), corruption: 0.3, seed: 0)
        let before = ft.evaluate(.images(test))
        let h = try ft.fit(train: .images(train), test: .images(test), epochs: 2)
        XCTAssertLessThan(h.last!.testMSE, before)
        XCTAssertEqual(s.encode(Tensor(shape: [3, 784])).shape, [3, 25])
    }
}
