import Foundation

/// The quintic Newton–Schulz iteration that Muon uses to orthogonalise a matrix: it maps
/// G = U·S·Vᵀ to approximately U·S′·Vᵀ with the singular values S′ pushed towards 1
/// (roughly into [0.7, 1.2] after 5 steps, not exactly 1), using products only.
///
/// ```
/// X ← G (Gᵀ when G has more rows than columns, so X is r × c with r ≤ c)
/// X ← X / max(‖X‖_F, ε)                          spectral norm ≤ 1
/// repeat k times:  A ← X·Xᵀ;  B ← b·A + c·A·A;  X ← a·X + B·X
/// result X (transposed back)
/// ```
/// Coefficients (a, b, c) = (3.4445, −4.7750, 2.0315), k = 5, ε = 1e-7: Keller Jordan's
/// (2024, "Muon: An optimizer for hidden layers in neural networks"), as `torch.optim.Muon`.
/// Each product is one `BLAS.gemm` (oneDNN sgemm, the layers' product code) with α and β doing
/// the scaling, as torch's `addmm(input, m1, m2, beta=, alpha=)`. Descent iterates in float32;
/// torch converts G to bfloat16 first (see `Muon`). ‖X‖_F is summed in Double.
///
/// The workspaces (X and its next value, r × c; A and B, r × r) are kept per shape, so a
/// steady-state step allocates nothing.
final class NewtonSchulz {
    static let coefficients: (a: Float, b: Float, c: Float) = (3.4445, -4.7750, 2.0315)
    static let epsilon: Float = 1e-7

    let steps: Int
    private struct Work { let x, y, a, b: Tensor }
    private var work: [[Int]: Work] = [:]

    init(steps: Int) { self.steps = steps }

    /// Orthogonalises the `rows × columns` matrix in `g` (row-major) into `out` (same shape).
    func orthogonalise(_ g: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
        let transpose = rows > columns
        let r = transpose ? columns : rows, c = transpose ? rows : columns
        let w = workspace(r, c)
        var x = w.x, y = w.y
        if transpose {
            for i in 0..<rows { for j in 0..<columns { x.data[j * c + i] = g[i * columns + j] } }
        } else {
            x.data.update(from: g, count: r * c)
        }
        var sum = 0.0
        for i in 0..<(r * c) { sum += Double(x.data[i]) * Double(x.data[i]) }
        let norm = Swift.max(Float(sum.squareRoot()), Self.epsilon)
        for i in 0..<(r * c) { x.data[i] /= norm }
        let (a, b, cc) = Self.coefficients
        for _ in 0..<steps {
            BLAS.gemm(x, x, transposeB: true, into: w.a)                      // A = X·Xᵀ
            w.b.copy(from: w.a)
            BLAS.gemm(w.a, w.a, into: w.b, alpha: cc, beta: b)                // B = b·A + c·A·A
            y.copy(from: x)
            BLAS.gemm(w.b, x, into: y, alpha: 1, beta: a)                     // X' = a·X + B·X
            swap(&x, &y)
        }
        if transpose {
            for i in 0..<rows { for j in 0..<columns { out[i * columns + j] = x.data[j * c + i] } }
        } else {
            out.update(from: x.data, count: r * c)
        }
    }

    private func workspace(_ r: Int, _ c: Int) -> Work {
        if let w = work[[r, c]] { return w }
        let w = Work(x: Tensor(shape: [r, c]), y: Tensor(shape: [r, c]), a: Tensor(shape: [r, r]), b: Tensor(shape: [r, r]))
        work[[r, c]] = w
        return w
    }
}
