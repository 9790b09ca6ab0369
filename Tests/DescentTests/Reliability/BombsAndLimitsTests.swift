import Foundation
import XCTest
@testable import Descent
#if canImport(Glibc)
import Glibc
#endif

/// Decompression and download bombs, and the limits of the system (kinds 3 and 4 of the
/// reliability battery): a gzip file inflates no further than its IDX header announces, and
/// only when that fits in memory, a
/// `file://` mirror that is not a regular file is refused at once, and a process that meets
/// a limit on open files, processes or address space stops with one line of its own.
final class BombsAndLimitsTests: XCTestCase {
    typealias Battery = ReliabilityBadInputBatteryTests

    // MARK: - Kind 3: bombs

    /// An IDX header announcing 40 images, followed by 64 MB of zeros (64 kB compressed):
    /// inflating stops after the announced 31,376 bytes, with a sentence, not after 64 MB
    /// with a size mismatch.
    func testGzipInflatesNoMoreThanItsHeaderAnnounces() throws {
        let dir = Support.temporaryFolder("bomb")
        try MalformedInputs.writeValid(dir)
        let raw = MalformedInputs.header(0x08, [40, 28, 28]) + [UInt8](repeating: 0, count: 64 << 20)
        let path = dir + "/" + MalformedInputs.trainImages
        MalformedInputs.put(try MalformedInputs.gz(raw), path)
        XCTAssertThrowsError(try IDX.read(path: path, expectedDimensions: 3, elementName: "pixel")) { error in
            XCTAssertTrue("\(error)".contains("inflates to more than \(16 + 40 * 784) bytes"), "\(error)")
        }
        let r = try Battery.run(["train", "--data-dir", dir, "--model", "784-8-10", "--epochs", "1", "--threads", "1"], timeout: 60)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("descent: error: ") && r.stderr.contains(path) && r.stderr.contains("inflates to more than"), r.stderr)
    }

    /// A header announcing 1.3 million images (1 GB) before 1.1 GiB of zeros (1.1 MB
    /// compressed, as 70 gzip members, so the announced size is one the file could hold):
    /// under `ulimit -v 800000` it is refused before anything is inflated (inflating used to
    /// grow until an allocation failed: SIGABRT).
    func testAnnouncedSizeMustFitInMemoryBeforeInflating() throws {
        let dir = Support.temporaryFolder("announce")
        try MalformedInputs.writeValid(dir)
        let zeros = try MalformedInputs.gz([UInt8](repeating: 0, count: 16 << 20))
        var file = try MalformedInputs.gz(MalformedInputs.header(0x08, [1_300_000, 28, 28]))
        for _ in 0..<70 { file += zeros }
        let path = dir + "/" + MalformedInputs.trainImages
        MalformedInputs.put(file, path)
        let r = try Battery.run(["train", "--data-dir", dir, "--model", "784-8-10", "--epochs", "1", "--threads", "1"],
                                command: ["/bin/bash", "-c", "ulimit -v 800000 && exec \"$@\"", "bash", Support.descentBinary], timeout: 60)
        assertFinishesOrOneLine(r, "train under ulimit -v with an announced 1 GB")
        XCTAssertEqual(r.status, 1, r.stderr)
        for m in [path, "announces \(16 + 1_300_000 * 784) bytes", "of memory available"] {
            XCTAssertTrue(r.stderr.contains(m), "\(r.stderr) does not mention \(m)")
        }
    }

    /// `file://` mirrors whose file is a FIFO (opening it would wait for a writer forever),
    /// `/dev/zero` (it never ends: it would fill the cache's disk) or a folder: each is one
    /// line within seconds, through the binary, and nothing is left in the cache.
    func testFileMirrorsThatAreNotRegularFilesAreRefused() throws {
        let root = Support.temporaryFolder("mirrors")
        let cases: [(String, (String) -> Int32, String)] = [
            ("fifo", { mkfifo($0, 0o644) }, "not a regular file"),
            ("zero", { symlink("/dev/zero", $0) }, "not a regular file"),
            ("folder", { mkdir($0, 0o755) }, "is a directory"),
        ]
        for (name, make, mention) in cases {
            let mirror = root + "/" + name
            try MalformedInputs.writeValid(mirror)
            let target = mirror + "/" + MalformedInputs.trainImages
            XCTAssertEqual(unlink(target), 0)
            XCTAssertEqual(make(target), 0, name)
            let cache = root + "/cache-" + name
            let start = Date()
            let r = try Battery.run(["train", "--dataset", "kmnist", "--model", "784-8-10", "--epochs", "1", "--threads", "1"],
                                    environment: ["XDG_CACHE_HOME": cache, "DESCENT_MIRRORS": "file://\(mirror)/"], timeout: 30)
            XCTAssertFalse(r.timedOut, "\(name): hangs")
            XCTAssertLessThan(Date().timeIntervalSince(start), 20, name)
            XCTAssertEqual(r.status, 1, "\(name): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            for m in ["descent: error: ", MalformedInputs.trainImages, target, mention] {
                XCTAssertTrue(r.stderr.contains(m), "\(name): \(r.stderr) does not mention \(m)")
            }
            let left = (try? FileManager.default.subpathsOfDirectory(atPath: cache)) ?? []
            XCTAssertTrue(left.allSatisfy { !$0.contains(".gz") }, "\(name): \(left)")
        }
    }

    /// The same through the library, with a regular file larger than the bound: refused
    /// before a byte is copied.
    func testFileMirrorLargerThanTheBoundIsRefused() throws {
        let dir = Support.temporaryFolder("large")
        let source = dir + "/source.gz"
        try FileBytes.write([UInt8](repeating: 7, count: 5000), to: source)
        XCTAssertThrowsError(try Downloader.fetch(url: "file://" + source, to: dir + "/dest.gz", sha256: String(repeating: "0", count: 64),
                                                  maximumSize: 4096, showProgress: false)) { error in
            XCTAssertTrue("\(error)".contains("holds 5000 bytes, more than the 4096 bytes"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["source.gz"])
    }

    // MARK: - Kind 4: limits of the system

    typealias Outcome = (status: Int32, stdout: String, stderr: String, timedOut: Bool)

    /// A run that meets a limit: it finishes, or fails with one line of its own; never a
    /// hang, a signal or a library's messages.
    func assertFinishesOrOneLine(_ r: Outcome, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.timedOut, "\(what): hangs", file: file, line: line)
        XCTAssertTrue(r.status == 0 || r.status == 1, "\(what): status \(r.status): \(r.stderr)", file: file, line: line)
        if r.status == 1 {
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(what): \(r.stderr)", file: file, line: line)
            XCTAssertTrue(r.stderr.hasPrefix("descent: error: "), "\(what): \(r.stderr)", file: file, line: line)
        }
    }

    /// `bash -c 'ulimit …; exec descent …'`, as a user the limit applies to (root ignores a
    /// limit on processes: as root, the binary runs as nobody, `Unprivileged`).
    func limited(_ limit: String, _ arguments: [String]) throws -> Outcome {
        let launcher = try Unprivileged.descentCommand()
        return try Battery.run(arguments, command: ["/bin/bash", "-c", "ulimit \(limit) && exec \"$@\"", "bash"] + launcher, timeout: 60)
    }

    /// A folder `nobody` may write (as root), and valid data it may read.
    func unprivilegedFolders() throws -> (data: String, out: String) {
        let data = Support.temporaryFolder("limits-data")
        try MalformedInputs.writeValid(data)
        for name in try FileManager.default.contentsOfDirectory(atPath: data) { Unprivileged.makeReachable(data + "/" + name) }
        let out = Support.temporaryFolder("limits-out")
        Unprivileged.makeReachable(out)
        Unprivileged.handOver(out)
        return (data, out)
    }

    /// `ulimit -u` from 1 up: OpenBLAS's constructor used to print its own messages and raise
    /// SIGINT before main (status 130), Dispatch and Foundation's `Process` waited forever
    /// for threads that could not start, GLib aborted drawing PNGs. Now every command either
    /// runs or says which threads it cannot start, and with a loose limit it runs.
    func testProcessLimitIsOneLineNeverAHang() throws {
        let (data, out) = try unprivilegedFolders()
        let compare = ["compare", "--data-dir", data, "--out", out + "/sweep", "--optimizers", "sgd,adam", "--seeds", "1",
                       "--epochs", "1", "--model", "784-8-10", "--threads", "1", "--jobs", "2"]
        let loose = try limited("-u 64", compare)
        XCTAssertEqual(loose.status, 0, loose.stderr)
        let commands: [(String, [String])] = [
            ("train", ["train", "--data-dir", data, "--model", "784-8-10", "--epochs", "1", "--threads", "2"]),
            ("report", ["report", out + "/sweep"]),
            ("compare", compare.map { $0 == out + "/sweep" ? out + "/sweep2" : $0 }),
        ]
        for (name, arguments) in commands {
            var refused = 0
            for u in [1, 2, 3, 4, 6, 8, 10, 12] {
                let r = try limited("-u \(u)", arguments)
                assertFinishesOrOneLine(r, "\(name) under ulimit -u \(u)")
                if r.status == 1 {
                    refused += 1
                    XCTAssertTrue(r.stderr.contains("ulimit -u"), "\(name), ulimit -u \(u): \(r.stderr)")
                }
            }
            XCTAssertGreaterThan(refused, 0, "\(name): no limit tried was tight enough")
        }
    }

    /// `ulimit -n`: `compare` starts worker processes, which Foundation cannot do below 255
    /// open files; it says so in one line (it used to crash below 17 and lose every run
    /// below 255). A soft limit alone is raised to the hard one; `train` needs few files.
    func testOpenFileLimitIsOneLine() throws {
        let data = Support.temporaryFolder("files-data")
        try MalformedInputs.writeValid(data)
        let out = Support.temporaryFolder("files-out")
        let compare = ["compare", "--data-dir", data, "--optimizers", "sgd,adam", "--seeds", "1", "--epochs", "1",
                       "--model", "784-8-10", "--threads", "1", "--jobs", "2"]
        let shell = { (limit: String) in ["/bin/bash", "-c", "ulimit \(limit) && exec \"$@\"", "bash", Support.descentBinary] }
        for n in [8, 12, 16, 64, 200] {
            let r = try Battery.run(compare + ["--out", out + "/n\(n)"], command: shell("-n \(n)"), timeout: 60)
            assertFinishesOrOneLine(r, "compare under ulimit -n \(n)")
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("ulimit -n") && r.stderr.contains("is \(n)"), r.stderr)
        }
        let train = try Battery.run(["train", "--data-dir", data, "--model", "784-8-10", "--epochs", "1", "--threads", "2", "--out", out + "/train"],
                                    command: shell("-n 12"), timeout: 60)
        XCTAssertEqual(train.status, 0, train.stderr)
        var limit = rlimit()
        XCTAssertEqual(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit), 0)
        if limit.rlim_max >= 400 {
            let soft = try Battery.run(compare + ["--out", out + "/soft"], command: shell("-Sn 20"), timeout: 120)
            XCTAssertEqual(soft.status, 0, soft.stderr)
        }
    }

    /// `ulimit -v`: a model that fits the machine's memory but not the address space left is
    /// refused by the memory estimate in one line (it used to abort on allocation).
    func testAddressSpaceLimitIsCountedByTheMemoryEstimate() throws {
        let data = Support.temporaryFolder("as-data")
        try MalformedInputs.writeValid(data)
        // About 3.5 GB to train with Adam; 2 GB of address space for the whole process.
        let r = try Battery.run(["train", "--data-dir", data, "--model", "784-120000-10", "--epochs", "1", "--threads", "1"],
                                command: ["/bin/bash", "-c", "ulimit -v 2000000 && exec \"$@\"", "bash", Support.descentBinary], timeout: 60)
        assertFinishesOrOneLine(r, "train under ulimit -v")
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("--model 784-120000-10") && r.stderr.contains("needs about"), r.stderr)
        // What it says is available is what the limit leaves, not the machine's memory.
        let words = r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ")
        let i = try XCTUnwrap(words.lastIndex(of: "available"))
        let (value, unit) = (Double(words[i - 2]) ?? .nan, words[i - 1])
        XCTAssertTrue((unit == "GB" && value <= 2.0) || unit == "MB", r.stderr)
    }
}
