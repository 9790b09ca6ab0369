// Provisional minibatch iterator (replaced by the data layer's).
public final class Batches {
    let set: ImageSet
    let batchSize: Int
    let x: Tensor
    var labels: [UInt8]
    public init(_ set: ImageSet, batchSize: Int) {
        self.set = set; self.batchSize = batchSize
        x = Tensor(shape: [batchSize, set.featureCount]); labels = [UInt8](repeating: 0, count: batchSize)
    }
    public func forEachBatch(shuffle: inout RandomGenerator, _ body: (Tensor, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try run(order: shuffle.permutation(set.count), body)
    }
    public func forEachBatch(_ body: (Tensor, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        try run(order: Array(0..<set.count), body)
    }
    func run(order: [Int], _ body: (Tensor, UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        let f = set.featureCount
        var start = 0
        while start < set.count {
            let b = min(batchSize, set.count - start)
            x.reshape([b, f])
            set.pixels.withUnsafeBufferPointer { px in
                for r in 0..<b {
                    let src = px.baseAddress! + order[start + r] * f
                    let dst = x.data + r * f
                    for c in 0..<f { dst[c] = Float(src[c]) * (1 / 255) }
                    labels[r] = set.labels[order[start + r]]
                }
            }
            try labels.withUnsafeBufferPointer { try body(x, UnsafeBufferPointer(rebasing: $0[0..<b])) }
            start += b
        }
    }
}
