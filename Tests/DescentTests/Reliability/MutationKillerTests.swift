import Foundation
import XCTest
@testable import Descent

/// Tests that see bugs the rest of the suite could not (kind 10 of the reliability battery):
/// each recomputes a result by hand, from the data it must come from, so a one-line change
/// that takes the wrong data, transposes a matrix, reverses an order or drops a scale fails.
/// The mutations each test was checked against are listed in its comment.
final class MutationKillerTests: XCTestCase {
    /// 40 images whose labels depend on the pixels, and 20 of the same kind.
    func sets() -> (train: ImageSet, validation: ImageSet, test: ImageSet) {
        func make(_ n: Int, offset: Int) -> ImageSet {
            var pixels = [UInt8](repeating: 0, count: n * 784), labels = [UInt8](repeating: 0, count: n)
            for i in 0..<n {
                let c = (i * 7 + offset) % 10
                labels[i] = UInt8(c)
                for j in 0..<784 { pixels[i * 784 + j] = UInt8((j % 10 == c ? 200 : 10) + (i * 13 + j + offset) % 40) }
            }
            return try! ImageSet(count: n, height: 28, width: 28, pixels: pixels, labels: labels)
        }
        return (make(40, offset: 0), make(16, offset: 3), make(20, offset: 5))
    }

    /// Mutation: `Trainer.fit` evaluating its validation metrics on the test set (`tune` would
    /// then choose on test data). The epoch's validation numbers must be those of the
    /// validation set, measured again after training.
    func testValidationMetricsComeFromTheValidationSet() throws {
        let (train, validation, test) = sets()
        let network = try Network(try ModelSpec.parse("784: linear(16), relu, linear(10)"), seed: 9)
        let trainer = try Trainer(network, optimizer: try Adam(learningRate: 0.01), loss: SoftmaxCrossEntropy(), batchSize: 8, seed: 9)
        let history = try trainer.fit(train: .images(train), validation: .images(validation), test: .images(test), epochs: 2)
        let m = try XCTUnwrap(history.last)
        let v = try trainer.evaluate(.images(validation)), t = try trainer.evaluate(.images(test))
        XCTAssertEqual(m.validationLoss, v.loss)
        XCTAssertEqual(m.validationAccuracy, v.accuracy)
        XCTAssertEqual(m.testLoss, t.loss)
        XCTAssertNotEqual(v.loss, t.loss, "the two sets must be told apart")
    }

