import CKernels
import Foundation

/// The inverse p-th root of a symmetric positive semi-definite matrix, by an
/// eigendecomposition in Double (LAPACK's `dsyevd`, from the OpenBLAS that PCA loads):
///
/// ```
/// A/s = Q·Λ·Qᵀ              A d × d (its lower triangle is read), s a scale (a bias correction)
/// (A/s + εI)^(−1/p) = Q·diag((max(λ, 0) + ε)^(−1/p))·Qᵀ,   rounded once to float32
/// ```
/// Negative eigenvalues (rounding of a semi-definite matrix) count as 0. Workspaces are
/// kept between calls (a steady state allocates nothing for a size seen before).
final class InverseRoot {
    private var a: [Double] = [], w: [Double] = [], work: [Double] = [], iwork: [Int32] = []
    private var root: [Double] = []

    /// Writes (A/scale + εI)^(−1/power) into `out` (d × d); throws when LAPACK is missing or fails.
    func compute(_ matrix: Tensor, scale: Double, epsilon: Double, power: Double, into out: Tensor) throws {
        let d = matrix.rows
        if let failure = descent_openblas_load() {
            throw DescentError("shampoo: cannot load OpenBLAS for the inverse roots: \(String(cString: failure))")
        }
        guard descent_dsyevd_available() != 0 else { throw DescentError("shampoo: the OpenBLAS loaded has no dsyevd") }
        if a.count != d * d {
            a = [Double](repeating: 0, count: d * d)
            w = [Double](repeating: 0, count: d)
            root = [Double](repeating: 0, count: d * d)
            var wq = 0.0, iwq: Int32 = 0
            let info = descent_dsyevd(Int32(d), &a, Int32(d), &w, &wq, -1, &iwq, -1)
            guard info == 0 else { throw DescentError("shampoo: dsyevd workspace query failed (info \(info))") }
            work = [Double](repeating: 0, count: Swift.max(Int(wq), 1))
            iwork = [Int32](repeating: 0, count: Swift.max(Int(iwq), 1))
        }
        // The row-major lower triangle, mirrored: the same symmetric matrix whichever triangle LAPACK reads.
        for i in 0..<d {
            for j in 0...i {
                let v = Double(matrix.data[i * d + j]) / scale
                a[i * d + j] = v
                a[j * d + i] = v
            }
        }
        let info = descent_dsyevd(Int32(d), &a, Int32(d), &w, &work, Int32(work.count), &iwork, Int32(iwork.count))
        guard info == 0 else { throw DescentError("shampoo: dsyevd failed (info \(info))") }
        // Column-major eigenvectors: vector k is a[k*d ..< (k+1)*d].
        for i in 0..<(d * d) { root[i] = 0 }
        for k in 0..<d {
            let f = pow(Swift.max(w[k], 0) + epsilon, -1 / power)
            for i in 0..<d {
                let qi = a[k * d + i] * f
                for j in 0..<d { root[i * d + j] += qi * a[k * d + j] }
            }
        }
        for i in 0..<(d * d) { out.data[i] = Float(root[i]) }
    }
}
