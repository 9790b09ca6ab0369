import XCTest
import Foundation
import Descent
@testable import DescentReport

/// Pictures of colour data are in colour: planes R, G, B (C×H×W) become interleaved RGB pixels.
final class ColourPictureTests: XCTestCase {
    /// Two 3×2×2 images: image n's red plane n·10 + p, green 100 + p, blue 200 + p (p the pixel).
    func colourSet() throws -> ImageSet {
        var pixels: [UInt8] = []
        for n in 0..<2 { for base in [n * 10, 100, 200] { for p in 0..<4 { pixels.append(UInt8(base + p)) } } }
        return try ImageSet(count: 2, channels: 3, height: 2, width: 2, pixels: pixels, labels: [0, 1])
    }

    func testPlanesBecomeRGBPixels() throws {
        let image = try PixelImage(image: 1, of: try colourSet())
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(image.pixels, [10, 100, 200, 11, 101, 201, 12, 102, 202, 13, 103, 203])
        let grey = try PixelImage(planes: [1, 2, 3, 4][...], channels: 1, width: 2, height: 2)
        XCTAssertEqual(grey.channels, 1); XCTAssertEqual(grey.pixels, [1, 2, 3, 4])
        let five = try PixelImage(planes: ArraySlice((0..<20).map(UInt8.init)), channels: 5, width: 2, height: 2)
        XCTAssertEqual(five.channels, 1); XCTAssertEqual(five.pixels, [0, 1, 2, 3], "more than 4 planes: the first, grey")
    }

    func testTilesOfColourRowsAreColour() throws {
        // One tile of 3×1×2: red (0, 1), green (0.5, 0.5), blue (1, 0); scaled over the whole tile.
        let tiles = try weightTiles([0, 1, 0.5, 0.5, 1, 0], rowCount: 1, tileWidth: 2, tileHeight: 1, channels: 3)
        XCTAssertEqual(tiles.channels, 3)
        XCTAssertEqual(tiles.pixels, [0, 128, 255, 255, 128, 0])
        let grid = try imageGrid([0, 1, 0.5, 0.5, 1, 0, 1, 1, 1, 1, 1, 1], rowCount: 2, tileWidth: 2, tileHeight: 1, channels: 3,
                                 layout: TileLayout(rows: 1, columns: 2), spacing: 1, spacingValue: 7)
        XCTAssertEqual(grid.width, 5)
        XCTAssertEqual(grid.pixels, [0, 128, 255, 255, 128, 0, 7, 7, 7, 255, 255, 255, 255, 255, 255])
        XCTAssertThrowsError(try weightTiles([0, 1, 2], rowCount: 1, tileWidth: 2, tileHeight: 1, channels: 3)) { error in
            XCTAssertEqual("\(error)", "tiles: 3 values are not 1 rows of 3×2×1")
        }
    }

    func testMistakesOfColourImagesEmbedColourPNGs() throws {
        // Each image twice, labelled 0 and 1: whatever the network says, two mistakes, one of each image.
        let two = try colourSet()
        let first = Array(two.pixels[0..<12]), second = Array(two.pixels[12...])
        let pixels: [UInt8] = first + first + second + second
        let set = try ImageSet(count: 4, channels: 3, height: 2, width: 2, pixels: pixels, labels: [0, 1, 0, 1])
        let network = try Network(ModelSpec.parse("3x2x2: flatten, linear(2)"), seed: 1)
        let evaluation = try ClassifierEvaluation(network, on: set, keepMistakes: 4)
        XCTAssertEqual(evaluation.mistakes.count, 2)
        let svg = try EvaluationPictures.mistakes(evaluation, set: set, classNames: ["a", "b"], title: "t").text
        let pngs = svg.components(separatedBy: "data:image/png;base64,").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        XCTAssertEqual(pngs.count, evaluation.mistakes.count)
        for (png, mistake) in zip(pngs, evaluation.mistakes) {
            let image = try PNG.decode(Array(try XCTUnwrap(Data(base64Encoded: png))))
            XCTAssertEqual(image, try PixelImage(image: mistake.index, of: set))
        }
    }
}
