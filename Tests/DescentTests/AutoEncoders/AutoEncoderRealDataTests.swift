import XCTest
@testable import Descent

/// seed-ae and seed-dae on a Fashion-MNIST slice (skipped where the data are not installed).
/// Every learning check compares with the same measurement on the untrained network.
final class AutoEncoderRealDataTests: XCTestCase {
    /// seed-ae (784-100-784, sigmoid, masking noise 0.3, batch 100) with Adam on 5,000
    /// images for 3 epochs: the test MSE on 2,000 held-out images must fall well below the
    /// untrained network's and the mean-image baseline's. (The probe is not a learning check
    /// here: on this slice the untrained network's random sigmoid features probe at 0.78
    /// with 20 probe epochs, the trained ones at 0.72–0.75; on the full set 0.817 vs 0.845.)
    func testSeedAELearnsBetterReconstructions() throws {
        let data = try Support.requireFashionMNIST()
        let train = data.train.prefix(5000), test = data.test.prefix(2000)
        let network = try Network(ModelSpec.preset(named: "seed-ae")!, seed: 0)
        let trainer = try Trainer(network, optimizer: try OptimizerConfig(kind: .adam).make(), loss: MeanSquaredError(),
                                  batchSize: 100, corruption: 0.3, seed: 0)
        let untrainedMSE = try trainer.evaluate(.images(test)).loss
        let history = try trainer.fit(train: .images(train), test: .images(test), epochs: 3)
        let baseline = meanImageBaselineMSE(train: train, test: test)
        print("seed-ae on 5k Fashion-MNIST: baseline \(baseline), untrained MSE \(untrainedMSE), \(history)")
        XCTAssertLessThan(history.last!.testLoss, 0.7 * baseline)
        XCTAssertLessThan(history.last!.testLoss, 0.6 * untrainedMSE)
    }

    /// seed-dae with greedy pre-training: each level learns on the codes of the level
    /// before, pre-training beats random weights, and fine-tuning improves on it.
    func testStackedPretrainingThenFinetuning() throws {
        let data = try Support.requireFashionMNIST()
        let train = data.train.prefix(2000), test = data.test.prefix(500)
        let network = try Network(ModelSpec.preset(named: "seed-dae")!, seed: 0)
        let adam = OptimizerConfig(kind: .adam)
        let random = try Trainer(network, optimizer: try adam.make(), loss: MeanSquaredError(), batchSize: 100, seed: 0)
        let untrained = try random.evaluate(.images(test)).loss
        let greedy = try GreedyPretraining(network)
        for (i, level) in greedy.levels.enumerated() {
            let codes: DataSource = greedy.depths[i] == 0 ? .images(train)
                : .features(try network.encodeAll(.images(train), layers: greedy.depths[i]), labels: nil)
            XCTAssertEqual(codes.featureCount, [784, 100][i])
            let t = try Trainer(level, optimizer: try adam.make(), loss: MeanSquaredError(), batchSize: 100,
                                corruption: 0.3, seed: 0, streamBase: UInt64(i + 1))
            let before = try t.evaluate(codes).loss
            let h = try t.fit(train: codes, test: codes, epochs: 2)
            XCTAssertLessThan(h.last!.testLoss, 0.9 * before, "level \(i)")
        }
        let fineTune = try Trainer(network, optimizer: try adam.make(), loss: MeanSquaredError(), batchSize: 100,
                                   corruption: 0.3, seed: 0)
        let pretrained = try fineTune.evaluate(.images(test)).loss
        let h = try fineTune.fit(train: .images(train), test: .images(test), epochs: 2)
        print("seed-dae on 2k: untrained \(untrained), pre-trained \(pretrained), fine-tuned \(h.map(\.testLoss))")
        XCTAssertLessThan(pretrained, untrained)
        XCTAssertLessThan(h.last!.testLoss, pretrained)
        XCTAssertEqual(network.encode(Tensor(shape: [3, 784])).shape, [3, 25])
    }
}
