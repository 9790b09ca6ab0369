import XCTest
@testable import Descent

/// The IDX dataset format (`DatasetFormat.idx`): channels kept, shapes checked, registered
/// in the built-in registry as any other format is.
final class DataIDXFormatTests: XCTestCase {
    func colourSet(_ count: Int) throws -> ImageSet {
        let pixels = (0..<(count * 3 * 2 * 5)).map { UInt8($0 % 251) }
        return try ImageSet(count: count, channels: 3, height: 2, width: 5, pixels: pixels, labels: (0..<count).map { UInt8($0 % 3) })
    }

    func testColourImagesKeepTheirChannels() throws {
        let dir = try makeTemporaryDirectory(self)
        let train = try colourSet(7), test = try colourSet(4)
        try writeDataset(train: train, test: test, to: dir, gzip: true)
        let d = try XCTUnwrap(Registry.builtIn.datasetFormat(named: "idx")).load(dir)
        XCTAssertEqual(d.train.shape, [3, 2, 5])
        XCTAssertEqual(d.train.pixels, train.pixels)
        XCTAssertEqual(d.test.labels, test.labels)
        XCTAssertNil(d.classNames)
        // The fingerprint covers the channels: the same bytes as one plane of 6×5 differ.
        let flat = try ImageSet(count: 7, height: 6, width: 5, pixels: train.pixels, labels: train.labels)
        let flatTest = try ImageSet(count: 4, height: 6, width: 5, pixels: test.pixels, labels: test.labels)
        XCTAssertNotEqual(DataFingerprint(train: d.train, test: d.test), DataFingerprint(train: flat, test: flatTest))
        XCTAssertTrue(DatasetFormat.idx.holdsData(dir))
    }

    func testShapesAreChecked() throws {
        let dir = try makeTemporaryDirectory(self)
        try writeDataset(train: try colourSet(7), test: syntheticSet(count: 4, height: 2, width: 5), to: dir, gzip: false)
        assertDescentError([dir, "test images are 2×5, training images 3×2×5"]) { _ = try DatasetFormat.idx.load(dir) }
        try IDX.write(IDXArray(dimensions: [4, 10], bytes: [UInt8](repeating: 0, count: 40)), to: dir + "/t10k-images-idx3-ubyte", gzip: false)
        assertDescentError([dir + "/t10k-images-idx3-ubyte", "wrong number of dimensions: 2, expected 3", "or 4"]) { _ = try DatasetFormat.idx.load(dir) }
        try FileManager.default.removeItem(atPath: dir + "/t10k-images-idx3-ubyte")
        XCTAssertFalse(DatasetFormat.idx.holdsData(dir))
        assertDescentError([dir, "missing t10k-images-idx3-ubyte.gz"]) { _ = try DatasetFormat.idx.load(dir) }
    }

    func testFingerprintOfAnyParts() throws {
        XCTAssertEqual(DataFingerprint(files: ["a", "b"]).value, SHA256.hex(of: Array("a\nb\n".utf8)))
        let dir = try makeTemporaryDirectory(self)
        try FileBytes.write([1, 2, 3], to: dir + "/x")
        XCTAssertEqual(try DataFingerprint(contentsOf: [dir + "/x"]).files, [SHA256.hex(of: [1, 2, 3])])
    }
}
