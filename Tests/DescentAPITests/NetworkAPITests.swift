import Descent
import XCTest

/// What a user of `import Descent` (no `@testable`) can do: describe or write a network,
/// train it with the one training loop, save, reload and evaluate it, and get clear errors.
final class NetworkAPITests: XCTestCase {
    /// Two classes of 4×4 images: bright on the left half, or on the right half.
    func halves(_ count: Int, seed: UInt64) throws -> ImageSet {
        var g = RandomGenerator(seed: seed)
        var pixels: [UInt8] = [], labels: [UInt8] = []
        for i in 0..<count {
            let label = i % 2
            for _ in 0..<4 { for x in 0..<4 { pixels.append(UInt8((x < 2) == (label == 0) ? 150 + g.below(100) : g.below(60))) } }
            labels.append(UInt8(label))
        }
        return try ImageSet(count: count, height: 4, width: 4, pixels: pixels, labels: labels)
    }

    /// A layer written outside the library: x · sigmoid(x) (Swish), with its backward.
    final class Swish: Layer {
        private var input: Tensor?
        private var output: Tensor?
        private var gradient: Tensor?

        func forward(_ x: Tensor, training: Bool) -> Tensor {
            input = x
            let y = output?.count == x.count ? output! : Tensor(shape: x.shape)
            y.reshape(x.shape)
            for i in 0..<x.count { y[i] = x[i] / (1 + Foundation.exp(-x[i])) }
            output = y
            return y
        }

