import XCTest
@testable import Descent

/// The byte-level pieces of ONNX and TensorBoard files against published values: protobuf
/// varints and keys (protobuf.dev's encoding guide), CRC-32C's check value, TFRecord framing.
final class WireFormatTests: XCTestCase {
    func testVarintsAndKeysAsTheEncodingGuide() {
        var w = ProtobufWriter()
        w.int(1, 150)                       // the guide's example: 08 96 01
        XCTAssertEqual(w.bytes, [0x08, 0x96, 0x01])
        w = ProtobufWriter()
        w.int(2, -1)                        // negative int64: ten bytes
        XCTAssertEqual(w.bytes, [0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
        w = ProtobufWriter()
        w.string(2, "testing")              // 12 07 74 65 73 74 69 6e 67
        XCTAssertEqual(w.bytes, [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67])
        w = ProtobufWriter()
        w.packedInts(4, [3, 270, 86942])    // 22 06 03 8E 02 9E A7 05
        XCTAssertEqual(w.bytes, [0x22, 0x06, 0x03, 0x8E, 0x02, 0x9E, 0xA7, 0x05])
        w = ProtobufWriter()
        w.float(2, 1)                       // 15 00 00 80 3F
        XCTAssertEqual(w.bytes, [0x15, 0x00, 0x00, 0x80, 0x3F])
        w = ProtobufWriter()
        w.double(1, 1)                      // 09 00 00 00 00 00 00 F0 3F
        XCTAssertEqual(w.bytes, [0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F])
        w = ProtobufWriter()
        w.message(3) { $0.int(1, 150) }     // the guide's embedded example: 1A 03 08 96 01
        XCTAssertEqual(w.bytes, [0x1A, 0x03, 0x08, 0x96, 0x01])
    }

    func testCRC32CCheckValueAndMask() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)  // RFC 3720 B.4
        let c = CRC32C.checksum(Array("abc".utf8))
        XCTAssertEqual(CRC32C.masked(Array("abc".utf8)), ((c >> 15) | (c << 17)) &+ 0xA282_EAD8)
    }

    func testTFRecordFrame() {
        let data: [UInt8] = [1, 2, 3]
        let frame = TFRecordWriter.frame(data)
        XCTAssertEqual(frame.count, 8 + 4 + 3 + 4)
        XCTAssertEqual(Array(frame[0..<8]), [3, 0, 0, 0, 0, 0, 0, 0])
        let lengthCRC = UInt32(frame[8]) | UInt32(frame[9]) << 8 | UInt32(frame[10]) << 16 | UInt32(frame[11]) << 24
        XCTAssertEqual(lengthCRC, CRC32C.masked(Array(frame[0..<8])))
        XCTAssertEqual(Array(frame[12..<15]), data)
        let dataCRC = UInt32(frame[15]) | UInt32(frame[16]) << 8 | UInt32(frame[17]) << 16 | UInt32(frame[18]) << 24
        XCTAssertEqual(dataCRC, CRC32C.masked(data))
    }

    func testEventFilesAreNewFilesNeverAppendedTo() throws {
        let folder = Support.temporaryFolder()
        let a = try TensorBoardWriter(directory: folder + "/run")
        let b = try TensorBoardWriter(directory: folder + "/run")
        XCTAssertNotEqual(a.file.path, b.file.path)
        XCTAssertThrowsError(try TFRecordWriter(creating: a.file.path))
    }
}
