import Foundation
import XCTest
@testable import Descent

final class DataIDXTests: XCTestCase {
    func testRoundTripRawAndGzip() throws {
        let dir = try makeTemporaryDirectory(self)
        let set = syntheticSet(count: 37, height: 5, width: 6)
        for gzip in [false, true] {
            let images = dir + "/imgs-\(gzip)", labels = dir + "/labs-\(gzip)"   // no .gz suffix on purpose
            try IDX.write(IDXArray(dimensions: [37, 5, 6], bytes: set.pixels), to: images, gzip: gzip)
            try IDX.write(IDXArray(dimensions: [37], bytes: set.labels), to: labels, gzip: gzip)
            XCTAssertEqual(Gzip.isGzip(try FileBytes.read(images)), gzip)
            let r = try IDX.readImages(path: images)
            XCTAssertEqual(r.count, 37); XCTAssertEqual(r.rows, 5); XCTAssertEqual(r.columns, 6)
            XCTAssertEqual(r.pixels, set.pixels)
            XCTAssertEqual(try IDX.readLabels(path: labels), set.labels)
            let loaded = try DatasetLoader.loadSplit(imagesPath: images, labelsPath: labels)
            XCTAssertEqual(loaded.pixels, set.pixels)
            XCTAssertEqual(loaded.labels, set.labels)
        }
    }

    func testEncodingLayout() throws {
        let bytes = try IDX.encode(IDXArray(dimensions: [2, 1, 1], bytes: [7, 8]))
        XCTAssertEqual(bytes, [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 7, 8])
    }

    /// Writes `bytes` (gzip'd if asked) to a file named like the real one and returns its path.
    private func file(_ bytes: [UInt8], gzip: Bool = false, name: String = "train-images-idx3-ubyte") throws -> String {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/" + name + (gzip ? ".gz" : "")
        try FileBytes.write(gzip ? try Gzip.compress(bytes) : bytes, to: path)
        return path
    }

    private func header(_ magic: [UInt8], _ dims: [UInt32]) -> [UInt8] {
        magic + dims.flatMap { d in [UInt8(d >> 24), UInt8((d >> 16) & 255), UInt8((d >> 8) & 255), UInt8(d & 255)] }
    }

    func testTruncatedPayloadNamesFileAndSizes() throws {
        for gzip in [false, true] {
            let p = try file(header([0, 0, 8, 3], [60000, 28, 28]) + [UInt8](repeating: 0, count: 1000), gzip: gzip)
            assertDescentError([p, "truncated: header says 60000×28×28 = 47040000 pixel bytes", "has 1000"]) {
                _ = try IDX.readImages(path: p)
            }
        }
    }

    func testTruncatedGzipFile() throws {
        let full = try Gzip.compress(IDX.encode(IDXArray(dimensions: [50, 28, 28], bytes: (0..<(50 * 784)).map { UInt8($0 % 256) })))
        for cut in [3, 30, full.count / 2, full.count - 4] {
            let p = try file(Array(full[0..<cut]), name: "t.gz")
            assertDescentError([p, "truncated"]) { _ = try IDX.readImages(path: p) }
        }
    }

    func testBadGzipCRC() throws {
        var gz = try Gzip.compress(IDX.encode(IDXArray(dimensions: [3], bytes: [1, 2, 3])))
        gz[gz.count - 6] ^= 0x55
        let p = try file(gz, name: "labels.gz")
        assertDescentError([p, "bad gzip CRC"]) { _ = try IDX.readLabels(path: p) }
    }

    func testTrailingBytes() throws {
        let p = try file(header([0, 0, 8, 1], [3]) + [1, 2, 3, 4, 5])
        assertDescentError([p, "2 trailing bytes", "header says 3 label bytes"]) { _ = try IDX.readLabels(path: p) }
    }

    func testWrongMagic() throws {
        let p = try file([0x1f, 0x00, 8, 3] + [UInt8](repeating: 0, count: 20))
        assertDescentError([p, "not an IDX file", "0x1f000803", "expected 0x00000803"]) { _ = try IDX.readImages(path: p) }
        let text = try file(Array("hello, world\n".utf8))
        assertDescentError([text, "not an IDX file"]) { _ = try IDX.readImages(path: text) }
    }

    func testWrongDataType() throws {
        let p = try file(header([0, 0, 0x0D, 3], [1, 1, 1]) + [0, 0, 0, 0])
        assertDescentError([p, "unsupported IDX data type 0x0d", "float32", "unsigned byte"]) { _ = try IDX.readImages(path: p) }
    }

    func testWrongDimensionCount() throws {
        let p = try file(header([0, 0, 8, 1], [3]) + [1, 2, 3])
        assertDescentError([p, "wrong number of dimensions", "expected 3"]) { _ = try IDX.readImages(path: p) }
    }

    func testTruncatedHeader() throws {
        let p = try file([0, 0, 8, 3, 0, 0, 0, 1, 0, 0])
        assertDescentError([p, "truncated header", "16 header bytes", "10"]) { _ = try IDX.readImages(path: p) }
        let short = try file([0, 0])
        assertDescentError([short, "too short"]) { _ = try IDX.readImages(path: short) }
    }

    func testOverflowingDimensions() throws {
        let p = try file(header([0, 0, 8, 3], [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF]) + [1, 2, 3])
        assertDescentError([p, "4294967295×4294967295×4294967295", "overflow"]) { _ = try IDX.readImages(path: p) }
    }

    func testHugeButNotOverflowingDimensionsAreTruncation() throws {
        let p = try file(header([0, 0, 8, 3], [0xFFFF_FFFF, 0xFFFF, 2]) + [1, 2, 3], gzip: true)
        assertDescentError([p, "truncated"]) { _ = try IDX.readImages(path: p) }
    }

    func testEmptyFile() throws {
        let p = try file([])
        assertDescentError([p, "empty file"]) { _ = try IDX.readImages(path: p) }
        let emptyGz = try file([], gzip: true)
        assertDescentError([emptyGz, "empty decompressed data"]) { _ = try IDX.readImages(path: emptyGz) }
    }

    func testDirectoryAndMissingFile() throws {
        let dir = try makeTemporaryDirectory(self)
        try FileBytes.makeDirectories(dir + "/train-images-idx3-ubyte.gz")
        assertDescentError([dir + "/train-images-idx3-ubyte.gz", "is a directory, expected a file"]) {
            _ = try IDX.readImages(path: dir + "/train-images-idx3-ubyte.gz")
        }
        assertDescentError([dir + "/absent", "no such file"]) { _ = try IDX.readImages(path: dir + "/absent") }
    }

    func testNotARegularFile() {
        assertDescentError(["/dev/null", "not a regular file"]) { _ = try IDX.readImages(path: "/dev/null") }
    }

    /// Read as a user permissions apply to (nobody when the suite runs as root).
    func testUnreadableFile() throws {
        let p = try file(header([0, 0, 8, 1], [1]) + [1])
        Unprivileged.makeReachable((p as NSString).deletingLastPathComponent)
        chmod(p, 0)
        try Unprivileged.run {
            assertDescentError([p, "permission denied"]) { _ = try IDX.readLabels(path: p) }
        }
    }
}
