/// The sum of an element-wise loss over `n` values, in blocks of 4096: a kernel writes one
/// Double per block (float lanes inside a block), the blocks are split over `Parallel`
/// threads and added in block order, so the sum is the same bits on any thread count.
/// `MeanSquaredError` and `BinaryCrossEntropy` share it.
///
/// ```swift
/// var sum = BlockedSum()
/// let total = sum(count: n) { start, count, blockTotals in
///     descent_squared_error(y + start, t + start, nil, count, 0, blockTotals)
/// }
/// ```
struct BlockedSum {
    private var blockTotals: [Double] = []

    /// Runs `kernel(start, count, totals)` on aligned parts of `0..<n` (`totals` points at the
    /// first of the part's block sums) and adds the block sums in order.
    mutating func callAsFunction(count n: Int,
                                 _ kernel: (_ start: Int, _ count: Int, _ blockTotals: UnsafeMutablePointer<Double>) -> Void) -> Double {
        let blocks = (n + 4095) / 4096
        if blockTotals.count < blocks { blockTotals = [Double](repeating: 0, count: blocks) }
        blockTotals.withUnsafeMutableBufferPointer { totals in
            let out = totals.baseAddress!
            Parallel.forRanges(n, alignedTo: 4096) { r in kernel(r.lowerBound, r.count, out + r.lowerBound / 4096) }
        }
        var total = 0.0
        for b in 0..<blocks { total += blockTotals[b] }
        return total
    }
}

extension BlockedSum {
    /// A fused C kernel of an element-wise loss: `kernel(y, t, grad, count, gradientScale,
    /// blockTotals)` writes one sum per block of 4096 elements and, when `grad` is not nil,
    /// ∂(sum)/∂y · gradientScale.
    typealias ElementwiseKernel = (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int, Float,
                                   UnsafeMutablePointer<Double>?) -> Void

    /// The mean over every element of `kernel`'s terms for `prediction` against `target`
    /// (same element count; `name` is the loss's, for the message), with the gradient of
    /// the mean in `gradient` when asked: `gradientScale` is the derivative's factor over
    /// the N elements (2/N for squared errors, 1/N for cross-entropy from logits).
    mutating func mean(_ name: String, _ prediction: Tensor, target: Tensor, gradient: inout Workspace, computeGradient: Bool,
                       gradientScale: (Int) -> Float, _ kernel: ElementwiseKernel) -> LossValue {
        precondition(prediction.count == target.count, "\(name): \(prediction.shape) vs \(target.shape)")
        let n = prediction.count
        let g: Tensor? = computeGradient ? gradient.get(prediction.shape) : nil
        let (y, t, scale) = (prediction.data, target.data, gradientScale(n))
        let total = self(count: n) { lo, count, totals in kernel(y + lo, t + lo, g.map { $0.data + lo }, count, scale, totals) }
        return LossValue(loss: total / Double(max(n, 1)), gradient: g)
    }
}
