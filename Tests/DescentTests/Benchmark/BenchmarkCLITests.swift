import Foundation
import XCTest
@testable import Descent

/// `descent benchmark` end to end on a Fashion-MNIST slice: a small external-tuning run, its
/// report, a resume after `kill -9` that redoes no finished trial, and shards whose trials
/// (hyper-parameters and results) equal the unsharded run's and which `descent report` merges,
/// and a rerun with another seed that counts none of the recorded trials as its own.
final class BenchmarkCLITests: XCTestCase {
    static let common = ["benchmark", "--preset", "quick", "--optimizers", "sgd,adam", "--trials", "2", "--studies", "2", "--threads", "1",
                         "--offline", "--workloads", "mlp", "--max-steps", "48"]

    func trials(_ folder: String) throws -> [String: BenchmarkTrial] {
        Dictionary(uniqueKeysWithValues: try BenchmarkStore(path: folder + "/trials.jsonl").read().trials.map { ($0.plan.key, $0) })
    }

    /// The full suite's ResNet workload (batch norm, skip connections) runs as a trial of its
    /// own suite: validated at the end of its (capped) budget, its report titled by the suite.
    func testFullSuiteRunsItsResNetWorkload() throws {
        let data = try Support.fashionSlice(train: 2500, test: 10)
        let out = Support.temporaryFolder("resnet")
        let r = try Support.descent(["benchmark", "--preset", "full", "--workloads", "resnet-fmnist", "--optimizers", "adam",
                                     "--trials", "1", "--studies", "1", "--max-steps", "3", "--threads", "1", "--offline",
                                     "--data-dir", data, "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try XCTUnwrap(trials(out)["resnet-fmnist·adam·external·s0·t0"], r.stdout)
        XCTAssertEqual(t.workload.model, "resnet-fmnist")
        XCTAssertEqual(t.curve.map(\.step), [3])
        XCTAssertTrue(t.curve.allSatisfy { (0...1).contains($0.value) }, "\(t.curve)")
        XCTAssertTrue(try String(contentsOfFile: out + "/summary.md", encoding: .utf8).hasPrefix("# Benchmark: suite full"))
    }

    func testBenchmarkRunsResumesAndShards() throws {
        let data = try Support.fashionSlice(train: 5000, test: 10)
        let whole = Support.temporaryFolder("whole")
        let r = try Support.descent(Self.common + ["--data-dir", data, "--out", whole, "--tensorboard", whole + "/tb"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let reference = try trials(whole)
        XCTAssertEqual(reference.count, 2 * 2 * 2, r.stdout)
        for name in ["summary.md", "summary.csv", "profile-external.png", "profile-external.svg", "curves-mlp.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: whole + "/" + name), name)
        }
        let summary = try String(contentsOfFile: whole + "/summary.md", encoding: .utf8)
        XCTAssertTrue(summary.contains("| adam |") && summary.contains("| sgd |"), summary)
        // Each cell shows every study's fastest steps to the target (the spread behind the median).
        for rule in ["sgd", "adam"] {
            let spread = (0..<2).map { s in
                reference.values.filter { $0.plan.optimizer == rule && $0.plan.study == s }.compactMap(\.targetStep).min().map(String.init) ?? "–"
            }.joined(separator: ", ")
            XCTAssertTrue(summary.contains("; studies \(spread) |"), "\(rule): studies \(spread)\n\(summary)")
        }
        XCTAssertTrue(reference.values.allSatisfy { $0.curve.map(\.step).prefix(2) == [16, 32] || $0.targetStep == 16 }, "validation every eval-every steps")
        XCTAssertTrue(reference.values.allSatisfy { $0.workload.stepBudget == 48 }, "the cap is recorded")
        XCTAssertTrue(reference.values.allSatisfy { $0.diverged || $0.steps == ($0.targetStep ?? 48) },
                      "a trial ends at the step it is decided, not at the end of that epoch")

        // TensorBoard's own reader finds each validation point of a trial.
        let one = try XCTUnwrap(reference["mlp·adam·external·s1·t1"])
        let lines = one.curve.map { #"{"epoch": \#($0.step), "accuracy": \#($0.value), "training_seconds": \#($0.seconds)}"# }
        let jsonl = Support.temporaryFolder("curve") + "/curve.jsonl"
        try lines.joined(separator: "\n").write(toFile: jsonl, atomically: true, encoding: .utf8)
        let board = try InteropTests.python("interop_check.py", ["tensorboard", whole + "/tb/mlp-adam-external-s1-t1", jsonl, "--tag-prefix", "validation/"])
        XCTAssertEqual(board["problems"] as? [String], [])
        XCTAssertEqual(board["checked"] as? Int, 2 * one.curve.count)

        // Killed with SIGKILL after some trials: the rerun redoes none of them.
        let killed = Support.temporaryFolder("killed")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Support.descentBinary)
        p.arguments = Self.common + ["--data-dir", data, "--out", killed]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, (try? trials(killed).count) ?? 0 < 2 { usleep(50_000) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let before = try trials(killed)
        XCTAssertGreaterThanOrEqual(before.count, 2)
        let resumed = try Support.descent(Self.common + ["--data-dir", data, "--out", killed])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.contains("\(before.count) already done"), resumed.stdout)
        let after = try trials(killed)
        XCTAssertEqual(Set(after.keys), Set(reference.keys))
        let recorded = try String(contentsOfFile: killed + "/trials.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(recorded.count, reference.count, "no trial run twice")
        for (key, t) in before { XCTAssertEqual(after[key]?.targetStep, t.targetStep, key) }

        // Another --seed plans other points: the recorded trials are named, not counted.
        let reseeded = try Support.descent(["benchmark", "--preset", "quick", "--optimizers", "sgd", "--trials", "1", "--studies", "1",
                                            "--threads", "1", "--offline", "--workloads", "mlp", "--max-steps", "48", "--seed", "1",
                                            "--data-dir", data, "--out", killed, "--no-report"])
        XCTAssertEqual(reseeded.status, 0, reseeded.stderr)
        XCTAssertTrue(reseeded.stdout.contains("1 trials, 0 already done, 1 to run"), reseeded.stdout)
        XCTAssertTrue(reseeded.stderr.contains("mlp·sgd·external·s0·t0 was run with") && reseeded.stderr.contains("seed 0;"), reseeded.stderr)

        // Two shards: together the same trials, each the same point and the same result.
        var merged: [String: BenchmarkTrial] = [:]
        var shards: [String] = []
        for i in 0..<2 {
            let folder = Support.temporaryFolder("shard\(i)")
            shards.append(folder)
            let s = try Support.descent(Self.common + ["--data-dir", data, "--out", folder, "--shard", "\(i)/2", "--no-report"])
            XCTAssertEqual(s.status, 0, s.stderr)
            merged.merge(try trials(folder)) { a, _ in a }
        }
        XCTAssertEqual(Set(merged.keys), Set(reference.keys))
        for (key, t) in reference {
            XCTAssertEqual(merged[key]?.optimizer, t.optimizer, "\(key): Halton point k is the same in every process and shard")
            XCTAssertEqual(merged[key]?.targetStep, t.targetStep, key)
            XCTAssertEqual(merged[key]?.curve.map(\.value), t.curve.map(\.value), key)
            XCTAssertEqual(after[key]?.curve.map(\.value), t.curve.map(\.value), "\(key) after the resume")
        }

        // `descent report` merges the shards' folders (a folder named twice counts once) into
        // the report that the same trials give in one folder.
        let report = Support.temporaryFolder("merged")
        let m = try Support.descent(["report", shards[0], shards[1], shards[0], "--out", report])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertTrue(m.stdout.hasPrefix("\(reference.count) trials; wrote"), m.stdout)
        let together = Support.temporaryFolder("together")
        let shardLines = try shards.map { try String(contentsOfFile: $0 + "/trials.jsonl", encoding: .utf8) }.joined()
        try shardLines.write(toFile: together + "/trials.jsonl", atomically: true, encoding: .utf8)
        let single = try Support.descent(Self.common + ["--out", together, "--report-only"])
        XCTAssertEqual(single.status, 0, single.stderr)
        for file in ["summary.md", "summary.csv"] {
            XCTAssertEqual(try String(contentsOfFile: report + "/" + file, encoding: .utf8),
                           try String(contentsOfFile: together + "/" + file, encoding: .utf8), file)
        }
        let mergedSummary = try String(contentsOfFile: report + "/summary.md", encoding: .utf8)
        XCTAssertTrue(mergedSummary.contains("Trials run on \(RunEnvironment.cpuModel()), \(BLAS.kernels), 1 thread(s)."), mergedSummary)
        // Trials of another machine: merged (steps compare), but the times are said not to.
        let elsewhere = Support.temporaryFolder("elsewhere")
        let moved = try String(contentsOfFile: shards[1] + "/trials.jsonl", encoding: .utf8)
            .replacingOccurrences(of: #""cpu":"\#(RunEnvironment.cpuModel())""#, with: #""cpu":"Another CPU""#)
        XCTAssertTrue(moved.contains("Another CPU"))
        try moved.write(toFile: elsewhere + "/trials.jsonl", atomically: true, encoding: .utf8)
        let two = try Support.descent(["report", shards[0], elsewhere, "--out", Support.temporaryFolder("two")])
        XCTAssertEqual(two.status, 0, two.stderr)
        XCTAssertTrue(two.stderr.contains("descent: warning: the trials come from several machines"), two.stderr)
        // A trials file named without --out: the report goes into the folder holding it.
        let beside = try Support.descent(["report", elsewhere + "/trials.jsonl"])
        XCTAssertEqual(beside.status, 0, beside.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: elsewhere + "/summary.md"), beside.stdout)

        // The resumed folder also holds the trial of --seed 1: another benchmark, never mixed in.
        let mixed = try Support.descent(["report", killed, "--out", Support.temporaryFolder("mixed")])
        XCTAssertEqual(mixed.status, 1)
        XCTAssertTrue(mixed.stderr.hasPrefix("descent: error: ") && mixed.stderr.contains("--seed 1")
                      && mixed.stderr.contains("--seed 0") && mixed.stderr.contains("not merged"), mixed.stderr)
        XCTAssertEqual(mixed.stderr.split(separator: "\n").count, 1, mixed.stderr)
    }
}
