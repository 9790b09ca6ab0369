import Foundation
import XCTest
@testable import Descent
#if canImport(Glibc)
import Glibc
#endif

/// The folders descent writes are its own (kinds 5, 7 and 8 of the reliability battery):
/// nothing is written, truncated or deleted through a symbolic link, every command that
/// writes a folder takes its lock and names the holder, a run in a folder is never
/// overwritten by another, temporaries of dead processes go, and records that disagree
/// are named. Kind 9: commands check their options before reading any data.
final class FolderOwnershipTests: XCTestCase {
    typealias Battery = ReliabilityBadInputBatteryTests

    var data = ""
    override func setUpWithError() throws {
        data = Support.temporaryFolder("data")
        try MalformedInputs.writeValid(data)
    }

    /// A file outside every output folder, and its bytes (no final newline: a "torn line").
    func victim() throws -> (path: String, bytes: Data) {
        let path = Support.temporaryFolder("outside") + "/precious.txt"
        let bytes = Data("line one\nline two without newline".utf8)
        try bytes.write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    func compare(_ out: String) -> [String] {
        ["compare", "--data-dir", data, "--out", out, "--optimizers", "sgd", "--seeds", "1", "--epochs", "1",
         "--model", "784-8-10", "--threads", "1", "--jobs", "1"]
    }

    func train(_ out: String, epochs: Int = 1) -> [String] {
        ["train", "--data-dir", data, "--model", "784-8-10", "--epochs", "\(epochs)", "--threads", "1", "--out", out]
    }

    func assertRefused(_ r: (status: Int32, stdout: String, stderr: String, timedOut: Bool), _ mentions: [String],
                       status: Int32 = 1, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.timedOut, file: file, line: line)
        XCTAssertEqual(r.status, status, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("descent: error: "), r.stderr, file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "\(r.stderr) does not mention \(m)", file: file, line: line) }
    }

    // MARK: - Kind 5: symbolic links

    func testLockAndResultsThroughASymlinkAreRefusedAndTheTargetIsUntouched() throws {
        for name in [".lock", "results.jsonl"] {
            let v = try victim()
            let out = Support.temporaryFolder("out")
            XCTAssertEqual(symlink(v.path, out + "/" + name), 0)
            let r = try Battery.run(compare(out))
            assertRefused(r, [out, name, "symbolic link"])
            XCTAssertEqual(FileManager.default.contents(atPath: v.path), v.bytes, "\(name): the target changed")
            if name == ".lock" {
                assertRefused(try Battery.run(train(out)), [".lock", "symbolic link"])
                XCTAssertEqual(FileManager.default.contents(atPath: v.path), v.bytes)
            }
        }
        // A results file given to the store directly.
        let v = try victim()
        let dir = Support.temporaryFolder("store")
        XCTAssertEqual(symlink(v.path, dir + "/results.jsonl"), 0)
        let record = try ResultsStore(path: Support.fixtures.appendingPathComponent("results/results.jsonl").path).read().records[0]
        XCTAssertThrowsError(try ResultsStore(path: dir + "/results.jsonl").append(record))
        XCTAssertThrowsError(try ResultsStore(path: dir + "/results.jsonl").createIfMissing())
        XCTAssertEqual(FileManager.default.contents(atPath: v.path), v.bytes)
    }

    /// A FIFO where the results file should be: refused at once, no hang.
    func testResultsFileThatIsAFIFOIsRefused() throws {
        let dir = Support.temporaryFolder("fifo")
        XCTAssertEqual(mkfifo(dir + "/results.jsonl", 0o644), 0)
        let record = try ResultsStore(path: Support.fixtures.appendingPathComponent("results/results.jsonl").path).read().records[0]
        XCTAssertThrowsError(try ResultsStore(path: dir + "/results.jsonl").append(record)) { error in
            XCTAssertTrue("\(error)".contains("not a regular file"), "\(error)")
        }
    }

    /// The temporary name of an atomic write (`path.tmp-<pid>`) and the temporary folder of
    /// a file set, planted as links: the write replaces the link, never what it points to.
    func testAtomicWritesNeverWriteThroughPlantedLinks() throws {
        let v = try victim()
        let dir = Support.temporaryFolder("atomic")
        XCTAssertEqual(symlink(v.path, dir + "/metrics.jsonl.tmp-\(getpid())"), 0)
        XCTAssertEqual(symlink(v.path, dir + "/report.md"), 0)
        try writeAtomically("new\n", to: dir + "/metrics.jsonl")
        try writeAtomically("# new\n", to: dir + "/report.md")
        XCTAssertEqual(FileManager.default.contents(atPath: v.path), v.bytes)
        XCTAssertEqual(try String(contentsOfFile: dir + "/metrics.jsonl", encoding: .utf8), "new\n")
        XCTAssertEqual(try String(contentsOfFile: dir + "/report.md", encoding: .utf8), "# new\n")
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/report.md"), "the link itself was replaced")

        // A temporary folder name that is a link to a folder elsewhere: its files survive.
        let elsewhere = Support.temporaryFolder("elsewhere")
        try "keep".write(toFile: elsewhere + "/keep.txt", atomically: false, encoding: .utf8)
        XCTAssertEqual(symlink(elsewhere, dir + "/.files.tmp-\(getpid())"), 0)
        try writeAtomically(files: [("a.csv", Array("1\n".utf8))], into: dir)
        XCTAssertEqual(try String(contentsOfFile: elsewhere + "/keep.txt", encoding: .utf8), "keep")
        XCTAssertEqual(try String(contentsOfFile: dir + "/a.csv", encoding: .utf8), "1\n")
    }

    // MARK: - Kind 7: one folder, one process

    /// With the folder's lock held (here by the test process), every command that writes
    /// the folder refuses in one line naming the holder, and changes nothing.
    func testEveryCommandThatWritesAFolderTakesItsLock() throws {
        let parent = Support.temporaryFolder("locked")
        // autoencoder and stacked write a subfolder named after the run: make them once.
        let ae = ["autoencoder", "--data-dir", data, "--hidden", "8", "--epochs", "1", "--threads", "1", "--no-pca",
                  "--probe-epochs", "0", "--no-pictures", "--out", parent]
        let sae = ["stacked", "--data-dir", data, "--model", "784-8-4", "--pretrain-epochs", "1", "--finetune-epochs", "1",
                   "--threads", "1", "--no-pca", "--probe-epochs", "0", "--no-pictures", "--out", parent]
        XCTAssertEqual(try Battery.run(ae).status, 0)
        XCTAssertEqual(try Battery.run(sae).status, 0)
        let sub = try FileManager.default.contentsOfDirectory(atPath: parent).sorted()
        XCTAssertEqual(sub.count, 2, "\(sub)")
        let sweep = parent + "/sweep"
        XCTAssertEqual(try Battery.run(compare(sweep)).status, 0)
        let cases: [(String, [String])] = [
            (parent + "/trained", train(parent + "/trained")),
            (parent + "/" + sub.first { $0.hasPrefix("ae_") }!, ae),
            (parent + "/" + sub.first { $0.hasPrefix("sae_") }!, sae),
            (sweep, compare(sweep)),
            (sweep, ["report", sweep]),
            (parent + "/tuned", ["tune", "--data-dir", data, "--out", parent + "/tuned", "--lr-grid", "0.01:0.1:2", "--optimizers", "sgd",
                                 "--seeds", "1", "--epochs", "1", "--validation", "8", "--model", "784-8-10", "--threads", "1"]),
        ]
        for (folder, arguments) in cases {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let before = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
            let lock = try SweepLock(folder: folder, command: "holder")
            let r = try Battery.run(arguments)
            lock.release()
            assertRefused(r, [folder, "another descent process (pid \(getpid()), descent holder)"])
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).sorted(), before, arguments[0])
        }
    }

    /// `stacked` names its folder without --data-dir or --train-limit: a second run with other
    /// data or limit into the same --out is refused and the first run's files stay.
    func testStackedNeverOverwritesARunInItsFolder() throws {
        let out = Support.temporaryFolder("stacked")
        let base = ["stacked", "--model", "784-8-4", "--pretrain-epochs", "1", "--finetune-epochs", "1", "--threads", "1",
                    "--no-pca", "--probe-epochs", "0", "--no-pictures", "--out", out]
        XCTAssertEqual(try Battery.run(base + ["--data-dir", data]).status, 0)
        let folder = out + "/" + (try FileManager.default.contentsOfDirectory(atPath: out)[0])
        let metrics = FileManager.default.contents(atPath: folder + "/metrics.json")
        let other = Support.temporaryFolder("other")
        try MalformedInputs.writeValid(other)
        try IDX.write(IDXArray(dimensions: [48], bytes: (0..<48).map { UInt8($0 % 7) }), to: other + "/" + MalformedInputs.trainLabels, gzip: true)
        for extra in [["--data-dir", other], ["--data-dir", data, "--train-limit", "20"]] {
            let r = try Battery.run(base + extra)
            assertRefused(r, [folder, "holds a run already"])
            XCTAssertEqual(FileManager.default.contents(atPath: folder + "/metrics.json"), metrics)
        }
    }

    // MARK: - Kind 8: leftovers and silent choices

    func testTemporariesOfDeadProcessesAreRemoved() throws {
        let out = Support.temporaryFolder("stale")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        let dead = p.processIdentifier
        let stale = ["model.safetensors.tmp-\(dead)", "metrics.jsonl.tmp-\(dead)"]
        let alive = "model.safetensors.tmp-1"   // pid 1 runs
        for name in stale + [alive] { try String(repeating: "x", count: 1000).write(toFile: out + "/" + name, atomically: false, encoding: .utf8) }
        XCTAssertEqual(try Battery.run(train(out)).status, 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: out)
        for name in stale { XCTAssertFalse(left.contains(name), "\(name) left: \(left)") }
        XCTAssertTrue(left.contains(alive), "a live process's temporary must stay")
    }

    func testOnePointGridNeedsEqualBounds() throws {
        for bad in ["1e-3:1:1", "0.5:0.5:3", "1e-3:1.001e-3:50"] {
            XCTAssertThrowsError(try LearningRateGrid.parse(bad), bad)
        }
        XCTAssertEqual(try LearningRateGrid.parse("0.02:0.02:1").rates, [0.02])
        let r = try Battery.run(["tune", "--lr-grid", "1e-2:0.5:1", "--out", Support.temporaryFolder("tune"), "--data-dir", data])
        assertRefused(r, ["--lr-grid", "1 exactly when LOW = HIGH"])
    }

    /// The same run twice: with the same results (other timings) it is a repeat; with other
    /// results the later line is named, never silently dropped.
    func testRecordsOfOneRunWithOtherResultsAreNamed() throws {
        let fixture = Support.fixtures.appendingPathComponent("results/results.jsonl").path
        let line = try String(contentsOfFile: fixture, encoding: .utf8).split(separator: "\n")[0]
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        var epochs = try XCTUnwrap(object["epochs"] as? [[String: Any]])
        epochs[0]["seconds"] = 12345.5
        object["epochs"] = epochs
        let retimed = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        epochs[epochs.count - 1]["test_accuracy"] = 0.123
        object["epochs"] = epochs
        let changed = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        let path = Support.temporaryFolder() + "/results.jsonl"
        try [String(line), retimed, changed].joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        let contents = try ResultsStore(path: path).read()
        XCTAssertEqual(contents.records.count, 1)
        XCTAssertEqual(contents.duplicates, 1)
        XCTAssertEqual(contents.rejected.map(\.line), [3])
        XCTAssertTrue(contents.rejected.first?.reason.contains("line 1, but with other results") ?? false, "\(contents.rejected)")
    }

    // MARK: - Kind 9: commands check what they can before reading data

    func testCommandsRefuseWhatTheyCannotDoBeforeReadingData() throws {
        let missing = Support.temporaryFolder("nodata") + "/absent"
        let cases: [([String], [String])] = [
            (["train", "--model", "seed-ae"], ["--model seed-ae", "autoencoder", "descent train trains classifiers"]),
            (["train", "--model", "784: linear(64), sigmoid | linear(784); loss=bce"], ["loss bce", "classifiers"]),
            (["compare", "--model", "seed-ae", "--out", Support.temporaryFolder("c")], ["--model seed-ae", "descent compare trains classifiers"]),
            (["tune", "--model", "seed-ae", "--out", Support.temporaryFolder("t")], ["--model seed-ae", "descent tune trains classifiers"]),
            (["autoencoder", "--model", "seed-mlp"], ["--model seed-mlp", "a classifier", "descent autoencoder trains autoencoders"]),
            (["stacked", "--model", "784: linear(10); loss=cross-entropy"], ["descent stacked trains autoencoders"]),
            (["train", "--model", "linear(32), swish, linear(10)"], ["--model", "unknown layer 'swish'"]),
            (["train", "--model", "conv2d(4, 3, padding=-1), flatten, linear(10)"], ["--model", "padding"]),
            (["train", "--optimizer", "sgd", "--beta1", "0.8"], ["--beta1", "does not apply to SGD"]),
            (["autoencoder", "--optimizer", "rmsprop", "--beta2", "0.8"], ["--beta2", "does not apply"]),
            (["train", "--optimizer", "adam", "--beta2", "1.5"], ["--beta2", "beta2"]),
            (["stacked", "--optimizer", "momentum", "--momentum", "1.5"], ["--momentum"]),
        ]
        for (arguments, mentions) in cases {
            let r = try Battery.run(arguments + ["--data-dir", missing])
            assertRefused(r, mentions, status: 2)   // a flag's value the command cannot use: a usage error
            XCTAssertFalse(r.stderr.contains(missing), "\(arguments): the data were looked at first: \(r.stderr)")
        }
    }
}
