import XCTest
@testable import Descent
#if canImport(Glibc)
import Glibc
#endif

/// A full disk, for real: a 2 MiB tmpfs mounted for the test (needs root, as CI runs; skipped,
/// saying so, where mounting is not allowed, except under `CI=true`, where that fails). tmpfs allocates whole 4 KiB pages, so once a filler
/// file has taken every free page, a file can still grow only to the end of its last page:
/// padding `results.jsonl` to 100 bytes short of a page boundary makes the next append a
/// short write of 100 bytes followed by `ENOSPC` — the torn line the store must cut at once.
final class DiskFullTests: XCTestCase {
    var mountPoint: String?

    override func tearDown() {
        if let mountPoint { _ = Self.command("/bin/umount", ["-l", mountPoint]) }
    }

    @discardableResult
    static func command(_ path: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        guard (try? p.run()) != nil else { return (-1, "cannot run \(path)") }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, output)
    }

    /// A fresh 2 MiB tmpfs, or skip.
    func smallDisk() throws -> String {
        guard geteuid() == 0 else { throw Support.skip("mounting a small tmpfs needs root") }
        let point = Support.temporaryFolder("tmpfs")
        let r = Self.command("/bin/mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", point])
        guard r.status == 0 else { throw Support.skip("cannot mount a tmpfs here: \(r.output)") }
        mountPoint = point
        return point
    }

    /// Takes every free page of the file system holding `folder`.
    func fill(_ folder: String) {
        let fd = open(folder + "/filler", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        let block = [UInt8](repeating: 0xAB, count: 4096)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        XCTAssertEqual(errno, ENOSPC)
    }

    /// Pads `path` with empty lines (which readers skip) to `room` bytes short of a page.
    func pad(_ path: String, room: Int) throws {
        let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let target = (size / 4096 + 1) * 4096 - room
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data(repeating: UInt8(ascii: "\n"), count: target - size))
        try handle.close()
    }

    func snapshot(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name != "filler" {
            files[name] = FileManager.default.contents(atPath: folder + "/" + name)
        }
        return files
    }

    func testFailedAppendCutsThePartialLineAtOnce() throws {
        let disk = try smallDisk()
        let path = disk + "/results.jsonl"
        let records = try ResultsStore(path: Support.fixtures.appendingPathComponent("results/results.jsonl").path).read().records
        let store = ResultsStore(path: path)
        try store.append(records[0])
        try pad(path, room: 100)
        let before = try XCTUnwrap(FileManager.default.contents(atPath: path))
        fill(disk)
        XCTAssertThrowsError(try store.append(records[1])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(path) && text.contains("wrote 100 of") && text.contains("No space left on device"), text)
            XCTAssertFalse(text.contains("could not be cut"), text)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), before, "the partial line must be gone")
        XCTAssertEqual(try store.read().records.map(\.key), [records[0].key])
        XCTAssertEqual(try store.read().skippedLines, 0)
        try FileManager.default.removeItem(atPath: disk + "/filler")
        try store.append(records[1])
        XCTAssertEqual(try store.read().records.map(\.key), [records[0].key, records[1].key])
    }

    /// A TensorBoard record that does not fit (a short write, then ENOSPC) is cut off again:
    /// the event file ends after its last whole record, and the writer refuses to write
    /// more, saying why, so nothing can follow a torn record even once space is freed.
    func testEventRecordThatDoesNotFitIsCutOff() throws {
        let disk = try smallDisk()
        let writer = try TFRecordWriter(creating: disk + "/events")
        try writer.append([1, 2, 3])
        let before = try XCTUnwrap(FileManager.default.contents(atPath: writer.path))
        XCTAssertEqual(Array(before), TFRecordWriter.frame([1, 2, 3]))
        fill(disk)
        // The file's page has 4096 − 19 bytes free: a 5,000-byte record is written in part.
        XCTAssertThrowsError(try writer.append([UInt8](repeating: 7, count: 5000))) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(writer.path) && text.contains("No space left on device"), text)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: writer.path), before, "the partial record must be gone")
        try FileManager.default.removeItem(atPath: disk + "/filler")
        XCTAssertThrowsError(try writer.append([4])) { error in
            XCTAssertTrue("\(error)".contains("closed after an earlier write failed (No space left on device)"), "\(error)")
        }
        XCTAssertEqual(FileManager.default.contents(atPath: writer.path), before)
    }

    /// The sweep stops at the first run it cannot record, says how many finished runs were
    /// lost, keeps the file whole; `descent report` on the full disk replaces nothing; after
    /// space is freed the same command completes the sweep with every run once.
    func testSweepOnAFullDisk() throws {
        let disk = try smallDisk()
        let data = Support.temporaryFolder("data")
        try MalformedInputs.writeValid(data)
        let out = disk + "/out"
        // Without --keep-models no run's weights are written, so the append of a finished run
        // is what meets the full disk.
        func sweep(_ optimizers: String, _ seeds: Int) -> [String] {
            ["compare", "--data-dir", data, "--out", out, "--optimizers", optimizers, "--seeds", "\(seeds)",
             "--epochs", "1", "--model", "784-16-10", "--threads", "1", "--jobs", "1"]
        }
        let first = try Support.descent(sweep("sgd", 1))
        XCTAssertEqual(first.status, 0, first.stderr)
        try pad(out + "/results.jsonl", room: 100)
        let before = try snapshot(out)
        XCTAssertNotNil(before["report.html"])
        fill(disk)

        let report = try Support.descent(["report", out])
        XCTAssertEqual(report.status, 1)
        XCTAssertEqual(report.stderr.split(separator: "\n").count, 1, report.stderr)
        XCTAssertTrue(report.stderr.contains(out + "/") && report.stderr.contains("No space left on device"), report.stderr)
        XCTAssertEqual(try snapshot(out), before, "a failed report must replace nothing and leave no temporary files")
        print("disk full, report: \(report.stderr)", terminator: "")

        let full = try Support.descent(sweep("sgd,adam", 2))
        XCTAssertEqual(full.status, 1)
        XCTAssertEqual(full.stderr.split(separator: "\n").count, 1, full.stderr)
        for m in [out + "/results.jsonl", "No space left on device", "1 finished run(s) could not be recorded", "2 not started", "rerun"] {
            XCTAssertTrue(full.stderr.contains(m), "\(full.stderr) does not mention \(m)")
        }
        XCTAssertEqual(try snapshot(out), before, "nothing changed: no partial line, no report, no lock file")
        print("disk full, sweep: \(full.stderr)", terminator: "")

        try FileManager.default.removeItem(atPath: disk + "/filler")
        let rerun = try Support.descent(sweep("sgd,adam", 2))
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssertTrue(rerun.stdout.contains("4 runs, 1 already done, 3 to run"), rerun.stdout)
        let contents = try ResultsStore(path: out + "/results.jsonl").read()
        XCTAssertEqual(contents.records.count, 4)
        XCTAssertEqual(Set(contents.records.map(\.key)).count, 4)
        XCTAssertEqual(contents.skippedLines, 0)
    }
}
