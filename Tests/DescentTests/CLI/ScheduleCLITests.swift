import XCTest
@testable import Descent

/// `--schedule`/`--warmup` and the newer rules through the binary: a run resumes exactly,
/// its checkpoint evaluates, and Schedule-Free's checkpoint holds the averaged point.
final class ScheduleCLITests: XCTestCase {
    func tensors(_ path: String) throws -> [String: [Float]] {
        try SafeTensors.read(path).0.mapValues { $0.toArray() }
    }

    func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            var o = try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            o["seconds"] = nil
            return o
        }
    }

    /// `train --optimizer muon --schedule cosine --warmup 0.05`: 3 epochs straight equal 3
    /// epochs interrupted after the 2nd and resumed, bit for bit (weights, Muon's and AdamW's
    /// state, metrics); the schedule is in the checkpoint's run configuration; `evaluate`
    /// reads the checkpoint and finds the accuracy the run printed.
    func testMuonWithACosineScheduleResumesExactlyAndEvaluates() throws {
        let data = try Support.fashionSlice(train: 600, test: 200)
        let common = ["train", "--data-dir", data, "--model", "784-32-10", "--optimizer", "muon", "--lr", "0.02",
                      "--schedule", "cosine", "--warmup", "0.05", "--seed", "3", "--threads", "2", "--epochs", "3", "--json"]
        let straight = Support.temporaryFolder("muon-straight"), resumed = Support.temporaryFolder("muon-resumed")
        var r = try Support.descent(common + ["--out", straight])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try Support.descent(common + ["--out", resumed, "--stop-after-epoch", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try lines(resumed + "/metrics.jsonl").count, 2)
        r = try Support.descent(common + ["--resume", resumed + "/model.safetensors"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let a = try lines(straight + "/metrics.jsonl"), b = try lines(resumed + "/metrics.jsonl")
        XCTAssertEqual(a.count, 3)
        XCTAssertEqual(a.map { $0["test_loss"] as? Double }, b.map { $0["test_loss"] as? Double })
        XCTAssertEqual(a.map { $0["train_loss"] as? Double }, b.map { $0["train_loss"] as? Double })
        let weights = try tensors(straight + "/model.safetensors")
        XCTAssertEqual(weights, try tensors(resumed + "/model.safetensors"))
        XCTAssertNotNil(weights["optimizer/layers.1.weight.momentum_buffer"], weights.keys.sorted().description)
        XCTAssertNotNil(weights["optimizer/layers.1.bias.exp_avg_sq"], weights.keys.sorted().description)

        // 600 images in batches of 128: 5 steps per epoch, 15 in all; warm-up round(0.75) = 1 step.
        let checkpoint = try Checkpoint.read(straight + "/model.safetensors")
        let run = try checkpoint.runConfig(as: RunSpec.self)
        XCTAssertEqual(run.config.optimizer.schedule,
                       .linearWarmup(steps: 1, startFactor: 1, then: .cosine(totalSteps: 14, minimum: 0)))

        let e = try Support.descent(["evaluate", "--checkpoint", straight + "/model.safetensors", "--data-dir", data, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let evaluation = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(evaluation["accuracy"] as? Double, a.last!["test_accuracy"] as? Double)
    }

    /// Schedule-Free: the checkpoint holds x (what the run evaluated), so `evaluate` finds the
    /// run's last test accuracy with no flag; a resume (x → y again) continues exactly.
    func testScheduleFreeCheckpointsTheAveragedPoint() throws {
        let data = try Support.fashionSlice(train: 600, test: 200)
        let common = ["train", "--data-dir", data, "--model", "784-32-10", "--optimizer", "schedulefree",
                      "--seed", "5", "--threads", "1", "--epochs", "2", "--json"]
        let straight = Support.temporaryFolder("sf-straight"), resumed = Support.temporaryFolder("sf-resumed")
        XCTAssertEqual(try Support.descent(common + ["--out", straight]).status, 0)
        XCTAssertEqual(try Support.descent(common + ["--out", resumed, "--stop-after-epoch", "1"]).status, 0)
        let r = try Support.descent(common + ["--resume", resumed + "/model.safetensors"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let saved = try tensors(straight + "/model.safetensors")
        XCTAssertEqual(saved, try tensors(resumed + "/model.safetensors"))
        XCTAssertNotNil(saved["optimizer/optimizer.weight_sum"])

        let a = try lines(straight + "/metrics.jsonl")
        let e = try Support.descent(["evaluate", "--checkpoint", straight + "/model.safetensors", "--data-dir", data, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let evaluation = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(evaluation["accuracy"] as? Double, a.last!["test_accuracy"] as? Double)
        // The saved weights are x, not y: they differ from z and from x moved back to y.
        let w = try XCTUnwrap(saved["layers.1.weight"]), z = try XCTUnwrap(saved["optimizer/layers.1.weight.z"])
        XCTAssertNotEqual(w, z)
    }

    func testScheduleFlagsAreChecked() throws {
        let cases: [([String], String)] = [
            (["--schedule", "step"], "--schedule step needs --decay-every STEPS"),
            (["--schedule", "cosine", "--decay-every", "5"], "--decay-every and --decay-factor apply to --schedule step"),
            (["--min-lr", "0.001"], "--min-lr applies to --schedule cosine and linear"),
            (["--warmup", "1.5"], "--warmup must be a number of steps ≥ 0 or a fraction in (0, 1), got 1.5"),
            (["--warmup", "-3"], "--warmup must be a number of steps ≥ 0 or a fraction in (0, 1), got -3"),
            (["--schedule", "exponential"], "--schedule"),
        ]
        for (args, message) in cases {
            let r = try Support.descent(["train", "--epochs", "1"] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains(message), "\(args): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").filter { !$0.hasPrefix("Usage") && !$0.hasPrefix("  See") && !$0.isEmpty }.count, 1, r.stderr)
        }
    }
}
