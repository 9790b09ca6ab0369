import XCTest
import Descent
@testable import DescentReport

final class AutoEncoderPicturesTests: XCTestCase {
    func testPicturesDecodeWithTheExpectedSizes() throws {
        let ae = try AutoEncoder(inputSize: 784, hiddenSize: 100, seed: 0)
        let dir = Support.temporaryFolder()
        try PNG.write(AutoEncoderPictures.filters(ae.encoder.weight.value), to: dir + "/encoder.png")
        try PNG.write(AutoEncoderPictures.filters(ae.decoderFilters()), to: dir + "/decoder.png")
        for name in ["encoder", "decoder"] {
            let image = try PNG.read(dir + "/\(name).png")
            // 10 × 10 tiles of 28 × 28 pixels enlarged twice, 1-px spacing: 10·56 + 9 = 569.
            XCTAssertEqual(image.width, 569)
            XCTAssertEqual(image.height, 569)
            XCTAssertEqual(image.channels, 1)
        }
        let s = try StackedAutoEncoder(sizes: [784, 100, 25], seed: 0)
        let deep = AutoEncoderPictures.filters(s.pixelSpaceFilters(level: 1))
        let decoded = try PNG.decode(PNG.encode(deep))
        XCTAssertEqual([decoded.width, decoded.height], [5 * 56 + 4, 5 * 56 + 4])
        let x = Tensor(shape: [10, 784], value: 0.5)
        let grid = try PNG.decode(PNG.encode(AutoEncoderPictures.reconstructions([x, x, x])))
        XCTAssertEqual([grid.width, grid.height], [10 * 56 + 9, 3 * 56 + 2])
    }
}
