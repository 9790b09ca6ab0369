import CKernels

/// Minibatches of an `ImageSet` as Float tensors, in a reused buffer.
///
/// Each batch is `inputs`, a `Tensor` of shape `[b, featureCount]` holding pixels / 255
/// (so in [0, 1]), and the `b` label bytes; `b == batchSize` except for the last, partial
/// batch of an epoch, which is included (the tensor is reshaped in place to fewer rows). The
/// tensor, the label buffer and the order array are allocated once in `init` and reused, so
/// iterating allocates nothing per batch (the tensor and label buffer are only valid inside
/// the body; copy them to keep them).
///
/// Orders: `forEachBatch(_:)` walks the images in stored order (evaluation);
/// `forEachBatch(shuffling:_:)` visits a fresh Fisher–Yates permutation of 0..<count drawn
/// from the given generator each call (identical to `rng.permutation(count)`), so an epoch
/// is deterministic for a seed; `forEachBatch(order:_:)` takes any index list.
public final class Batches {
    /// The images batched.
    public let set: ImageSet
    /// Rows per full batch.
    public let batchSize: Int
    /// The reused input tensor (capacity `batchSize × featureCount`).
    public let inputs: Tensor
    private let labelStorage: UnsafeMutablePointer<UInt8>
    /// The order of the last shuffled epoch (identity before the first).
    public private(set) var order: [Int]

    /// Batches of `batchSize` (≥ 1) images of `set`.
    public init(_ set: ImageSet, batchSize: Int) {
        precondition(batchSize >= 1, "Batches: batch size must be at least 1, got \(batchSize)")
        self.set = set
        self.batchSize = batchSize
        self.inputs = Tensor(shape: [batchSize, set.featureCount])
        self.labelStorage = .allocate(capacity: batchSize)
        labelStorage.initialize(repeating: 0, count: batchSize)
        self.order = Array(0..<set.count)
    }

    deinit { labelStorage.deallocate() }

    /// Batches per epoch (the last may be partial).
    public var batchCount: Int { (set.count + batchSize - 1) / batchSize }

    /// Every image once, in stored order.
    public func forEachBatch(_ body: (Tensor, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try run(indices: nil, count: set.count, body)
    }

    /// Every image once, in a new random order drawn from `rng` (Fisher–Yates).
    public func forEachBatch(shuffling rng: inout RandomGenerator,
                             _ body: (Tensor, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        order.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count { p[i] = i }
        }
        rng.shuffle(&order)
        try order.withUnsafeBufferPointer { try run(indices: $0, count: $0.count, body) }
    }

    /// The images at `order` (any indices in 0..<count, repeats allowed), in that order.
    public func forEachBatch(order indices: [Int],
                             _ body: (Tensor, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        precondition(indices.allSatisfy { $0 >= 0 && $0 < set.count }, "Batches: index out of range")
        try indices.withUnsafeBufferPointer { try run(indices: $0, count: $0.count, body) }
    }

    private func run(indices: UnsafeBufferPointer<Int>?, count: Int,
                     _ body: (Tensor, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        let f = set.featureCount
        let scale: Float = 255
        try set.pixels.withUnsafeBufferPointer { pixels in
            try set.labels.withUnsafeBufferPointer { labels in
                let src = pixels.baseAddress!, lab = labels.baseAddress!
                var start = 0
                while start < count {
                    let b = Swift.min(batchSize, count - start)
                    if inputs.count != b * f || inputs.rows != b { inputs.reshape([b, f]) }
                    let dst = inputs.data
                    let labelsOut = labelStorage
                    Parallel.forRanges(b, elementsPerItem: f) { rows in
                        for r in rows {
                            let image = indices?[start + r] ?? (start + r)
                            descent_bytes_to_float(src + image * f, dst + r * f, f, scale)  // Float(s[j]) / scale
                            labelsOut[r] = lab[image]
                        }
                    }
                    try body(inputs, UnsafeBufferPointer(start: labelStorage, count: b))
                    start += b
                }
            }
        }
    }
}
