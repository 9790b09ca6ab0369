import XCTest
@testable import Descent

final class DataBatchesTests: XCTestCase {
    /// Collects (image index recovered from the pixels, label) for every row of an epoch.
    private func epoch(_ batches: Batches, rng: inout RandomGenerator?) -> (indices: [Int], sizes: [Int]) {
        var seen = [Int](), sizes = [Int]()
        guard case .images(let set) = batches.source else { XCTFail("images expected"); return ([], []) }
        let body: (Batch) -> Void = { batch in
            let (x, labels) = (batch.inputs, Array(batch.labels))
            XCTAssertEqual(x.shape, [labels.count, 1, set.height, set.width], "N × C × H × W")
            sizes.append(labels.count)
            for r in 0..<labels.count {
                // syntheticSet: pixel 0 of image i is (7 i) % 256 and label i % 10; with < 256
                // images and 7 coprime to 256 pixel 0 identifies the image.
                let p0 = Int((x[r, 0] * 255).rounded())
                let i = (0..<set.count).first { (7 * $0) % 256 == p0 }!
                XCTAssertEqual(Int(labels[r]), i % 10)
                for j in 0..<set.featureCount {
                    XCTAssertEqual(x[r, j], Float(set.pixels[i * set.featureCount + j]) / 255)
                    XCTAssert((0...1).contains(x[r, j]))
                }
                seen.append(i)
            }
        }
        if var g = rng {
            batches.forEachBatch(shuffledBy: g, body)
            _ = g.permutation(batches.source.count)  // the draws the shuffle made
            rng = g
        } else {
            batches.forEachBatch(body)
        }
        return (seen, sizes)
    }

    func testSequentialCoversEveryIndexInOrderWithPartialLastBatch() throws {
        let batches = try Batches(.images(syntheticSet(count: 103)), batchSize: 10)
        XCTAssertEqual(batches.batchCount, 11)
        var none: RandomGenerator? = nil
        let (indices, sizes) = epoch(batches, rng: &none)
        XCTAssertEqual(indices, Array(0..<103))
        XCTAssertEqual(sizes, Array(repeating: 10, count: 10) + [3])
        // The buffer returns to full size on the next epoch.
        let again = epoch(batches, rng: &none)
        XCTAssertEqual(again.sizes.first, 10)
    }

    func testShuffledEpochsArePermutationsAndDeterministic() throws {
        let set = syntheticSet(count: 97)
        let a = try Batches(.images(set), batchSize: 16), b = try Batches(.images(set), batchSize: 16)
        var ga: RandomGenerator? = RandomGenerator(seed: 42), gb: RandomGenerator? = RandomGenerator(seed: 42)
        var reference = RandomGenerator(seed: 42)
        var previous: [Int]? = nil
        for _ in 0..<3 {
            let ea = epoch(a, rng: &ga), eb = epoch(b, rng: &gb)
            XCTAssertEqual(ea.indices.sorted(), Array(0..<97), "every index exactly once")
            XCTAssertEqual(ea.indices, eb.indices, "same seed, same order")
            XCTAssertEqual(ea.indices, reference.permutation(97), "Fisher–Yates as RandomGenerator.permutation")
            XCTAssertNotEqual(ea.indices, Array(0..<97))
            XCTAssertNotEqual(ea.indices, previous, "reshuffled each epoch")
            XCTAssertEqual(ea.sizes, Array(repeating: 16, count: 6) + [1])
            previous = ea.indices
        }
        var gc: RandomGenerator? = RandomGenerator(seed: 43)
        XCTAssertNotEqual(epoch(try Batches(.images(set), batchSize: 16), rng: &gc).indices, previous)
    }

    func testExplicitOrderAndReusedBuffer() throws {
        let batches = try Batches(.images(syntheticSet(count: 20)), batchSize: 8)
        var labels = [UInt8](), storage = Set<UnsafeMutablePointer<Float>>()
        try batches.forEachBatch(order: [19, 0, 5, 5]) { b in
            labels += b.labels
            storage.insert(b.inputs.data)
            XCTAssertTrue(b.inputs === b.clean, "no noise: the input is the clean batch")
        }
        XCTAssertEqual(labels, [9, 0, 5, 5])
        batches.forEachBatch { b in storage.insert(b.inputs.data) }
        XCTAssertEqual(storage.count, 1, "one reused tensor")
        XCTAssertThrowsError(try batches.forEachBatch(order: [20]) { _ in })
    }

    func testBatchLargerThanSet() throws {
        let batches = try Batches(.images(syntheticSet(count: 5)), batchSize: 1000)
        var count = 0
        batches.forEachBatch { b in count += 1; XCTAssertEqual(b.inputs.shape, [5, 1, 4, 3]); XCTAssertEqual(b.labels.count, 5) }
        XCTAssertEqual(count, 1)
    }

    func testFeaturesWithAndWithoutLabels() throws {
        let t = Tensor(shape: [5, 2], values: (0..<10).map(Float.init))
        var rows: [[Float]] = []
        try Batches(.features(t, labels: nil), batchSize: 2).forEachBatch { b in
            XCTAssertTrue(b.labels.isEmpty)
            rows.append(b.inputs.toArray())
        }
        XCTAssertEqual(rows, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        XCTAssertThrowsError(try Batches(.features(t, labels: [1, 2]), batchSize: 2))
        XCTAssertThrowsError(try Batches(.features(t, labels: nil), batchSize: 0))
        XCTAssertThrowsError(try Batches(.features(t, labels: nil), batchSize: 1, corruption: 1))
    }
}
