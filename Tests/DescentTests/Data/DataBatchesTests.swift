import XCTest
@testable import Descent

final class DataBatchesTests: XCTestCase {
    /// Collects (image index recovered from the pixels, label) for every row of an epoch.
    private func epoch(_ batches: Batches, rng: inout RandomGenerator?) -> (indices: [Int], sizes: [Int]) {
        var seen = [Int](), sizes = [Int]()
        let body: (Tensor, UnsafeBufferPointer<UInt8>) -> Void = { x, labels in
            XCTAssertEqual(x.shape, [labels.count, batches.set.featureCount])
            sizes.append(labels.count)
            for r in 0..<labels.count {
                // syntheticSet: pixel 0 of image i is (7 i) % 256 and label i % 10; with < 256
                // images and 7 coprime to 256 pixel 0 identifies the image.
                let p0 = Int((x[r, 0] * 255).rounded())
                let i = (0..<batches.set.count).first { (7 * $0) % 256 == p0 }!
                XCTAssertEqual(Int(labels[r]), i % 10)
                for j in 0..<batches.set.featureCount {
                    XCTAssertEqual(x[r, j], Float(batches.set.pixels[i * batches.set.featureCount + j]) / 255)
                    XCTAssert((0...1).contains(x[r, j]))
                }
                seen.append(i)
            }
        }
        if var g = rng {
            batches.forEachBatch(shuffling: &g, body)
            rng = g
        } else {
            batches.forEachBatch(body)
        }
        return (seen, sizes)
    }

    func testSequentialCoversEveryIndexInOrderWithPartialLastBatch() {
        let batches = Batches(syntheticSet(count: 103), batchSize: 10)
        XCTAssertEqual(batches.batchCount, 11)
        var none: RandomGenerator? = nil
        let (indices, sizes) = epoch(batches, rng: &none)
        XCTAssertEqual(indices, Array(0..<103))
        XCTAssertEqual(sizes, Array(repeating: 10, count: 10) + [3])
        // The buffer returns to full size on the next epoch.
        let again = epoch(batches, rng: &none)
        XCTAssertEqual(again.sizes.first, 10)
    }

    func testShuffledEpochsArePermutationsAndDeterministic() {
        let set = syntheticSet(count: 97)
        let a = Batches(set, batchSize: 16), b = Batches(set, batchSize: 16)
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
        XCTAssertNotEqual(epoch(Batches(set, batchSize: 16), rng: &gc).indices, previous)
    }

    func testExplicitOrderAndReusedBuffer() {
        let batches = Batches(syntheticSet(count: 20), batchSize: 8)
        var labels = [UInt8](), storage = Set<UnsafeMutablePointer<Float>>()
        batches.forEachBatch(order: [19, 0, 5, 5]) { x, l in
            labels += l
            storage.insert(x.data)
        }
        XCTAssertEqual(labels, [9, 0, 5, 5])
        batches.forEachBatch { x, _ in storage.insert(x.data) }
        XCTAssertEqual(storage.count, 1, "one reused tensor")
    }

    func testBatchLargerThanSet() {
        let batches = Batches(syntheticSet(count: 5), batchSize: 1000)
        var count = 0
        batches.forEachBatch { x, l in count += 1; XCTAssertEqual(x.shape, [5, 12]); XCTAssertEqual(l.count, 5) }
        XCTAssertEqual(count, 1)
    }
}
