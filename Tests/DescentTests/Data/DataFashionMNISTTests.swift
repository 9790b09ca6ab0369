import Foundation
import XCTest
@testable import Descent

/// Loads the real Fashion-MNIST from Debian's `dataset-fashion-mnist` package.
final class DataFashionMNISTTests: XCTestCase {
    func testLoadDebianFashionMNIST() throws {
        guard let dir = DatasetName.fashionMNIST.systemDirectories.first(where: { DatasetLoader.missingFiles(in: $0).isEmpty }) else {
            throw Support.skip("dataset-fashion-mnist is not installed")
        }
        let start = Date()
        let (train, test) = try DatasetLoader.load(.fashionMNIST, dataDirectory: dir, cacheDirectory: nil, allowDownload: false)
        let seconds = Date().timeIntervalSince(start)
        print("Fashion-MNIST load from \(dir): \(String(format: "%.3f", seconds)) s")
        XCTAssertEqual(train.count, 60_000); XCTAssertEqual(test.count, 10_000)
        XCTAssertEqual(train.height, 28); XCTAssertEqual(train.width, 28)
        XCTAssertEqual(test.height, 28); XCTAssertEqual(test.width, 28)
        XCTAssertEqual(train.classCount, 10); XCTAssertEqual(test.classCount, 10)
        var trainHistogram = [Int](repeating: 0, count: 10), testHistogram = [Int](repeating: 0, count: 10)
        for l in train.labels { trainHistogram[Int(l)] += 1 }
        for l in test.labels { testHistogram[Int(l)] += 1 }
        XCTAssertEqual(trainHistogram.reduce(0, +), 60_000)
        XCTAssertEqual(testHistogram.reduce(0, +), 10_000)
        // Fashion-MNIST is balanced: 6,000 / 1,000 per class.
        XCTAssertEqual(trainHistogram, [Int](repeating: 6_000, count: 10))
        XCTAssertEqual(testHistogram, [Int](repeating: 1_000, count: 10))
        XCTAssertEqual(train.pixels.max(), 255)

        // Timings are printed, not asserted.
        let gz = try FileBytes.read(dir + "/" + DatasetFile.trainImages.fileName)
        var t = Date()
        let raw = try Gzip.decompress(gz, name: "train-images")
        print("Fashion-MNIST train images: inflate \(gz.count) → \(raw.count) bytes in \(String(format: "%.3f", Date().timeIntervalSince(t))) s")
        XCTAssertEqual(raw.count, 47_040_016)
        let batches = try Batches(.images(train), batchSize: 128)
        var sum: Float = 0, rows = 0
        t = Date()
        batches.forEachBatch(shuffledBy: RandomGenerator(seed: 1)) { b in sum += b.inputs[0]; rows += b.labels.count }
        print("Fashion-MNIST: one shuffled epoch of 128-image batches converted in \(String(format: "%.3f", Date().timeIntervalSince(t))) s")
        XCTAssertEqual(rows, 60_000)
        XCTAssertTrue(sum.isFinite)
    }
}
