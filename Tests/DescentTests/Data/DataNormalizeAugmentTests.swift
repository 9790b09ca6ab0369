import Foundation
import XCTest
@testable import Descent

/// `ChannelNormalization` (statistics, application in batches) and `Augmentation` (crops
/// and mirrors, drawn from seeded streams).
final class DataNormalizeAugmentTests: XCTestCase {
    /// `count` seeded random colour images of 3×5×4 (channel c in 40c…40c + 120).
    static func colourSet(_ count: Int, seed: UInt64 = 1) throws -> ImageSet {
        var g = RandomGenerator(seed: seed, stream: 0)
        var pixels: [UInt8] = []
        for _ in 0..<count { for c in 0..<3 { for _ in 0..<20 { pixels.append(UInt8(40 * c + g.below(121))) } } }
        return try ImageSet(count: count, channels: 3, height: 5, width: 4, pixels: pixels, labels: (0..<count).map { UInt8($0 % 3) })
    }

    func testStatisticsByHand() throws {
        // Channel 0: bytes 0 and 255 → mean 0.5, std 0.5; channel 1: 51 twice and 102 twice → 0.3, 0.1.
        let set = try ImageSet(count: 2, channels: 2, height: 1, width: 2, pixels: [0, 255, 51, 102, 255, 0, 102, 51], labels: [0, 1])
        let n = try ChannelNormalization(of: set)
        XCTAssertEqual(n.mean, [0.5, 0.3]); XCTAssertEqual(n.std, [0.5, Float(0.1)])
        let constant = try ImageSet(count: 1, channels: 2, height: 1, width: 2, pixels: [3, 3, 0, 9], labels: [0])
        XCTAssertThrowsError(try ChannelNormalization(of: constant)) { XCTAssertTrue("\($0)".contains("channel 0 of the 1 training images is constant (every pixel 3)"), "\($0)") }
        XCTAssertThrowsError(try ChannelNormalization(mean: [0], std: [0]))
        XCTAssertThrowsError(try set.normalized(by: ChannelNormalization(mean: [0, 0, 0], std: [1, 1, 1])))
        // Decoding checks the values as the initialiser does.
        XCTAssertThrowsError(try JSONDecoder().decode(ChannelNormalization.self, from: Data(#"{"mean":[0.5],"std":[-1]}"#.utf8)))
    }

    /// Against numpy: float64 mean and population std of x = byte / 255 per channel, rounded to float32.
    func testStatisticsMatchNumpy() throws {
        let python = try Support.interopPython()
        let set = try Self.colourSet(50)
        let dir = try makeTemporaryDirectory(self)
        try FileBytes.write(set.pixels, to: dir + "/pixels")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", """
            import numpy as np, json, sys
            x = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(50, 3, 5, 4).astype(np.float64) / 255
            print(json.dumps({"mean": [float(np.float32(v)) for v in x.mean(axis=(0, 2, 3))],
                              "std": [float(np.float32(v)) for v in x.std(axis=(0, 2, 3))]}))
            """, dir + "/pixels"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let numpy = try JSONDecoder().decode(ChannelNormalization.self, from: output)
        XCTAssertEqual(try ChannelNormalization(of: set), numpy)
    }

    func testBatchesNormaliseEachChannel() throws {
        let set = try Self.colourSet(4)
        let n = try ChannelNormalization(of: set)
        var seen: [Float] = []
        try Batches(.images(set.normalized(by: n)), batchSize: 4).forEachBatch { seen = $0.inputs.toArray() }
        let expected = set.pixels.enumerated().map { i, p in (Float(p) / 255 - n.mean[(i / 20) % 3]) / n.std[(i / 20) % 3] }
        XCTAssertEqual(seen, expected)
        // Kept by subsets and prefixes.
        XCTAssertEqual(try set.normalized(by: n).subset([2, 0]).normalization, n)
        XCTAssertEqual(try set.normalized(by: n).prefix(1).normalization, n)
    }

    func testCropAndFlip() throws {
        let image: [UInt8] = Array(1...6)  // 1 channel, 2 rows of 3
        var out = [Float](repeating: -1, count: 6)
        func crop(_ dy: Int, _ dx: Int, _ flip: Bool) -> [Float] {
            image.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { d in
                Batches.crop(s.baseAddress!, into: d.baseAddress!, 1, 2, 3, padding: 1, (dy, dx, flip)) } }
            return out.map { $0 * 255 }
        }
        XCTAssertEqual(crop(1, 1, false), [1, 2, 3, 4, 5, 6], "the centre of the padded image")
        XCTAssertEqual(crop(0, 0, false), [0, 0, 0, 0, 1, 2], "top left: padding above and to the left")
        XCTAssertEqual(crop(2, 2, false), [5, 6, 0, 0, 0, 0])
        XCTAssertEqual(crop(1, 1, true), [3, 2, 1, 6, 5, 4], "mirrored")
        XCTAssertEqual(crop(1, 0, true), [2, 1, 0, 5, 4, 0], "cropped, then mirrored")
        XCTAssertEqual(try Augmentation(parsing: "crop=4,flip"), try Augmentation(crop: 4, flip: true))
        XCTAssertEqual(try Augmentation(parsing: "flip").description, "flip")
        for bad in ["crop=x", "crop=4,crop=2", "spin", "", "crop=65", "crop=0"] {
            XCTAssertThrowsError(try Augmentation(parsing: bad), bad)
        }
    }

    /// Training batches: the same seed and epoch give the same crops and mirrors; another epoch others.
    func testAugmentedEpochsAreSeeded() throws {
        let set = try Self.colourSet(8)
        func epoch(_ stream: UInt64) throws -> [Float] {
            let b = try Batches(.images(set), batchSize: 3, augmentation: Augmentation(crop: 2, flip: true))
            b.augmentationDraws = RandomGenerator(seed: 9, stream: stream)
            var all: [Float] = []
            b.forEachBatch { all += $0.inputs.toArray() }
            return all
        }
        XCTAssertEqual(try epoch(1), try epoch(1))
        XCTAssertNotEqual(try epoch(1), try epoch(2))
        var plain: [Float] = []
        try Batches(.images(set), batchSize: 8).forEachBatch { plain = $0.inputs.toArray() }
        XCTAssertNotEqual(try epoch(1), plain)
        XCTAssertThrowsError(try Batches(.images(set), batchSize: 3, corruption: 0.5, augmentation: Augmentation(flip: true)))
    }
}
