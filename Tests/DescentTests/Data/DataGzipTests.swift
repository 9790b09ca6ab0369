import XCTest
@testable import Descent

final class DataGzipTests: XCTestCase {
    func testRoundTrip() throws {
        var rng = RandomGenerator(seed: 1)
        for n in [0, 1, 100, 70_000, 300_000] {
            // Compressible but not trivial data.
            let data = (0..<n).map { _ in UInt8(rng.below(16)) }
            let gz = try Gzip.compress(data)
            XCTAssertTrue(Gzip.isGzip(gz))
            XCTAssertEqual(try Gzip.decompress(gz, name: "x.gz"), data, "n = \(n)")
        }
    }

    /// ISIZE is only a size hint: a wrong one makes the output grow past it, then the length check fails.
    func testWrongISIZEGrowsTheOutputThenFailsTheLengthCheck() throws {
        let data = [UInt8](repeating: 42, count: 200_000)
        var gz = try Gzip.compress(data)
        // A wrong ISIZE trailer: the size hint is too small (the output must grow), then zlib rejects it.
        gz[gz.count - 4] = 1; gz[gz.count - 3] = 0; gz[gz.count - 2] = 0; gz[gz.count - 1] = 0
        assertDescentError(["x.gz:", "length"]) { _ = try Gzip.decompress(gz, name: "x.gz") }
    }

    func testZlibStreamAndConcatenatedMembers() throws {
        let a = [UInt8](repeating: 1, count: 1000), b = (0..<5000).map { UInt8($0 % 251) }
        let joined = try Gzip.compress(a) + Gzip.compress(b)
        XCTAssertEqual(try Gzip.decompress(joined, name: "j.gz"), a + b)
    }

    func testTruncatedAtSeveralPoints() throws {
        let data = (0..<50_000).map { UInt8(($0 * 31) % 253) }
        let gz = try Gzip.compress(data)
        for cut in [1, 5, 10, 11, 20, gz.count / 2, gz.count - 8, gz.count - 1] {
            let part = Array(gz[0..<cut])
            assertDescentError(["part.gz:"]) { _ = try Gzip.decompress(part, name: "part.gz") }
        }
        // Past the header the message says "truncated".
        assertDescentError(["part.gz:", "truncated"]) { _ = try Gzip.decompress(Array(gz[0..<(gz.count / 2)]), name: "part.gz") }
        assertDescentError(["part.gz:", "truncated"]) { _ = try Gzip.decompress(Array(gz[0..<(gz.count - 3)]), name: "part.gz") }
    }

    func testBadCRC() throws {
        var gz = try Gzip.compress((0..<10_000).map { UInt8($0 % 200) })
        gz[gz.count - 8] ^= 0xFF   // first byte of the CRC-32 trailer
        assertDescentError(["bad.gz:", "bad gzip CRC"]) { _ = try Gzip.decompress(gz, name: "bad.gz") }
    }

    func testTrailingGarbage() throws {
        let gz = try Gzip.compress([1, 2, 3]) + [9, 9, 9]
        assertDescentError(["g.gz:", "3 bytes of trailing garbage"]) { _ = try Gzip.decompress(gz, name: "g.gz") }
    }

    func testEmpty() {
        assertDescentError(["e.gz:", "empty"]) { _ = try Gzip.decompress([], name: "e.gz") }
    }
}
