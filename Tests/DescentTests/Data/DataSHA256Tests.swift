import XCTest
import CKernels
@testable import Descent

final class DataSHA256Tests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hex(of: [UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testMillionAInUnevenChunks() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 997)
        var left = 1_000_000
        while left > 0 {
            let n = min(left, chunk.count)
            hasher.update(chunk[0..<n])
            left -= n
        }
        XCTAssertEqual(hasher.hexDigest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// The SHA-extension rounds (when this CPU has them) equal the portable ones on every
    /// number of blocks from 0 to 40, from any state.
    func testSHAExtensionsEqualThePortableRounds() {
        print("SHA-256 with the x86 SHA extensions: \(descent_sha256_uses_sha_ni() == 1 ? "yes" : "no (only the portable rounds are tested)")")
        var generator = RandomGenerator(seed: 7)
        let data = (0..<(64 * 40)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        for blocks in 0...40 {
            var fast: [UInt32] = (0..<8).map { _ in UInt32(truncatingIfNeeded: generator.next()) }
            var portable = fast
            data.withUnsafeBufferPointer { d in
                fast.withUnsafeMutableBufferPointer { descent_sha256_blocks($0.baseAddress!, d.baseAddress!, blocks) }
                portable.withUnsafeMutableBufferPointer { descent_sha256_blocks_portable($0.baseAddress!, d.baseAddress!, blocks) }
            }
            XCTAssertEqual(fast, portable, "\(blocks) blocks")
        }
    }

    func testFileDigestMatchesInMemory() throws {
        let dir = try makeTemporaryDirectory(self)
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }
        try FileBytes.write(bytes, to: dir + "/f")
        XCTAssertEqual(try SHA256.hex(ofFile: dir + "/f"), SHA256.hex(of: bytes))
        assertDescentError([dir, "is a directory"]) { _ = try SHA256.hex(ofFile: dir) }
        assertDescentError(["/nope", "no such file"]) { _ = try SHA256.hex(ofFile: dir + "/nope") }
    }
}
