import Foundation
import XCTest
@testable import Descent
import DescentReport

/// `BilinearResize` against Pillow's `Image.resize(size, BILINEAR)` (Tests/Fixtures/resize,
/// from Tools/make_resize_fixtures.py with pinned Pillow); and `--resize` on an image folder
/// of mixed sizes.
final class DataResizeTests: XCTestCase {
    struct Fixture: Decodable {
        struct Resized: Decodable { let height: Int; let width: Int; let pixels: [UInt8] }
        struct Case: Decodable { let height: Int; let width: Int; let pixels: [UInt8]; let resized: [Resized] }
        let pillow: String
        let cases: [Case]
    }

    /// Byte for byte where one axis changes or both scale alike; where the axes change
    /// differently, Pillow 13 sometimes rounds its two passes otherwise (it no longer always
    /// runs the rows pass first): within 1 there, and byte for byte in most pixels.
    func testMatchesPillow() throws {
        let url = Support.fixtures.appendingPathComponent("resize/bilinear.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        XCTAssertEqual(fixture.pillow, "13.0.0")
        var exact = 0, close = 0, pixels = 0, equalPixels = 0
        for c in fixture.cases {
            for r in c.resized {
                let ours = BilinearResize.resize(c.pixels[...], width: c.width, height: c.height, toWidth: r.width, toHeight: r.height)
                let what = "\(c.height)×\(c.width) → \(r.height)×\(r.width)"
                XCTAssertEqual(ours.count, r.pixels.count, what)
                let differences = zip(ours, r.pixels).map { abs(Int($0) - Int($1)) }
                let oneAxis = r.height == c.height || r.width == c.width
                let sameScale = r.height * c.width == r.width * c.height
                if oneAxis || sameScale {
                    XCTAssertEqual(ours, r.pixels, what)
                    exact += 1
                } else {
                    XCTAssertLessThanOrEqual(differences.max() ?? 0, 1, what)
                    close += 1
                }
                pixels += differences.count
                equalPixels += differences.filter { $0 == 0 }.count
            }
        }
        XCTAssertEqual(exact + close, 13)
        XCTAssertGreaterThanOrEqual(exact, 7)
        XCTAssertGreaterThan(Double(equalPixels) / Double(pixels), 0.9)
    }

    func testImageFolderOfMixedSizesWithResize() throws {
        let dir = try makeTemporaryDirectory(self)
        for (path, w, h) in [("train/a/0.png", 4, 4), ("train/b/0.png", 8, 6), ("test/a/0.png", 2, 2), ("test/b/0.png", 4, 4)] {
            try FileBytes.makeDirectories((dir + "/" + path as NSString).deletingLastPathComponent)
            try PNG.write(try PixelImage(width: w, height: h, channels: 3, pixels: (0..<(w * h * 3)).map { UInt8($0 * 5 % 256) }), to: dir + "/" + path)
        }
        assertDescentError(["one size per set"]) { _ = try DatasetFormat.imageFolder.load(dir) }
        let d = try DatasetFormat.imageFolder.load(dir, options: DatasetReadOptions(resize: try ImageSize(parsing: "3x4")))
        XCTAssertEqual(d.train.shape, [3, 3, 4]); XCTAssertEqual(d.test.count, 2)
        // Channel by channel, as one plane each.
        let red = (0..<16).map { UInt8($0 * 3 * 5 % 256) }
        XCTAssertEqual(Array(d.train.pixels[0..<12]), BilinearResize.resize(red[...], width: 4, height: 4, toWidth: 4, toHeight: 3))
        // Through the command line: recorded in the run, read back by evaluate.
        let out = dir + "/run"
        let r = try Support.descent(["train", "--format", "image-folder", "--data-dir", dir, "--resize", "3x4", "--model", "flatten, linear(2)",
                                     "--epochs", "1", "--threads", "1", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try Checkpoint.read(out + "/model.safetensors").metadata["run"]?.contains(#""resize":"3x4""#) == true)
        let e = try Support.descent(["evaluate", out + "/model.safetensors", "--data-dir", dir, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let bad = try Support.descent(["train", "--data-dir", dir, "--resize", "3x4", "--epochs", "1"])
        XCTAssertTrue(bad.stderr.contains("--resize 3x4 resizes the images of an image folder"), bad.stderr)
        XCTAssertThrowsError(try ImageSize(parsing: "32")); XCTAssertThrowsError(try ImageSize(parsing: "0x3"))
        XCTAssertEqual(try ImageSize(parsing: "28×32").description, "28x32")
    }
}
