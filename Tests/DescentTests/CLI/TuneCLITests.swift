import XCTest
@testable import Descent

/// `descent tune` and `--validation` through the real binary: resuming after a kill,
/// sharding, the split across processes, unchanged run keys and output of old commands.
final class TuneCLITests: XCTestCase {
    /// 2 optimizers × 3 rates, 2 seeds, 1 epoch of a 784-16-10 net on 400 of 600 images (200 held out).
    func tuneArguments(data: String, out: String) -> [String] {
        ["tune", "--data-dir", data, "--out", out, "--optimizers", "sgd,adam", "--lr-grid", "1e-3:1e-1:3", "--seeds", "2",
         "--epochs", "1", "--validation", "200", "--model", "784-16-10", "--threads", "1"]
    }

    /// Records without the fields that legitimately differ between processes (times, host facts).
    func comparable(_ records: [RunRecord]) -> [String: [EpochMetrics]] {
        Dictionary(uniqueKeysWithValues: records.map { r in (r.key, r.epochs.map { var m = $0; m.seconds = 0; return m }) })
    }

    func records(_ folder: String) throws -> [RunRecord] { try ResultsStore(path: folder + "/results.jsonl").read().records }

    /// The number of runs the tuning in `folder` consists of, once its grid is done.
    func expectedRuns(_ folder: String) throws -> Int {
        let plan = try JSONDecoder().decode(TuningPlan.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/tune.json")))
        return plan.phase1.count + (plan.phase2(try records(folder))?.count ?? 0)
    }

    func testTuneRunsTheGridThenTheChosenRatesOnOneSplit() throws {
        let data = try Support.fashionSlice(train: 600, test: 200)
        let out = Support.temporaryFolder()
        let r = try Support.descent(tuneArguments(data: data, out: out))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("grid and default rates: 8 runs, 0 already done, 8 to run"), r.stdout)
        XCTAssertTrue(r.stdout.contains("chosen rates: "), r.stdout)
        let all = try records(out)
        XCTAssertEqual(all.count, try expectedRuns(out))
        // Every run, in its own worker process, held out the same images, disjoint from its training images.
        let split = try ValidationSplit(count: 200, of: 600)
        XCTAssertEqual(Set(all.compactMap { $0.validationSplit }), [split.record])
        XCTAssertTrue(all.allSatisfy { $0.epochs.allSatisfy { $0.validationAccuracy != nil && $0.validationLoss != nil } })
        // Each worker records the kernels its products ran on (oneDNN and its instruction set).
        XCTAssertEqual(Set(all.map(\.environment.kernels)), [BLAS.kernels])
        XCTAssertTrue(all.allSatisfy { $0.environment.blasCore == nil })
        XCTAssertTrue(BLAS.kernels.hasPrefix("oneDNN ") && !BLAS.kernels.contains("unknown"), BLAS.kernels)
        for name in ["summary.md", "summary.csv", "lr-sensitivity.svg", "lr-sensitivity.png", "report.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/" + name), name)
        }
        // The same command again: nothing to run, nothing appended.
        let before = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8)
        let again = try Support.descent(tuneArguments(data: data, out: out))
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("8 already done, 0 to run"), again.stdout)
        XCTAssertEqual(try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8), before)
        // Another tuning into the same folder is refused instead of mixed in.
        let other = try Support.descent(tuneArguments(data: data, out: out) + ["--epochs", "2"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.hasPrefix("descent: error: --out: ") && other.stderr.contains("another tuning"), other.stderr)
        // `descent report` on the folder writes the same tuning report.
        let copy = Support.temporaryFolder("report")
        XCTAssertEqual(try Support.descent(["report", out, "--out", copy]).status, 0)
        XCTAssertEqual(try String(contentsOfFile: copy + "/summary.csv", encoding: .utf8),
                       try String(contentsOfFile: out + "/summary.csv", encoding: .utf8))
    }

    /// SIGKILL in the middle of the grid; the rerun completes the tuning with every run
    /// exactly once and the same numbers as an uninterrupted tuning.
    func testKilledTuneLosesAndDuplicatesNothing() throws {
        let data = try Support.fashionSlice(train: 600, test: 200)
        let out = Support.temporaryFolder()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Support.descentBinary)
        p.arguments = tuneArguments(data: data, out: out) + ["--jobs", "1"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while p.isRunning && Date() < deadline && ((try? records(out).count) ?? 0) < 2 { usleep(20_000) }
        XCTAssertTrue(p.isRunning, "the tuning ended before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let partial = try records(out)
        XCTAssertGreaterThanOrEqual(partial.count, 2)
        XCTAssertLessThan(partial.count, 8)
        let r = try Support.descent(tuneArguments(data: data, out: out))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("\(partial.count) already done"), r.stdout)
        let final = try ResultsStore(path: out + "/results.jsonl").read()
        XCTAssertEqual(final.skippedLines, 0)
        let lines = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, try expectedRuns(out), "one line per run, none lost, none twice")
        XCTAssertEqual(Set(final.records.map(\.key)).count, lines.count)
        for old in partial { XCTAssertTrue(final.records.contains(old), "a run finished before the kill was lost or changed") }
        let clean = Support.temporaryFolder("clean")
        XCTAssertEqual(try Support.descent(tuneArguments(data: data, out: clean) + ["--no-report"]).status, 0)
        XCTAssertEqual(comparable(final.records), comparable(try records(clean)))
    }

    /// Two shards in two folders: each runs half the grid; run again with --merge, each
    /// reruns its half of the chosen rates; `descent report` of both is the unsharded report.
    func testShardedTuneMergesToTheUnshardedOne() throws {
        let data = try Support.fashionSlice(train: 600, test: 200)
        let whole = Support.temporaryFolder("whole")
        XCTAssertEqual(try Support.descent(tuneArguments(data: data, out: whole)).status, 0)
        let shards = [Support.temporaryFolder("shard0"), Support.temporaryFolder("shard1")]
        for (i, folder) in shards.enumerated() {
            let r = try Support.descent(tuneArguments(data: data, out: folder) + ["--shard", "\(i)/2"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("grid and default rates: 4 runs (shard \(i)/2 of 8)"), r.stdout)
            XCTAssertTrue(r.stdout.contains("not done yet"), r.stdout)
        }
        for (i, folder) in shards.enumerated() {
            let r = try Support.descent(tuneArguments(data: data, out: folder) + ["--shard", "\(i)/2", "--merge", shards[1 - i]])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("chosen rates: "), r.stdout)
        }
        let merged = Support.temporaryFolder("merged")
        let r = try Support.descent(["report"] + shards + ["--out", merged])
        XCTAssertEqual(r.status, 0, r.stderr)
        let all = try ResultsStore.merge(shards).records
        XCTAssertEqual(all.count, try records(whole).count)
        XCTAssertEqual(comparable(all), comparable(try records(whole)))
        for name in ["summary.csv", "summary.md"] {
            XCTAssertEqual(try String(contentsOfFile: merged + "/" + name, encoding: .utf8),
                           try String(contentsOfFile: whole + "/" + name, encoding: .utf8), name)
        }
    }

    func testBadTuneFlagsAreOneLineErrors() throws {
        let data = try Support.fashionSlice(train: 600, test: 200)
        let out = Support.temporaryFolder()
        for (extra, fragment) in [(["--lr-grid", "1:0.1:3"], "--lr-grid: "), (["--validation", "0"], "--validation"),
                                  (["--validation", "600"], "--validation 600: "), (["--optimizers", "sgd,bogus"], "--optimizers: "),
                                  (["--merge", out + "/none"], "--merge: ")] {
            let r = try Support.descent(tuneArguments(data: data, out: out) + extra)
            XCTAssertNotEqual(r.status, 0, "\(extra)")
            XCTAssertTrue(r.stderr.hasPrefix("descent: error: ") && r.stderr.contains(fragment), "\(extra): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        }
    }

    /// `train --json` keeps exactly its five keys without --validation and adds the two
    /// validation keys with it.
    func testTrainJSONKeys() throws {
        let data = try Support.fashionSlice(train: 600, test: 200)
        let base = ["train", "--data-dir", data, "--model", "784-16-10", "--epochs", "1", "--threads", "1", "--json"]
        func keys(_ args: [String]) throws -> Set<String> {
            let r = try Support.descent(args)
            XCTAssertEqual(r.status, 0, r.stderr)
            let object = try JSONSerialization.jsonObject(with: Data(r.stdout.split(separator: "\n")[0].utf8)) as! [String: Any]
            return Set(object.keys)
        }
        XCTAssertEqual(try keys(base), ["epoch", "train_loss", "test_loss", "test_accuracy", "seconds"])
        XCTAssertEqual(try keys(base + ["--validation", "100"]),
                       ["epoch", "train_loss", "test_loss", "test_accuracy", "seconds", "validation_loss", "validation_accuracy"])
    }

    /// The committed tuning (docs/tuning) is complete for its command: no run key changed,
    /// and its report is what the code writes now.
    func testCommittedTuningIsStillDone() throws {
        _ = try Support.requireFashionMNIST()
        let copy = Support.temporaryFolder()
        try FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: TuningTests.repository + "/docs/tuning", toPath: copy)
        let r = try Support.descent(["tune", "--preset", "standard", "--train-limit", "20000", "--out", copy])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("grid and default rates: 66 runs, 66 already done, 0 to run"), r.stdout)
        XCTAssertTrue(r.stdout.contains("chosen rates: 8 runs, 8 already done, 0 to run"), r.stdout)
        for name in ["summary.md", "summary.csv"] {
            XCTAssertEqual(try String(contentsOfFile: copy + "/" + name, encoding: .utf8),
                           try String(contentsOfFile: TuningTests.repository + "/docs/tuning/" + name, encoding: .utf8), name)
        }
    }

    /// `compare --validation N`: every run holds out the same images and the report's best
    /// epoch is chosen on validation.
    func testCompareWithValidation() throws {
        let data = try Support.fashionSlice(train: 600, test: 200)
        let out = Support.temporaryFolder()
        let r = try Support.descent(["compare", "--data-dir", data, "--out", out, "--optimizers", "sgd,adam", "--seeds", "2",
                                     "--epochs", "2", "--validation", "150", "--model", "784-16-10", "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let all = try records(out)
        XCTAssertEqual(all.count, 4)
        XCTAssertEqual(Set(all.compactMap { $0.validationSplit }), [try ValidationSplit(count: 150, of: 600).record])
        XCTAssertTrue(all.allSatisfy { $0.config.validation == 150 && $0.epochs.allSatisfy { $0.validationAccuracy != nil } })
        XCTAssertTrue(try String(contentsOfFile: out + "/summary.md", encoding: .utf8).contains("best epoch by validation"))
    }

    /// `autoencoder` and `stacked` with --validation report the validation MSE per epoch and at the end.
    func testAutoencodersReportValidationMSE() throws {
        let data = try Support.fashionSlice(train: 600, test: 200)
        for args in [["autoencoder", "--hidden", "16", "--epochs", "1"],
                     ["stacked", "--model", "784-16-8", "--pretrain-epochs", "1", "--finetune-epochs", "1"]] {
            let out = Support.temporaryFolder()
            let r = try Support.descent(args + ["--data-dir", data, "--out", out, "--validation", "100", "--probe-epochs", "0",
                                                "--no-pca", "--threads", "1"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("val_mse"), r.stdout)
            let run = try FileManager.default.contentsOfDirectory(atPath: out)[0]
            let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/" + run + "/metrics.json"))) as! [String: Any]
            XCTAssertEqual(metrics["validation_images"] as? Int, 100)
            let mse = try XCTUnwrap(metrics["validation_mse"] as? Double)
            let history = try XCTUnwrap(metrics["history"] as? [[String: Any]])
            XCTAssertEqual(history.last?["validation_loss"] as? Double, mse)
            XCTAssertTrue(mse > 0 && mse < 1, "\(mse)")
        }
    }
}
