import Foundation
import XCTest
@testable import Descent
#if canImport(Glibc)
import Glibc
#endif

/// Decompression and download bombs (kind 3 of the reliability battery): a gzip file
/// inflates no further than its IDX header announces, and a `file://` mirror that is not a
/// regular file is refused at once.
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
}
