import CKernels

/// Fused elementwise kernels over raw buffers. Each is one pass, allocation-free.
/// Transcendentals (exp, sigmoid, tanh) go through `CKernels`, compiled for AVX2+FMA
/// with a baseline fallback, because Swift's own do not vectorise on Linux.
public enum Kernels {
    /// `y ← x + y` elementwise… generalised: `y ← α x + y`.
    @inlinable public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>,
                                       _ y: UnsafeMutablePointer<Float>, count n: Int) {
        for i in 0..<n { y[i] += alpha * x[i] }
    }

    /// `x ← α x`.
    @inlinable public static func scale(_ alpha: Float, _ x: UnsafeMutablePointer<Float>, count n: Int) {
        for i in 0..<n { x[i] *= alpha }
    }

    /// `out ← a ⊙ b`, split over `Parallel` threads; `out` may be `a` or `b`.
    public static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                                into out: UnsafeMutablePointer<Float>, count n: Int) {
        Parallel.forRanges(n, alignedTo: 64) { r in
            descent_multiply(a + r.lowerBound, b + r.lowerBound, out + r.lowerBound, r.count)
        }
    }

    /// `y ← exp(x)`, `y` may be `x`.
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        descent_exp(x, y, n)
    }

    /// `y ← 1 / (1 + exp(−x))`, `y` may be `x`.
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        descent_sigmoid(x, y, n)
    }

    /// `y ← tanh(x)`, `y` may be `x`.
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count n: Int) {
        descent_tanh(x, y, n)
    }

    /// The 24-bit threshold below which a hashed 24-bit draw counts as "dropped" with
    /// probability `p` (p is quantised to a multiple of 2⁻²⁴).
    static func threshold24(_ p: Float) -> UInt32 {
        UInt32((Double(p) * 16_777_216).rounded())
    }

    /// Inverted dropout in one vectorised pass: `mᵢ = 0` with probability `p`, else
    /// `1/(1−p)`; `yᵢ = xᵢ mᵢ`. The draws are a keyed counter-based hash of the element
    /// index (see `descent_dropout`); the key is one 64-bit draw of `generator` per call,
    /// so a seed fixes every mask. `mask` may be nil when only `y` is needed; `y` may be `x`.
    public static func dropout(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                               mask: UnsafeMutablePointer<Float>?, count n: Int,
                               probability p: Float, generator: inout RandomGenerator) {
        bernoulli(x, into: y, mask: mask, count: n, threshold: threshold24(p), keep: 1 / (1 - p),
                  key: hashKey(&generator))
    }

    /// Masking noise (denoising autoencoders): `yᵢ = 0` with probability `p`, else `xᵢ`
    /// (no rescaling), or `xᵢ/(1 − p)` when `inverted`. Same draws as `dropout`; `y` may be `x`.
    public static func maskingNoise(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                                    count n: Int, probability p: Float, inverted: Bool = false,
                                    generator: inout RandomGenerator) {
        bernoulli(x, into: y, mask: nil, count: n, threshold: threshold24(p), keep: inverted ? 1 / (1 - p) : 1,
                  key: hashKey(&generator))
    }

    /// `descent_dropout` over `n` elements, split over `Parallel` threads in blocks of 64
    /// (each part passes its first index, so the draws are those of one call).
    static func bernoulli(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                          mask: UnsafeMutablePointer<Float>?, count n: Int, threshold: UInt32, keep: Float,
                          key: (UInt32, UInt32)) {
        Parallel.forRanges(n, alignedTo: 64) { r in
            let lo = r.lowerBound
            descent_dropout(x + lo, y + lo, mask.map { $0 + lo }, r.count, threshold, keep, key.0, key.1, lo)
        }
    }

    /// The key of one masking call: one 64-bit draw of `generator`, as two 32-bit halves.
    static func hashKey(_ generator: inout RandomGenerator) -> (UInt32, UInt32) {
        let key = generator.next()
        return (UInt32(truncatingIfNeeded: key), UInt32(truncatingIfNeeded: key >> 32))
    }

    /// Σ xᵢ², accumulated in Double.
    @inlinable public static func sumOfSquares(_ x: UnsafePointer<Float>, count n: Int) -> Double {
        var s8 = SIMD8<Float>.zero
        var total = 0.0
        var i = 0
        // Blocks of 4096 in Float SIMD, folded into Double between blocks.
        while i + 8 <= n {
            let end = Swift.min(n - (n - i) % 8, i + 4096)
            while i < end {
                let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
                s8 += v * v
                i += 8
            }
            total += Double(s8.sum())
            s8 = .zero
        }
        while i < n { total += Double(x[i]) * Double(x[i]); i += 1 }
        return total
    }

    /// `true` when every element is finite (no NaN, no ±inf). Vectorised: x·0 is 0 for
    /// finite x and NaN otherwise, and a NaN survives the sum.
    @inlinable public static func allFinite(_ x: UnsafePointer<Float>, count n: Int) -> Bool {
        var acc = SIMD8<Float>.zero
        var i = 0
        while i + 8 <= n {
            acc += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self) * 0
            i += 8
        }
        var tail: Float = 0
        while i < n { tail += x[i] * 0; i += 1 }
        return acc.sum() + tail == 0
    }
}

/// Row and column reductions over 2-D row-major data.
public enum Reductions {
    /// `out[c] (+)= Σ_r x[r, c]` — the bias gradient of a batch.
    @inlinable public static func sumRows(_ x: UnsafePointer<Float>, rows: Int, columns: Int,
                                          into out: UnsafeMutablePointer<Float>, accumulate: Bool) {
        if !accumulate { out.update(repeating: 0, count: columns) }
        for r in 0..<rows {
            let row = x + r * columns
            for c in 0..<columns { out[c] += row[c] }
        }
    }

    /// `out[r] = Σ_c x[r, c]`.
    @inlinable public static func sumColumns(_ x: UnsafePointer<Float>, rows: Int, columns: Int,
                                             into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * columns
            var s: Float = 0
            for c in 0..<columns { s += row[c] }
            out[r] = s
        }
    }

    /// Index of the largest element of each row.
    public static func argmaxRows(_ x: Tensor) -> [Int] {
        (0..<x.rows).map { r in
            let row = x.data + r * x.columns
            var best = 0
            for c in 1..<x.columns where row[c] > row[best] { best = c }
            return best
        }
    }
}
