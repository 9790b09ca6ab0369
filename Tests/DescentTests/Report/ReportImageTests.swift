import XCTest
import Foundation
import Descent
@testable import DescentReport

final class ReportImageTests: XCTestCase {
    func scratch(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "descent-report-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir + "/" + name
    }

    func testPNGRoundTripAllChannelCounts() throws {
        for channels in 1...4 {
            var image = try PixelImage(width: 37, height: 23, channels: channels)
            for i in 0..<image.pixels.count { image.pixels[i] = UInt8((i * 7 + i / 37 * 3) % 256) }
            let bytes = try PNG.encode(image)
            XCTAssertEqual(Array(bytes[0..<8]), [137, 80, 78, 71, 13, 10, 26, 10])
            let back = try PNG.decode(bytes)
            XCTAssertEqual(back.width, 37)
            XCTAssertEqual(back.height, 23)
            XCTAssertEqual(back.channels, channels)
            XCTAssertEqual(back.pixels, image.pixels)
        }
    }

    /// Hand-filters every row with filter `type` (1 Sub, 3 Average, 4 Paeth, …) and
    /// checks that the decoder undoes it.
    func testPNGDecoderUndoesAllRowFilters() throws {
        let width = 9, height = 6, bpp = 3, stride = width * bpp
        var image = try PixelImage(width: width, height: height, channels: bpp)
        for i in 0..<image.pixels.count { image.pixels[i] = UInt8((i * 37 + (i / stride) * 11) % 251) }
        let p = image.pixels
        for type in 0...4 {
            var raw = [UInt8]()
            for y in 0..<height {
                raw.append(UInt8(type))
                for i in 0..<stride {
                    let x = p[y * stride + i]
                    let a = i >= bpp ? p[y * stride + i - bpp] : 0
                    let b = y > 0 ? p[(y - 1) * stride + i] : 0
                    let c = (i >= bpp && y > 0) ? p[(y - 1) * stride + i - bpp] : 0
                    let predictor: UInt8
                    switch type {
                    case 1: predictor = a
                    case 2: predictor = b
                    case 3: predictor = UInt8((Int(a) + Int(b)) / 2)
                    case 4: predictor = PNG.paeth(a, b, c)
                    default: predictor = 0
                    }
                    raw.append(x &- predictor)
                }
            }
            var bytes = PNG.signature
            var header = [UInt8]()
            PNG.appendUInt32(&header, UInt32(width)); PNG.appendUInt32(&header, UInt32(height))
            header += [8, 2, 0, 0, 0]
            PNG.appendChunk(&bytes, "IHDR", header)
            PNG.appendChunk(&bytes, "tEXt", Array("Comment\u{0}ignored".utf8))
            PNG.appendChunk(&bytes, "IDAT", try PNG.deflate(raw))
            PNG.appendChunk(&bytes, "IEND", [])
            XCTAssertEqual(try PNG.decode(bytes).pixels, image.pixels, "filter \(type)")
        }
    }

    func testPNGWriteAndRead() throws {
        let image = try PixelImage(width: 5, height: 4, channels: 3, fill: [10, 20, 30])
        let path = scratch("solid.png")
        try PNG.write(image, to: path)
        let back = try PNG.read(path)
        XCTAssertEqual(back, image)
        XCTAssertEqual(back[4, 3], [10, 20, 30])
    }

    func testPNGDecoderRejectsCorruptedCRC() throws {
        let image = try PixelImage(width: 8, height: 8, channels: 1, fill: [200])
        var bytes = try PNG.encode(image)
        bytes[8 + 8 + 13] ^= 0xFF  // first byte of the IHDR CRC
        XCTAssertThrowsError(try PNG.decode(bytes)) { error in
            XCTAssertTrue("\(error)".contains("CRC"), "\(error)")
        }
        var data = try PNG.encode(image)
        data[8 + 8 + 4] ^= 0x01  // a byte of IHDR's width
        XCTAssertThrowsError(try PNG.decode(data))
        XCTAssertThrowsError(try PNG.decode([1, 2, 3]))
    }

    func testPNGWriteToUnwritableFolderThrowsNamingPath() throws {
        let file = scratch("plain-file")
        try writeAtomically("x", to: file)
        let path = file + "/picture.png"  // parent is a regular file
        XCTAssertThrowsError(try PNG.write(PixelImage(width: 1, height: 1, channels: 1), to: path)) { error in
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
    }

    func testWeightTilesOf100x784() throws {
        var values = [Float](repeating: 0, count: 100 * 784)
        for r in 0..<100 {
            for i in 0..<784 { values[r * 784 + i] = Float(r + 1) * sin(Float(i) * 0.05 + Float(r)) - Float(r) }
        }
        let image = try weightTiles(values, rowCount: 100, tileWidth: 28, tileHeight: 28)
        XCTAssertEqual(image.width, 10 * 28 + 9)
        XCTAssertEqual(image.height, 289)
        XCTAssertEqual(image.channels, 1)
        for t in 0..<100 {
            let x0 = (t % 10) * 29, y0 = (t / 10) * 29
            var lo: UInt8 = 255, hi: UInt8 = 0
            for y in 0..<28 { for x in 0..<28 {
                let v = image.pixels[(y0 + y) * image.width + x0 + x]
                lo = min(lo, v); hi = max(hi, v)
            } }
            XCTAssertEqual(lo, 0, "tile \(t)")
            XCTAssertEqual(hi, 255, "tile \(t)")
        }
        // Spacing pixels are black.
        XCTAssertEqual(image.pixels[28], 0)
        // Upscaling and explicit layouts.
        let big = try weightTiles(values, rowCount: 100, tileWidth: 28, tileHeight: 28,
                              layout: TileLayout(rows: 5, columns: 20), scale: 3)
        XCTAssertEqual(big.width, 20 * 84 + 19)
        XCTAssertEqual(big.height, 5 * 84 + 4)
        let back = try PNG.decode(PNG.encode(big))
        XCTAssertEqual(back.pixels, big.pixels)
    }

    func testAutomaticLayout() {
        XCTAssertEqual(TileLayout.automatic(count: 100), try TileLayout(rows: 10, columns: 10))
        XCTAssertEqual(TileLayout.automatic(count: 25), try TileLayout(rows: 5, columns: 5))
        XCTAssertEqual(TileLayout.automatic(count: 50), try TileLayout(rows: 7, columns: 8))
        XCTAssertEqual(TileLayout.automatic(count: 1), try TileLayout(rows: 1, columns: 1))
    }

    func testImageGridKeepsIntensities() throws {
        let values: [Float] = [0, 0.5, 1, 2, -1, .nan]  // 2 images of 3×1
        let image = try imageGrid(values, rowCount: 2, tileWidth: 3, tileHeight: 1, layout: TileLayout(rows: 1, columns: 2))
        XCTAssertEqual(image.width, 7)
        XCTAssertEqual(image.pixels, [0, 128, 255, 0, 255, 0, 0])
    }
}