    /// Mutations: the confusion matrix transposed (`confusion[best][label]`), and the
    /// mistakes sorted by least confidence. Both recomputed from the logits, image by image.
    func testConfusionAndMistakesMatchAHandCount() throws {
        let (train, _, test) = sets()
        let network = try Network(try ModelSpec.parse("784: linear(12), tanh, linear(10)"), seed: 4)
        let trainer = try Trainer(network, optimizer: try SGD(learningRate: 0.05), loss: SoftmaxCrossEntropy(), batchSize: 10, seed: 4)
        _ = try trainer.trainEpoch(.images(train))
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: 10), count: 10)
        var mistakes: [(index: Int, label: Int, predicted: Int, confidence: Double)] = []
        for i in 0..<test.count {
            let x = Tensor(shape: [1, 784])
            for j in 0..<784 { x.data[j] = Float(test.pixels[i * 784 + j]) / 255 }
            let z = network.forward(x, training: false).toArray()
            let best = z.indices.max { a, b in z[a] < z[b] || (z[a] == z[b] && a > b) }!
            let label = Int(test.labels[i])
            confusion[label][best] += 1
            if best != label {
                let p = 1 / z.reduce(0.0) { $0 + exp(Double($1 - z[best])) }
                mistakes.append((i, label, best, p))
            }
        }
        XCTAssertNotEqual(confusion, (0..<10).map { t in (0..<10).map { confusion[$0][t] } }, "a symmetric matrix would hide a transposition")
        let result = try ClassifierEvaluation(network, on: test, keepMistakes: 3)
        XCTAssertEqual(result.confusion, confusion)
        let expected = mistakes.sorted { $0.confidence > $1.confidence }.prefix(3)
        XCTAssertGreaterThan(mistakes.count, 3)
        XCTAssertEqual(result.mistakes.map(\.index), expected.map(\.index))
        XCTAssertEqual(result.mistakes.map(\.predicted), expected.map(\.predicted))
        for (a, b) in zip(result.mistakes, expected) { XCTAssertEqual(a.confidence, b.confidence, accuracy: 1e-6) }
        XCTAssertGreaterThan(expected.first!.confidence, mistakes.map(\.confidence).min()!)
    }

    /// Mutation: `LinearProbe` trained on the test codes. The test labels here are the
    /// training rule reversed: a probe trained on the training codes is right on them and
    /// wrong on every test code; one trained on the test codes would be the other way round.
    func testLinearProbeTrainsOnTheTrainingCodes() throws {
        func codes(_ n: Int, flip: Bool) -> (Tensor, [UInt8]) {
            let t = Tensor(shape: [n, 2])
            var labels: [UInt8] = []
            for i in 0..<n {
                let positive = i % 2 == 0
                t.data[2 * i] = (positive ? 1 : -1) * Float(1 + i % 5)
                t.data[2 * i + 1] = Float(i % 3)
                labels.append(UInt8(positive != flip ? 1 : 0))
            }
            return (t, labels)
        }
        let (trainCodes, trainLabels) = codes(60, flip: false)
        let (testCodes, testLabels) = codes(30, flip: true)
        let r = try LinearProbe.evaluate(trainCodes: trainCodes, trainLabels: trainLabels, testCodes: testCodes, testLabels: testLabels,
                                         classes: 2, epochs: 30, learningRate: 0.05, seed: 1)
        XCTAssertEqual(r.trainAccuracy, 1)
        XCTAssertEqual(r.testAccuracy, 0)
    }

    /// Mutation: the record check accepting a finished record with more epochs than its
    /// configuration (`epochs.count < c.epochs`).
    func testRecordWithMoreEpochsThanItsConfigurationIsRejected() throws {
        var r = try ResultsStore(path: Support.fixtures.appendingPathComponent("results/results.jsonl").path).read().records[0]
        XCTAssertNil(r.problem)
        var extra = r.epochs.last!
        extra.epoch += 1
        r.epochs.append(extra)
        XCTAssertEqual(r.problem, "finished with \(r.epochs.count) of its \(r.config.epochs) epochs")
    }

    /// Mutation: `meanImageBaselineMSE` without its `* 255` (the mean image left in bytes).
    /// Values by hand: mean training image (0.5, 1), test image (1, 0): ((0.5)² + 1²) / 2.
    func testMeanImageBaselineByHand() throws {
        let train = try ImageSet(count: 2, height: 1, width: 2, pixels: [0, 255, 255, 255], labels: [0, 1])
        let test = try ImageSet(count: 1, height: 1, width: 2, pixels: [255, 0], labels: [0])
        XCTAssertEqual(meanImageBaselineMSE(train: train, test: test), 0.625, accuracy: 1e-12)
        let other = try ImageSet(count: 2, height: 1, width: 2, pixels: [51, 102, 51, 102], labels: [0, 1])
        XCTAssertEqual(meanImageBaselineMSE(train: other, test: other), 0, accuracy: 1e-12)
    }

    /// Mutation: `descent autoencoder` fitting PCA on the test images. Its recorded PCA
    /// errors and mean-image baseline must be those of a PCA fitted here on the training
    /// images.
    func testAutoencoderComparesWithAPCAFittedOnTrainingImages() throws {
        let data = Support.temporaryFolder("data")
        try MalformedInputs.writeValid(data)
        let out = Support.temporaryFolder("out")
        let r = try Support.descent(["autoencoder", "--data-dir", data, "--hidden", "6", "--epochs", "1", "--threads", "1",
                                     "--probe-epochs", "0", "--no-pictures", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let folder = out + "/" + (try FileManager.default.contentsOfDirectory(atPath: out).first { $0.hasPrefix("ae_") }!)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: XCTUnwrap(FileManager.default.contents(atPath: folder + "/metrics.json"))) as? [String: Any])
        let pca = try XCTUnwrap(json["pca"] as? [String: Any])
        let (train, test) = try DatasetLoader.load(.fashionMNIST, dataDirectory: data, cacheDirectory: nil, allowDownload: false)
        let fitted = try PCA.fit(train, components: 6)
        let onTest = try PCA.fit(test, components: 6)
        let testMSE = try XCTUnwrap(pca["test_mse"] as? Double), trainMSE = try XCTUnwrap(pca["train_mse"] as? Double)
        // Products split over other thread counts round differently: agreement to 1e-6 relative.
        XCTAssertEqual(testMSE, try fitted.reconstructionMSE(test), accuracy: 1e-6 * testMSE)
        XCTAssertEqual(trainMSE, try fitted.reconstructionMSE(train), accuracy: 1e-6 * trainMSE)
        print("PCA test MSE: fitted on the training images \(testMSE), on the test images \(try onTest.reconstructionMSE(test))")
        XCTAssertGreaterThan(abs(testMSE - (try onTest.reconstructionMSE(test))), 1e-3 * testMSE, "the two fits must be told apart")
        let baseline = try XCTUnwrap(json["mean_image_baseline_test_mse"] as? Double)
        XCTAssertEqual(baseline, meanImageBaselineMSE(train: train, test: test), accuracy: 1e-12)
    }
}
