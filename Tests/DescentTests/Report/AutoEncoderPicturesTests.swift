import XCTest
import Descent
@testable import DescentReport

final class AutoEncoderPicturesTests: XCTestCase {
    func testPicturesDecodeWithTheExpectedSizes() throws {
        var g = RandomGenerator(seed: 0)
        let encoder = Tensor(shape: [100, 784]), deep = Tensor(shape: [25, 784])
        g.fillUniform(encoder, low: -1, high: 1)
        g.fillUniform(deep, low: -1, high: 1)
        let dir = Support.temporaryFolder()
        try PNG.write(AutoEncoderPictures.filters(encoder), to: dir + "/encoder.png")
        let image = try PNG.read(dir + "/encoder.png")
        // 10 × 10 tiles of 28 × 28 pixels enlarged twice, 1-px spacing: 10·56 + 9 = 569.
        XCTAssertEqual(image.width, 569)
        XCTAssertEqual(image.height, 569)
        XCTAssertEqual(image.channels, 1)
        let decoded = try PNG.decode(PNG.encode(AutoEncoderPictures.filters(deep)))
        XCTAssertEqual([decoded.width, decoded.height], [5 * 56 + 4, 5 * 56 + 4])
        let x = Tensor(shape: [10, 784], value: 0.5)
        let grid = try PNG.decode(PNG.encode(AutoEncoderPictures.reconstructions([x, x, x])))
        XCTAssertEqual([grid.width, grid.height], [10 * 56 + 9, 3 * 56 + 2])
    }
}
