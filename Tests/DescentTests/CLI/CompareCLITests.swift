import XCTest
@testable import Descent

/// Sweeps through the real binary: sharding, resuming, crash safety.
final class CompareCLITests: XCTestCase {
    /// A small sweep: 2 optimizers × 2 seeds × 1 epoch of a 784-32-10 net on 500 images.
    func sweepArguments(data: String, out: String) -> [String] {
        ["compare", "--data-dir", data, "--out", out, "--optimizers", "sgd,adam", "--seeds", "2",
         "--epochs", "1", "--train-limit", "500", "--model", "784-32-10", "--threads", "1"]
    }

    /// Records without the fields that legitimately differ between processes (times, host facts).
    func comparable(_ folder: String) throws -> [String: [EpochMetrics]] {
        let records = try ResultsStore(path: folder + "/results.jsonl").read().records
        return Dictionary(uniqueKeysWithValues: records.map { r in
            (r.key, r.epochs.map { var m = $0; m.seconds = 0; return m })
        })
    }

    func testShardedSweepMergesToTheUnshardedOne() throws {
        let data = try Support.fashionSlice(train: 500, test: 200)
        let whole = Support.temporaryFolder("whole")
        XCTAssertEqual(try Support.descent(sweepArguments(data: data, out: whole)).status, 0)
        var shardFolders: [String] = []
        for i in 0..<3 {
            let folder = Support.temporaryFolder("shard\(i)")
            shardFolders.append(folder)
            let r = try Support.descent(sweepArguments(data: data, out: folder) + ["--shard", "\(i)/3"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        // The Slurm variables select the same slice as --shard.
        let slurm = Support.temporaryFolder("slurm")
        var env = ProcessInfo.processInfo.environment
        env["SLURM_ARRAY_TASK_ID"] = "1"; env["SLURM_ARRAY_TASK_COUNT"] = "3"; env["SLURM_ARRAY_TASK_MIN"] = "0"
        XCTAssertEqual(try Support.descent(sweepArguments(data: data, out: slurm), environment: env).status, 0)
        XCTAssertEqual(try comparable(slurm), try comparable(shardFolders[1]))

        let merged = Support.temporaryFolder("merged")
        let r = try Support.descent(["report"] + shardFolders + ["--out", merged])
        XCTAssertEqual(r.status, 0, r.stderr)
        let all = try ResultsStore.merge(shardFolders).records
        XCTAssertEqual(all.count, 4)
        let mergedComparable = Dictionary(uniqueKeysWithValues: all.map { r in
            (r.key, r.epochs.map { var m = $0; m.seconds = 0; return m })
        })
        XCTAssertEqual(mergedComparable, try comparable(whole))
        XCTAssertEqual(try String(contentsOfFile: merged + "/summary.csv", encoding: .utf8).split(separator: "\n").count, 3)
    }

    func testRerunSkipsFinishedRuns() throws {
        let data = try Support.fashionSlice(train: 500, test: 200)
        let out = Support.temporaryFolder()
        XCTAssertEqual(try Support.descent(sweepArguments(data: data, out: out)).status, 0)
        let before = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8)
        let r = try Support.descent(sweepArguments(data: data, out: out))
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("4 already done, 0 to run"), r.stdout)
        XCTAssertEqual(try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8), before)
    }

