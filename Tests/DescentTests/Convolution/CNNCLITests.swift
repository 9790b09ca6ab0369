import XCTest
@testable import Descent

/// The CNN presets through the real binary: `train` with checkpoints, resume and `evaluate`, `compare`
/// sharded and resumed, `autoencoder` with the convolutional autoencoder, and one-line
/// errors for impossible models.
final class CNNCLITests: XCTestCase {
    func metrics(_ stdout: String) throws -> [EpochMetrics] {
        try stdout.split(separator: "\n").map { line in
            var m = try JSONDecoder().decode(EpochMetrics.self, from: Data(line.utf8))
            m.seconds = 0
            return m
        }
    }

    func testTrainLeNet5ResumesToTheUninterruptedRunAndEvaluates() throws {
        let data = try Support.fashionSlice(train: 600, test: 200)
        let common = ["train", "--data-dir", data, "--model", "lenet5", "--optimizer", "adam", "--seed", "3", "--json", "--threads", "2"]
        let straight = try Support.descent(common + ["--epochs", "2"])
        XCTAssertEqual(straight.status, 0, straight.stderr)
        let out = Support.temporaryFolder()
        let first = try Support.descent(common + ["--epochs", "1", "--out", out])
        XCTAssertEqual(first.status, 0, first.stderr)
        let resumed = try Support.descent(common + ["--epochs", "2", "--resume", out + "/model.safetensors"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try metrics(first.stdout) + metrics(resumed.stdout), try metrics(straight.stdout))
        // `descent evaluate` on the checkpoint alone gives the accuracy of the last epoch.
        let evaluation = try Support.descent(["evaluate", out + "/model.safetensors", "--data-dir", data,
                                              "--out", out + "/evaluation", "--json"])
        XCTAssertEqual(evaluation.status, 0, evaluation.stderr)
        let report = try JSONSerialization.jsonObject(with: Data(evaluation.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(report["accuracy"] as? Double, try metrics(straight.stdout).last?.testAccuracy)
        // The checkpoint holds the model description and torch-layout weights.
        let checkpoint = try Checkpoint.read(out + "/model.safetensors")
        XCTAssertEqual(try checkpoint.modelSpec(), ModelSpec.preset(named: "lenet5"))
        XCTAssertEqual(try checkpoint.makeNetwork().parameters.first?.value.shape, [6, 1, 5, 5])
    }

    func testCompareLeNet5ShardsAndResumes() throws {
        let data = try Support.fashionSlice(train: 300, test: 100)
        let args = { (out: String) in ["compare", "--data-dir", data, "--out", out, "--optimizers", "sgd,adam", "--seeds", "2",
                                       "--epochs", "1", "--model", "lenet5", "--threads", "1"] }
        let whole = Support.temporaryFolder("whole")
        let r = try Support.descent(args(whole))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try String(contentsOfFile: whole + "/summary.md", encoding: .utf8).contains("conv2d(6, 5, padding=2)"))
        let again = try Support.descent(args(whole))
        XCTAssertTrue(again.stdout.contains("4 already done, 0 to run"), again.stdout)
        let shards = try (0..<2).map { i -> String in
            let folder = Support.temporaryFolder("shard\(i)")
            XCTAssertEqual(try Support.descent(args(folder) + ["--shard", "\(i)/2"]).status, 0)
            return folder
        }
        func comparable(_ records: [RunRecord]) -> [String: [EpochMetrics]] {
            Dictionary(uniqueKeysWithValues: records.map { r in (r.key, r.epochs.map { var m = $0; m.seconds = 0; return m }) })
        }
        XCTAssertEqual(comparable(try ResultsStore.merge(shards).records),
                       comparable(try ResultsStore(path: whole + "/results.jsonl").read().records))
    }

    func testConvolutionalAutoencoderWritesItsPictures() throws {
        let data = try Support.fashionSlice(train: 300, test: 100)
        let out = Support.temporaryFolder()
        let r = try Support.descent(["autoencoder", "--data-dir", data, "--model", "conv-ae", "--epochs", "1", "--probe-epochs", "1",
                                     "--out", out, "--threads", "1", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let dir = out + "/ae_fashion-mnist_conv-ae_cr.3_adam_e1_s0"
        for file in ["encoder.png", "decoder.png", "reconstructions.png", "pca.png", "metrics.json", "model.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/" + file), file)
        }
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/metrics.json"))) as! [String: Any]
        XCTAssertEqual((metrics["pca"] as? [String: Any])?["components"] as? Int, 100)
        XCTAssertNotNil(metrics["probe"])
    }

    func testImpossibleModelsAreOneLineErrors() throws {
        let data = try Support.fashionSlice(train: 100, test: 50)
        let cases: [([String], String)] = [
            (["train", "--data-dir", data, "--model", "conv2d(6, 50), flatten, linear(10)"], "a 50×50 kernel does not fit a 28×28 input"),
            (["train", "--data-dir", data, "--model", "784: conv2d(6, 5), flatten, linear(10)"], "needs a C×H×W input"),
            (["train", "--data-dir", data, "--model", "2x28x28: conv2d(6, 5), flatten, linear(10)"], "2×28×28"),
            (["compare", "--data-dir", data, "--model", "maxpool2d(2, padding=3), flatten, linear(10)"], "padding must be at most half the kernel"),
            (["autoencoder", "--data-dir", data, "--model", "conv2d(4, 3) | convtranspose2d(1, 3), sigmoid", "--probe-epochs", "0"],
             "the code has 2704 values, more than the 784 pixels"),
        ]
        for (args, mention) in cases {
            let r = try Support.descent(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.hasPrefix("descent: error: "), "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(mention), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)")
        }
    }
}
