import XCTest
@testable import Descent

/// `train --out/--resume`, `evaluate`, and the run keys of the committed comparison, through the binary.
final class TrainResumeEvaluateCLITests: XCTestCase {
    func bytes(_ path: String) throws -> [String: [Float]] {
        let (tensors, _) = try SafeTensors.read(path)
        return tensors.mapValues { $0.toArray() }
    }

    func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            var o = try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            o["seconds"] = nil
            return o
        }
    }

    /// 3 epochs straight equal 2 epochs, a resume, and 1 more: the same metrics and the
    /// same weights and optimizer state, bit for bit (dropout and shuffling are per epoch).
    func testResumedTrainEqualsAnUninterruptedOne() throws {
        let data = try Support.fashionSlice(train: 600, test: 200)
        let common = ["train", "--data-dir", data, "--model", "784-32-10", "--optimizer", "adam", "--seed", "4", "--threads", "2"]
        let straight = Support.temporaryFolder("straight"), resumed = Support.temporaryFolder("resumed")
        var r = try Support.descent(common + ["--epochs", "3", "--out", straight])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try Support.descent(common + ["--epochs", "2", "--out", resumed])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Without --resume an existing checkpoint is never overwritten.
        r = try Support.descent(common + ["--epochs", "3", "--out", resumed])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("exists: continue it with --resume"), r.stderr)
        r = try Support.descent(common.filter { $0 != "--threads" && $0 != "2" } + ["--epochs", "3", "--resume", resumed + "/model.safetensors"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("resumed from"), r.stdout)
        XCTAssertTrue(r.stdout.contains("2 thread(s)"), "the checkpoint's thread count is the default: \(r.stdout)")
        let a = try lines(straight + "/metrics.jsonl"), b = try lines(resumed + "/metrics.jsonl")
        XCTAssertEqual(a.count, 3)
        XCTAssertEqual(a.map { $0["test_loss"] as? Double }, b.map { $0["test_loss"] as? Double })
        XCTAssertEqual(a.map { $0["train_loss"] as? Double }, b.map { $0["train_loss"] as? Double })
        XCTAssertEqual(try bytes(straight + "/model.safetensors"), try bytes(resumed + "/model.safetensors"))

        // The checkpoint evaluates to the accuracy the run printed, with no other flag.
        let e = try Support.descent(["evaluate", straight + "/model.safetensors", "--data-dir", data, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let evaluation = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(evaluation["accuracy"] as? Double, a.last!["test_accuracy"] as? Double)
        XCTAssertEqual((evaluation["per_class_accuracy"] as? [String: Any])?.count, 10)
        for file in ["confusion.csv", "confusion.svg", "confusion.png", "mistakes.svg", "mistakes.png", "evaluation.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: straight + "/" + file), file)
        }
        let csv = try String(contentsOfFile: straight + "/confusion.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 11)
        XCTAssertEqual(csv.dropFirst().map { $0.split(separator: ",").dropFirst().compactMap { Int($0) }.reduce(0, +) }.reduce(0, +), 200)
    }

    /// A checkpoint refuses options that differ from it, a finished target and another thread count.
    func testResumeMismatchesAreOneLineErrors() throws {
        let data = try Support.fashionSlice(train: 300, test: 100)
        let out = Support.temporaryFolder()
        let base = ["train", "--data-dir", data, "--model", "784-16-10", "--seed", "1", "--threads", "1"]
        XCTAssertEqual(try Support.descent(base + ["--epochs", "1", "--out", out]).status, 0)
        let checkpoint = out + "/model.safetensors"
        let cases: [([String], String)] = [
            (["--optimizer", "sgd"], "optimizer.kind = adam, the command line gives sgd"),
            (["--model", "784-17-10"], "config.model"),
            (["--seed", "2"], "seed = 1, the command line gives 2"),
            (["--batch-size", "64"], "batch_size = 128, the command line gives 64"),
            (["--hidden-dropout", "0.2"], "hidden_dropout"),
            (["--train-limit", "200"], "train_limit"),
            (["--epochs", "1"], "already been trained for 1 epoch(s)"),
            (["--threads", "2"], "trained with 1 thread(s)"),
        ]
        for (change, mention) in cases {
            var args = base + ["--epochs", "2", "--resume", checkpoint]
            for (i, a) in change.enumerated() where i % 2 == 0 {
                if let j = args.firstIndex(of: a) { args[j + 1] = change[i + 1] } else { args += [a, change[i + 1]] }
            }
            let r = try Support.descent(args)
            XCTAssertEqual(r.status, 1, "\(change)")
            XCTAssertTrue(r.stderr.contains(mention), "\(change): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
    }

    /// `compare --model seed-mlp` (or the default) on a copy of the committed comparison finds
    /// its 18 runs done: the model descriptions kept the run keys.
    /// The committed records (written before data fingerprints) are done on the catalogue's
    /// Fashion-MNIST — here Debian's recompressed copy, found without --data-dir or named by
    /// it — and on no other data: a slice of it is refused in one line.
    func testCommittedComparisonRunsAreStillDone() throws {
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../docs/comparison").standardized.path
        guard FileManager.default.fileExists(atPath: committed + "/results.jsonl") else { throw Support.skip("no docs/comparison") }
        _ = try Support.requireFashionMNIST()
        let installed = DatasetLoader.localDirectory(of: .fashionMNIST)!
        for (model, dataDir) in [("784-784-784-10", nil), ("seed-mlp", installed)] as [(String, String?)] {
            let copy = Support.temporaryFolder("copy")
            try FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: committed, toPath: copy)
            let r = try Support.descent(["compare", "--preset", "standard", "--model", model, "--out", copy, "--no-report"]
                                        + (dataDir.map { ["--data-dir", $0] } ?? []))
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("18 runs, 18 already done, 0 to run"), r.stdout)
        }
        let copy = Support.temporaryFolder("slice")
        try FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: committed, toPath: copy)
        let slice = try Support.fashionSlice(train: 100, test: 50)
        let r = try Support.descent(["compare", "--preset", "standard", "--out", copy, "--data-dir", slice, "--no-report"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("holds 18 run(s) on other data than \(slice)") && r.stderr.contains("no data fingerprint"), r.stderr)
    }

    /// With --keep-models each compare run leaves its weights, which evaluate to the run's
    /// recorded accuracy; without it, none.
    func testCompareKeepsEvaluableModels() throws {
        let data = try Support.fashionSlice(train: 300, test: 100)
        let out = Support.temporaryFolder()
        let r = try Support.descent(["compare", "--data-dir", data, "--out", out, "--optimizers", "adam", "--seeds", "1",
                                     "--epochs", "1", "--model", "784-16-10", "--threads", "1", "--no-report", "--keep-models"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try ResultsStore(path: out + "/results.jsonl").read().records[0]
        let e = try Support.descent(["evaluate", out + "/models/\(record.key).safetensors", "--data-dir", data,
                                     "--out", out + "/eval", "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let evaluation = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(evaluation["accuracy"] as? Double, record.epochs.last?.testAccuracy)
        let without = Support.temporaryFolder("no-models")
        let plain = try Support.descent(["compare", "--data-dir", data, "--out", without, "--optimizers", "adam", "--seeds", "1",
                                         "--epochs", "1", "--model", "784-16-10", "--threads", "1", "--no-report"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: without + "/models"), "weights are kept only with --keep-models")
    }
}

extension TrainResumeEvaluateCLITests {
    /// With batch normalisation: 2 epochs straight equal 1 epoch and a resume, bit for bit,
    /// running statistics included; `evaluate` normalises with the saved statistics and gives
    /// the accuracy the run printed.
    func testResumedBatchNormTrainEqualsAnUninterruptedOne() throws {
        let data = try Support.fashionSlice(train: 400, test: 200)
        let model = "1x28x28: conv2d(4, 3), batchnorm2d, relu, maxpool2d(2), flatten, linear(16), batchnorm1d(momentum=0.2), relu, linear(10)"
        let common = ["train", "--data-dir", data, "--model", model, "--optimizer", "adam", "--seed", "3", "--threads", "2"]
        let straight = Support.temporaryFolder("bn-straight"), resumed = Support.temporaryFolder("bn-resumed")
        var r = try Support.descent(common + ["--epochs", "2", "--out", straight])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try Support.descent(common + ["--epochs", "1", "--out", resumed])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try Support.descent(common + ["--epochs", "2", "--resume", resumed + "/model.safetensors"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let a = try lines(straight + "/metrics.jsonl"), b = try lines(resumed + "/metrics.jsonl")
        XCTAssertEqual(a.map { $0["test_loss"] as? Double }, b.map { $0["test_loss"] as? Double })
        let (saved, other) = (try bytes(straight + "/model.safetensors"), try bytes(resumed + "/model.safetensors"))
        XCTAssertEqual(saved, other)
        // 400 training images in batches of 128: 4 batches an epoch, 8 counted by each normalisation.
        XCTAssertEqual(saved["layers.1.num_batches_tracked"], [8])
        XCTAssertEqual(saved["layers.6.num_batches_tracked"], [8])
        XCTAssertNotEqual(saved["layers.1.running_var"], [1, 1, 1, 1])
        let e = try Support.descent(["evaluate", straight + "/model.safetensors", "--data-dir", data, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let evaluation = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(evaluation["accuracy"] as? Double, a.last!["test_accuracy"] as? Double)
    }
}