    /// Kills a worker mid-run: the sweep reports the failure, the rerun completes it,
    /// and no run is lost or duplicated.
    func testKilledWorkerIsRetriedByTheRerun() throws {
        let data = try Support.fashionSlice(train: 500, test: 200)
        let out = Support.temporaryFolder()
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: Support.descentBinary)
        parent.arguments = sweepArguments(data: data, out: out) + ["--jobs", "1", "--epochs", "15"]
        parent.standardOutput = FileHandle.nullDevice
        parent.standardError = FileHandle.nullDevice
        try parent.run()
        var killed = false
        let deadline = Date().addingTimeInterval(60)
        while !killed && Date() < deadline && parent.isRunning {
            if let child = ProcessTree.children(of: parent.processIdentifier).first {
                usleep(100_000)
                kill(child, SIGKILL)
                killed = true
            }
            usleep(20_000)
        }
        parent.waitUntilExit()
        XCTAssertTrue(killed, "no worker process seen")
        XCTAssertNotEqual(parent.terminationStatus, 0, "a sweep with a killed run must not report success")
        let partial = try ResultsStore(path: out + "/results.jsonl").read()
        XCTAssertLessThan(partial.records.count, 4)
        let rerun = try Support.descent(sweepArguments(data: data, out: out) + ["--epochs", "15"])
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        let final = try ResultsStore(path: out + "/results.jsonl").read()
        XCTAssertEqual(final.records.count, 4)
        XCTAssertEqual(final.skippedLines, 0)
        let lines = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 4, "one line per run, no duplicates")
    }

    /// Kills the whole sweep with SIGKILL at several moments; every rerun resumes, and the
    /// final file holds every run exactly once and parses completely.
    func testSweepSurvivesRepeatedSIGKILL() throws {
        let data = try Support.fashionSlice(train: 500, test: 200)
        let out = Support.temporaryFolder()
        var generator = RandomGenerator(seed: 42)
        var kills = 0
        var finished = Set<String>()
        var lost = 0
        for attempt in 0..<5 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Support.descentBinary)
            // Every other attempt also writes the report, so kills can land in its writes too.
            p.arguments = sweepArguments(data: data, out: out) + ["--seeds", "3", "--epochs", "2"] + (attempt % 2 == 0 ? ["--no-report"] : [])
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32(150_000 + generator.below(1_500_000)))
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                kills += 1
            }
            p.waitUntilExit()
            let c = try ResultsStore(path: out + "/results.jsonl").read()
            XCTAssertEqual(Set(c.records.map(\.key)).count, c.records.count)
            // A run once finished is never lost by a later kill.
            let now = Set(c.records.map(\.key))
            lost += finished.subtracting(now).count
            finished.formUnion(now)
        }
        XCTAssertEqual(lost, 0, "finished runs lost")
        let r = try Support.descent(sweepArguments(data: data, out: out) + ["--seeds", "3", "--epochs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let final = try ResultsStore(path: out + "/results.jsonl").read()
        XCTAssertEqual(final.records.count, 6)
        XCTAssertEqual(final.skippedLines, 0)
        XCTAssertEqual(try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n").count, 6)
        // Nothing corrupt: the killed-and-resumed results equal an uninterrupted sweep's,
        // and the report files are complete.
        let clean = Support.temporaryFolder("clean")
        XCTAssertEqual(try Support.descent(sweepArguments(data: data, out: clean) + ["--seeds", "3", "--epochs", "2", "--no-report"]).status, 0)
        XCTAssertEqual(try comparable(out), try comparable(clean))
        let csv = try String(contentsOfFile: out + "/summary.csv", encoding: .utf8)
        XCTAssertTrue(csv.hasSuffix("\n"))
        XCTAssertEqual(csv.split(separator: "\n").count, 3)
        print("SIGKILL test: \(kills) kills, 6 runs kept exactly once, \(lost) runs lost")
        // Orphaned workers must not outlive the killed sweep.
        usleep(200_000)
        XCTAssertTrue(ProcessTree.workers(using: data).isEmpty, "orphan workers left running")
    }
}

/// Process lookups through /proc (Linux).
enum ProcessTree {
    static func children(of pid: Int32) -> [Int32] {
        allPIDs().filter { parent(of: $0) == pid }
    }

    static func parent(of pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// Worker processes whose command line mentions `text`.
    static func workers(using text: String) -> [Int32] {
        allPIDs().filter { pid in
            guard let cmd = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let s = String(decoding: cmd, as: UTF8.self)
            return s.contains("worker") && s.contains(text)
        }
    }

    static func allPIDs() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
    }
}
