import XCTest
import Descent
@testable import DescentReport

final class SVGRasterizerTests: XCTestCase {
    func svg(_ width: Int, _ height: Int, _ body: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">\(body)</svg>
        """
    }

    /// Pixels of `image` inside the rectangle that differ from white.
    func inked(_ image: PixelImage, x: Range<Int>, y: Range<Int>) -> Int {
        var n = 0
        for row in y { for column in x where image[column, row] != [255, 255, 255] { n += 1 } }
        return n
    }

    func testShapesLandWhereTheSVGPutsThemAtTheRequestedSize() throws {
        let document = svg(40, 20, ##"<rect x="20" y="0" width="20" height="20" fill="#0072b2"/>"##)
        let image = try PNG.decode(SVGRasterizer.png(svg: document, width: 40, height: 20))
        XCTAssertEqual([image.width, image.height, image.channels], [40, 20, 3])
        XCTAssertEqual(image[5, 10], [255, 255, 255])  // background: white
        XCTAssertEqual(image[30, 10], [0x00, 0x72, 0xb2])
        // A larger output scales the viewBox: the rectangle still fills the right half.
        let big = try PNG.decode(SVGRasterizer.png(svg: document, width: 400, height: 200))
        XCTAssertEqual([big.width, big.height], [400, 200])
        XCTAssertEqual(big[150, 100], [255, 255, 255])
        XCTAssertEqual(big[250, 100], [0x00, 0x72, 0xb2])
    }

    /// Text needs a font on the machine (Tools/setup.sh installs fonts-dejavu-core): a
    /// missing font would leave the text's box blank.
    func testTextIsDrawnWithARealFont() throws {
        let document = svg(200, 60, ##"<text x="10" y="40" font-family="DejaVu Sans, sans-serif" font-size="28" fill="#000000">Descent 0.9</text>"##)
        let image = try PNG.decode(SVGRasterizer.png(svg: document, width: 200, height: 60))
        let inText = inked(image, x: 10..<190, y: 12..<42)
        XCTAssertGreaterThan(inText, 300, "the text's box is (nearly) blank: is a font installed?")
        XCTAssertEqual(inked(image, x: 0..<200, y: 48..<60), 0, "ink below the baseline and descenders")
        // Anti-aliased glyph outlines give many gray levels; without a font, Pango draws
        // crisp boxes with the missing characters' codes (2 levels, tried).
        let grays = Set((12..<42).flatMap { y in (10..<190).map { image[$0, y][0] } })
        XCTAssertGreaterThan(grays.count, 20, "no anti-aliased glyphs: is a font installed?")
    }

    /// Pixel pictures (weight tiles, image grids) can sit inside an SVG as
    /// `data:image/png;base64` images, next to text labels.
    func testEmbeddedPNGImageIsDrawn() throws {
        var tile = try PixelImage(width: 4, height: 2, channels: 3, fill: [255, 0, 0])
        for x in 2..<4 { for y in 0..<2 { tile.pixels.replaceSubrange(((y * 4 + x) * 3)..<((y * 4 + x) * 3 + 3), with: [0, 0, 255]) } }
        let base64 = Data(try PNG.encode(tile)).base64EncodedString()
        let document = svg(80, 40, #"<image x="0" y="0" width="80" height="40" preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,\#(base64)"/>"#)
        let image = try PNG.decode(SVGRasterizer.png(svg: document, width: 80, height: 40))
        XCTAssertEqual(image[10, 20], [255, 0, 0])
        XCTAssertEqual(image[70, 20], [0, 0, 255])
    }

    func testBadDocumentsAndSizesThrowOneLineErrors() throws {
        for bad in ["", "not svg at all", "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect", "<html></html>"] {
            XCTAssertThrowsError(try SVGRasterizer.png(svg: bad, width: 10, height: 10), bad) { error in
                let message = (error as? DescentError)?.message ?? ""
                XCTAssertTrue(message.hasPrefix("SVG: "), message)
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
        XCTAssertThrowsError(try SVGRasterizer.png(svg: svg(1, 1, ""), width: 0, height: 10)) { error in
            XCTAssertTrue("\(error)".contains("0×10"), "\(error)")
        }
    }

    func testWriteToAnUnwritablePathNamesIt() throws {
        let file = Support.temporaryFolder() + "/plain-file"
        try writeAtomically("x", to: file)
        XCTAssertThrowsError(try SVGRasterizer.write(svg: svg(4, 4, ""), width: 4, height: 4, to: file + "/a.png")) { error in
            XCTAssertTrue("\(error)".contains(file + "/a.png"), "\(error)")
        }
    }
}
