import Foundation
import XCTest
@testable import Descent

/// Feeds the real `descent` binary every input of `MalformedInputs` and checks each failure:
/// exit status ≠ 0, exactly one line on stderr starting with `descent: error:` that names the
/// file or flag and what is wrong, no crash or stack trace, and earlier results in `--out`
/// byte-identical afterwards. Cases about file permissions run as a user they apply to
/// (`Unprivileged`: `nobody` when the suite runs as root). Also: consistent 20×20 data train
/// with a 400-input model.
final class ReliabilityBadInputBatteryTests: XCTestCase {
    /// Runs the binary (or `command`, which ends with a binary) with a time limit (a hang —
    /// e.g. blocking on a FIFO — is a failure too).
    static func run(_ arguments: [String], environment extra: [String: String] = [:], command: [String]? = nil,
                    timeout: TimeInterval = 120) throws -> (status: Int32, stdout: String, stderr: String, timedOut: Bool) {
        let command = command ?? [Support.descentBinary]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: command[0])
        p.arguments = Array(command.dropFirst()) + arguments
        var env = ProcessInfo.processInfo.environment
        env["DESCENT_DATA_DIR"] = nil
        env["DESCENT_MIRRORS"] = nil
        for (k, v) in extra { env[k] = v }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let errData = DataBox(), outData = DataBox()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter()
        DispatchQueue.global().async { outData.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        var timedOut = false
        if group.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(p.processIdentifier, SIGKILL)
            group.wait()
        }
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: outData.data, as: UTF8.self), String(decoding: errData.data, as: UTF8.self), timedOut)
    }

    /// A pipe's contents, filled by one reader thread and read after `group.wait()`.
    final class DataBox: @unchecked Sendable { var data = Data() }

    /// Files of an `--out` folder from an earlier run, to check they survive a failed one.
    static let earlierResults: [String: String] = [
        "results.jsonl": "{\"key\":\"earlier-run\",\"note\":\"must survive\"}\n",
        "metrics.jsonl": "{\"epoch\":1,\"seconds\":1,\"test_accuracy\":0.5,\"test_loss\":1,\"train_loss\":1}\n",
        "report.md": "# earlier report\n",
    ]

    func testEveryMalformedInputFailsWithOneClearLine() throws {
        let root = Support.temporaryFolder("battery")
        let cases = try MalformedInputs.all(root: root)
        XCTAssertGreaterThanOrEqual(cases.count, 30)
        XCTAssertTrue(cases.contains { $0.unprivileged }, "the permission case is in the battery")
        var crashes = 0, failures = 0
        var notRun: [String] = []
        for c in cases {
            var command: [String]? = nil
            if c.unprivileged {
                do { command = try Unprivileged.descentCommand() } catch let skip as XCTSkip {
                    notRun.append("\(c.name): \(skip.message ?? "")")
                    continue
                }
            }
            let out = root + "/out-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            for (name, text) in Self.earlierResults { try text.write(toFile: out + "/" + name, atomically: false, encoding: .utf8) }
            if c.unprivileged {
                Unprivileged.makeReachable(out)
                Unprivileged.handOver(out)   // so that only the unreadable input can fail the run
            }
            let r = try Self.run(c.arguments + (c.takesOut ? ["--out", out] : []), environment: c.environment,
                                 command: command)
            let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
            let crashed = r.timedOut || r.status > 128
                || ["Fatal error", "Stack dump", "Backtrace", "Current stack trace", "💣", "Segmentation fault"]
                    .contains { r.stderr.contains($0) }
            if crashed { crashes += 1 }
            var problems: [String] = []
            if r.timedOut { problems.append("timed out") }
            if r.status == 0 { problems.append("exit status 0") }
            if crashed { problems.append("crashed (status \(r.status))") }
            if lines.count != 1 { problems.append("\(lines.count) stderr lines") }
            if !(lines.first?.hasPrefix("descent: error: ") ?? false) { problems.append("no 'descent: error:' prefix") }
            for m in c.mentions where !r.stderr.contains(m) { problems.append("does not mention \"\(m)\"") }
            for (name, text) in Self.earlierResults
            where (try? String(contentsOfFile: out + "/" + name, encoding: .utf8)) != text {
                problems.append("\(name) in --out changed")
            }
            let extra = (try FileManager.default.contentsOfDirectory(atPath: out)).filter { Self.earlierResults[$0] == nil }
            if !extra.isEmpty { problems.append("--out gained \(extra)") }
            print("battery: \(c.name): \(lines.first ?? "")")
            if !problems.isEmpty {
                failures += 1
                XCTFail("\(c.name): \(problems.joined(separator: "; "))\n  args: \(c.arguments.joined(separator: " "))\n  stderr: \(r.stderr)")
            }
        }
        print("bad-input battery: \(cases.count - notRun.count) inputs tried, \(crashes) crashes, \(failures) failures")
        XCTAssertEqual(crashes, 0)
        if !notRun.isEmpty && failures == 0 {
            throw Support.skip("not run: \(notRun.joined(separator: "; "))")
        }
    }

    /// The download case leaves nothing in the cache: no partial, no unverified file.
    func testDigestMismatchLeavesNoFileInTheCache() throws {
        let root = Support.temporaryFolder("digest")
        let mirror = root + "/mirror"
        try MalformedInputs.writeValid(mirror)
        let cache = root + "/cache"
        let r = try Self.run(["train", "--dataset", "kmnist", "--model", "784-16-10", "--epochs", "1"],
                             environment: ["XDG_CACHE_HOME": cache, "DESCENT_MIRRORS": "file://\(mirror)/"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("SHA-256 mismatch"), r.stderr)
        let left = (try? FileManager.default.subpathsOfDirectory(atPath: cache)) ?? []
        XCTAssertTrue(left.allSatisfy { !$0.hasSuffix(".gz") && !$0.contains(".part") }, "\(left)")
    }

    /// Images that are not 28×28 are accepted when the model fits them.
    func testConsistent20x20ImagesTrainWithA400InputModel() throws {
        let dir = Support.temporaryFolder("twenty")
        try MalformedInputs.writeValid(dir, height: 20, width: 20)
        let r = try Self.run(["train", "--data-dir", dir, "--model", "400-32-10", "--epochs", "2", "--json",
                              "--threads", "1", "--seed", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 2, r.stdout)
        XCTAssertEqual(r.stderr, "")
    }

    /// A learning rate that blows up: the run stops within the step where the loss or a
    /// gradient stops being finite, says so in one line with epoch and step, exits ≠ 0,
    /// and no NaN/inf is written as a number.
    func testDivergenceIsOneLineWithEpochAndStepAndWritesNoNaN() throws {
        let dir = Support.temporaryFolder("diverge")
        try MalformedInputs.writeValid(dir)
        let out = Support.temporaryFolder("diverge-out")
        let r = try Self.run(["train", "--data-dir", dir, "--model", "784-64-10", "--optimizer", "sgd", "--lr", "1e30",
                              "--epochs", "3", "--batch-size", "8", "--json", "--threads", "1", "--out", out])
        XCTAssertNotEqual(r.status, 0)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("diverged") && r.stderr.contains("epoch 1") && r.stderr.contains("step"), r.stderr)
        for text in [r.stdout, (try? String(contentsOfFile: out + "/metrics.jsonl", encoding: .utf8)) ?? ""] {
            XCTAssertFalse(text.lowercased().contains("nan") || text.lowercased().contains("inf"), text)
        }
    }

    /// `--help` still prints the usage on stdout and exits 0 (the one-line error path must not eat it).
    func testHelpIsUnaffected() throws {
        let r = try Self.run(["train", "--help"])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("USAGE"), r.stdout)
    }
}
