/// The sum of an element-wise loss over `n` values, in blocks of 4096: a kernel writes one
/// Double per block (float lanes inside a block), the blocks are split over `Parallel`
/// threads and added in block order, so the sum is the same bits on any thread count.
/// `MeanSquaredError` and `BinaryCrossEntropy` share it (`ElementwiseMean`).
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