        func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
            guard needsInputGradient, let x = input else { return nil }
            let g = gradient?.count == x.count ? gradient! : Tensor(shape: x.shape)
            g.reshape(x.shape)
            for i in 0..<x.count {
                let s = 1 / (1 + Foundation.exp(-x[i]))
                g[i] = gradOutput[i] * (s + x[i] * s * (1 - s))
            }
            gradient = g
            return g
        }
    }

    func testACustomNetworkLearnsAndIsNamedFromItsStructure() throws {
        let train = try halves(400, seed: 1), test = try halves(200, seed: 2)
        var g = RandomGenerator(seed: 3)
        let network = try Network(layers: [Linear(16, 8, generator: &g), Swish(), Linear(8, 2, generator: &g)], inputShape: [1, 4, 4])
        XCTAssertEqual(network.parameters.map(\.name), ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"])
        let trainer = try Trainer(network, optimizer: try Adam(learningRate: 0.01), loss: SoftmaxCrossEntropy(), batchSize: 32, seed: 0)
        let before = try trainer.evaluate(.images(test))
        let history = try trainer.fit(train: .images(train), test: .images(test), epochs: 5)
        XCTAssertEqual(history.map(\.epoch), [1, 2, 3, 4, 5])
        XCTAssertGreaterThan(history.last!.testAccuracy!, 0.95)
        XCTAssertLessThan(history.last!.testLoss, 0.5 * before.loss)
        let evaluation = try ClassifierEvaluation(network, on: test)
        XCTAssertEqual(evaluation.accuracy, history.last!.testAccuracy!)
        XCTAssertEqual(evaluation.confusion.flatMap { $0 }.reduce(0, +), 200)
    }

    func testADescribedNetworkSavesItsArchitectureAndReloads() throws {
        let train = try halves(200, seed: 4), test = try halves(100, seed: 5)
        let spec = try ModelSpec.parse("linear(8), tanh, dropout(0.2), linear(2)", inputShape: train.shape)
        let network = try Network(spec, seed: 7)
        let trainer = try Trainer(network, optimizer: try OptimizerConfig(kind: .momentum).make(), loss: spec.loss.make(),
                                  batchSize: 16, seed: 7)
        let history = try trainer.fit(train: .images(train), test: .images(test), epochs: 2)
        let path = NSTemporaryDirectory() + "descent-api-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.save(network, optimizer: trainer.optimizer, epochsDone: trainer.epochsDone, history: history, to: path)
        let saved = try Checkpoint.read(path)
        XCTAssertEqual(try saved.modelSpec(), spec)
        XCTAssertEqual(saved.epochsDone, 2)
        XCTAssertEqual(try saved.history(), history)
        let reloaded = try saved.makeNetwork()
        XCTAssertEqual(try ClassifierEvaluation(reloaded, on: test).accuracy, history.last!.testAccuracy)
    }

    /// Greedy pre-training from the library: each level of a stacked autoencoder trains on
    /// the codes of the one before, through the layers it shares with the unrolled network;
    /// the same seed gives the same histories and weights.
    func testGreedyPretrainingTrainsEachLevelOnTheCodesBelow() throws {
        let train = try halves(200, seed: 8), test = try halves(100, seed: 9)
        func pretrain() throws -> (GreedyPretraining, [GreedyPretraining.LevelResult]) {
            let spec = try ModelSpec.parse("linear(8), sigmoid, linear(4), sigmoid | linear(8), sigmoid, linear(16), sigmoid",
                                           inputShape: train.shape, loss: .meanSquaredError)
            let levels = try GreedyPretraining(try Network(spec, seed: 1))
            var started: [Int] = []
            let results = try levels.train(train: .images(train), validation: nil, test: .images(test), epochs: 3,
                                           optimizer: { try Adam(learningRate: 0.01) }, batchSize: 20, corruption: 0.1, seed: 2,
                                           willTrain: { i, _ in started.append(i) })
            XCTAssertEqual(started, [0, 1])
            return (levels, results)
        }
        let (levels, results) = try pretrain()
        XCTAssertEqual(levels.depths, [0, 1])  // built layers: an activation is fused into its linear
        XCTAssertEqual(results.map(\.loss), ["mse", "mse"])
        XCTAssertEqual(results.map(\.model), ["linear(8), sigmoid, linear(16), sigmoid", "linear(4), sigmoid, linear(8), sigmoid"])
        for r in results {
            XCTAssertEqual(r.history.map(\.epoch), [1, 2, 3])
            XCTAssertLessThan(r.history.last!.trainLoss, r.history.first!.trainLoss, "level \(r.level)")
        }
        let (again, repeated) = try pretrain()
        XCTAssertEqual(repeated.map { $0.history.map(\.testLoss) }, results.map { $0.history.map(\.testLoss) })
        XCTAssertEqual(again.network.parameters.map { $0.value.toArray() }, levels.network.parameters.map { $0.value.toArray() })
        XCTAssertThrowsError(try GreedyPretraining(try Network(try ModelSpec.parse("linear(8), sigmoid | linear(16)", inputShape: train.shape,
                                                                                                 loss: .meanSquaredError), seed: 1))
            .train(train: .images(train), validation: nil, test: .images(test), epochs: -1, optimizer: { try Adam() }, batchSize: 20, seed: 0))
    }

    /// Bad values reaching public initialisers and entry points throw a `DescentError`
    /// that describes the value (no trap, no flag name).
    func testBadValuesThrowDescriptiveErrors() throws {
        func message(_ body: () throws -> Any) -> String {
            do { _ = try body(); return "no error" } catch let e as DescentError { return e.message } catch { return "\(error)" }
        }
        XCTAssertTrue(message { try ImageSet(count: 2, height: 2, width: 2, pixels: [1, 2, 3], labels: [0, 1]) }.contains("3 pixels"))
        XCTAssertTrue(message { try ImageSet(count: 1, height: 2, width: 2, pixels: [1, 2, 3, 4], labels: []) }.contains("0 labels for 1"))
        XCTAssertTrue(message { try ImageSet(count: 1, height: 0, width: 2, pixels: [], labels: [0]) }.contains("positive"))
        let set = try halves(10, seed: 1)
        XCTAssertEqual(message { try Batches(.images(set), batchSize: 0) }, "batch size must be positive, got 0")
        let network = try Network(try ModelSpec.parse("linear(3)", inputShape: [16]), seed: 0)
        XCTAssertEqual(message { try Trainer(network, optimizer: try Adam(), loss: SoftmaxCrossEntropy(), batchSize: -1, seed: 0) },
                       "batch size must be positive, got -1")
        let trainer = try Trainer(network, optimizer: try Adam(), loss: SoftmaxCrossEntropy(), batchSize: 4, seed: 0)
        let wide = try ImageSet(count: 1, height: 5, width: 5, pixels: [UInt8](repeating: 0, count: 25), labels: [0])
        XCTAssertTrue(message { try trainer.trainEpoch(.images(wide)) }.contains("expects inputs of 16 values, the data have 1x5x5"))
        let badLabel = try ImageSet(count: 1, height: 4, width: 4, pixels: [UInt8](repeating: 0, count: 16), labels: [7])
        XCTAssertEqual(message { try trainer.trainEpoch(.images(badLabel)) }, "label 7 is out of range for a model with 3 classes")
        XCTAssertEqual(message { try ClassifierEvaluation(network, on: badLabel) }, "label 7 is out of range for a model with 3 classes")
        XCTAssertTrue(message { try Adam(learningRate: -1) }.contains("lr"))
        for text in ["--", "--batch-size", "--model"] {
            XCTAssertFalse(message { try Batches(.images(set), batchSize: 0) }.contains(text))
        }
        XCTAssertEqual(DivergenceError(epoch: 2, step: 5, what: "training loss").description,
                       "diverged: training loss is not finite at epoch 2, step 5")
    }
}
