import XCTest
@testable import Descent

/// A sweep folder under pressure, through the real binary: two sweeps at once (the folder
/// lock), shards with no runs or only failed runs, and a sweep killed while its stdout is a
/// file (a Slurm log).
final class SweepFolderTests: XCTestCase {
    /// 2 optimizers × 2 seeds on 1000 synthetic images, one run at a time; `long`: runs of
    /// about a second (784-128-10, 40 epochs), long enough to catch a worker while it runs.
    func sweep(_ data: String, _ out: String, long: Bool = false) -> [String] {
        ["compare", "--data-dir", data, "--out", out, "--optimizers", "sgd,adam", "--seeds", "2",
         "--epochs", long ? "40" : "1", "--model", long ? "784-128-10" : "784-16-10", "--threads", "1", "--jobs", "1"]
    }

    func syntheticData() throws -> String {
        let dir = Support.temporaryFolder("data")
        try Support.writeIDX(MalformedInputs.set(count: 1000), images: dir + "/train-images-idx3-ubyte", labels: dir + "/train-labels-idx1-ubyte")
        try Support.writeIDX(MalformedInputs.set(count: 200), images: dir + "/t10k-images-idx3-ubyte", labels: dir + "/t10k-labels-idx1-ubyte")
        return dir
    }

    /// Starts the binary with stdout and stderr going to files (not pipes).
    func start(_ arguments: [String], stdout: String, stderr: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Support.descentBinary)
        p.arguments = arguments
        FileManager.default.createFile(atPath: stdout, contents: nil)
        FileManager.default.createFile(atPath: stderr, contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: stdout)
        p.standardError = FileHandle(forWritingAtPath: stderr)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Waits up to `seconds` for `condition`.
    func wait(_ seconds: Double, for condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    func lockHolder(_ out: String) -> Int32? {
        (try? String(contentsOfFile: out + "/.lock", encoding: .utf8)).flatMap { $0.split(separator: " ").first.flatMap { Int32($0) } }
    }

    /// Item 1: a second sweep on a locked folder refuses with one line naming the holder's
    /// pid and runs nothing; after the first finishes every run is in the file once; a
    /// killed holder's lock is released by the kernel.
    func testSecondSweepOnTheSameFolderIsRefused() throws {
        let data = try syntheticData(), out = Support.temporaryFolder("locked")
        let logs = Support.temporaryFolder("logs")
        let first = try start(sweep(data, out, long: true), stdout: logs + "/a.out", stderr: logs + "/a.err")
        XCTAssertTrue(wait(30) { lockHolder(out) == first.processIdentifier }, "the first sweep never took the lock")
        // Paused, the first sweep certainly still holds the lock while the second one tries.
        kill(first.processIdentifier, SIGSTOP)
        let second = try Support.descent(sweep(data, out, long: true))
        kill(first.processIdentifier, SIGCONT)
        XCTAssertEqual(second.status, 1)
        let lines = second.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, second.stderr)
        XCTAssertTrue(second.stderr.hasPrefix("descent: error: \(out): another descent process (pid \(first.processIdentifier), descent compare) is writing in this folder"), second.stderr)
        XCTAssertEqual(second.stdout, "", "the refused sweep must not print a plan")
        print("lock: \(lines.first ?? "")")
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0, (try? String(contentsOfFile: logs + "/a.err", encoding: .utf8)) ?? "")
        let lines2 = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines2.count, 4, "every run once")
        XCTAssertEqual(Set(try ResultsStore(path: out + "/results.jsonl").read().records.map(\.key)).count, 4)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/.lock"), "the lock file is removed on exit")

        // A holder killed with SIGKILL leaves the file but not the lock.
        let killedOut = Support.temporaryFolder("killed")
        let killed = try start(sweep(data, killedOut, long: true), stdout: logs + "/k.out", stderr: logs + "/k.err")
        XCTAssertTrue(wait(30) { lockHolder(killedOut) == killed.processIdentifier })
        kill(killed.processIdentifier, SIGKILL)
        killed.waitUntilExit()
        XCTAssertTrue(FileManager.default.fileExists(atPath: killedOut + "/.lock"))
        let after = try Support.descent(sweep(data, killedOut))
        XCTAssertEqual(after.status, 0, after.stderr)
        XCTAssertEqual(try ResultsStore(path: killedOut + "/results.jsonl").read().records.count, 4)
    }

    /// Item 11: the plan line is in a stdout file even when the process is killed right after.
    func testPlanLineIsInTheLogOfAKilledSweep() throws {
        let data = try syntheticData(), out = Support.temporaryFolder("logged")
        let logs = Support.temporaryFolder("logs")
        let p = try start(sweep(data, out, long: true), stdout: logs + "/out", stderr: logs + "/err")
        XCTAssertTrue(wait(30) { !ProcessTree.children(of: p.processIdentifier).isEmpty }, "no worker started")
        XCTAssertTrue(p.isRunning)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationReason, .uncaughtSignal)
        let log = try String(contentsOfFile: logs + "/out", encoding: .utf8)
        XCTAssertTrue(log.hasPrefix("\(out): 4 runs, 0 already done, 4 to run as "), "stdout file holds: '\(log)'")
    }

    /// Item 8: a shard with no runs, and a shard whose only run failed, each leave an empty
    /// results.jsonl; `descent report` merges them with the others, and fails in one line
    /// when there is no record at all.
    func testEmptyShardsLeaveAResultsFileThatTheMergeAccepts() throws {
        let data = try syntheticData()
        let root = Support.temporaryFolder("shards")
        // 4 runs over 6 shards: shards 4 and 5 have none.
        var folders: [String] = []
        for i in 0..<6 {
            let out = root + "/shard-\(i)"
            folders.append(out)
            let r = try Support.descent(sweep(data, out) + ["--shard", "\(i)/6"])
            XCTAssertEqual(r.status, 0, r.stderr)
            if i >= 4 {
                XCTAssertTrue(r.stdout.contains("0 runs (shard \(i)/6 of 4)"), r.stdout)
                XCTAssertTrue(r.stdout.contains("report: none"), r.stdout)
                XCTAssertEqual(FileManager.default.contents(atPath: out + "/results.jsonl"), Data(), "an empty results file")
            }
        }
        // A shard whose only run fails (its worker is killed): exit ≠ 0, an empty results file.
        let failed = root + "/failed"
        let logs = Support.temporaryFolder("logs")
        let p = try start(sweep(data, failed, long: true) + ["--shard", "0/4"], stdout: logs + "/out", stderr: logs + "/err")
        var killedWorker = false
        _ = wait(30) {
            if let child = ProcessTree.children(of: p.processIdentifier).first { kill(child, SIGKILL); killedWorker = true }
            return killedWorker || !p.isRunning
        }
        p.waitUntilExit()
        XCTAssertTrue(killedWorker)
        XCTAssertNotEqual(p.terminationStatus, 0)
        XCTAssertEqual(FileManager.default.contents(atPath: failed + "/results.jsonl"), Data())

        let merged = root + "/merged"
        let r = try Support.descent(["report"] + folders + [failed, "--out", merged])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("4 runs"), r.stdout)
        XCTAssertEqual(try String(contentsOfFile: merged + "/summary.csv", encoding: .utf8).split(separator: "\n").count, 3)

        let none = try Support.descent(["report", folders[4], folders[5], failed, "--out", root + "/none"])
        XCTAssertEqual(none.status, 1)
        XCTAssertEqual(none.stderr.split(separator: "\n").count, 1, none.stderr)
        XCTAssertTrue(none.stderr.contains("no finished runs in \(folders[4])"), none.stderr)
    }
}
