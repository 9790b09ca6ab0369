import CKernels
import Foundation

/// The inverse p-th root of a symmetric positive semi-definite matrix, by an
/// eigendecomposition in Double (LAPACK's `dsyevd`, from the OpenBLAS that PCA loads):
///
/// ```
/// A/s = Q·Λ·Qᵀ              A d × d (its lower triangle is read), s a scale (a bias correction)
/// (A/s + εI)^(−1/p) = Q·diag((max(λ, 0) + ε)^(−1/p))·Qᵀ = UᵀU,  U = diag(f^½)·Qᵀ
/// ```
/// rounded once to float32. Negative eigenvalues (rounding of a semi-definite matrix) count
/// as 0. The product UᵀU is one `cblas_dsyrk` (d³ multiply-adds, half a `dgemm`'s). Workspaces
/// are kept between calls (a steady state allocates nothing for a size seen before).
final class InverseRoot {
    private var a: [Double] = [], w: [Double] = [], work: [Double] = [], iwork: [Int32] = []
    private var root: [Double] = []

    /// Writes (A/scale + εI)^(−1/power) into `out` (d × d); throws when LAPACK is missing or fails.
    func compute(_ matrix: Tensor, scale: Double, epsilon: Double, power: Double, into out: Tensor) throws {
        let d = matrix.rows
        if let failure = descent_openblas_load() {
            throw DescentError("shampoo: cannot load OpenBLAS for the inverse roots: \(String(cString: failure))")
        }
        guard descent_dsyevd_available() != 0 else { throw DescentError("shampoo: the OpenBLAS loaded has no dsyevd or cblas_dsyrk") }
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
        a.withUnsafeMutableBufferPointer { a in
            let m = matrix.data
            for i in 0..<d {
                for j in 0...i {
                    let v = Double(m[i * d + j]) / scale
                    a[i * d + j] = v
                    a[j * d + i] = v
                }
            }
        }
        let info = descent_dsyevd(Int32(d), &a, Int32(d), &w, &work, Int32(work.count), &iwork, Int32(iwork.count))
        guard info == 0 else { throw DescentError("shampoo: dsyevd failed (info \(info))") }
        // Column-major eigenvectors: vector k is a[k*d ..< (k+1)*d], row k of a row-major d × d
        // matrix Qᵀ. Scaled by f_k^½, it is U; UᵀU's lower triangle, mirrored, is the root.
        a.withUnsafeMutableBufferPointer { a in
            for k in 0..<d {
                let f = pow(Swift.max(w[k], 0) + epsilon, -0.5 / power)
                for i in 0..<d { a[k * d + i] *= f }
            }
        }
        descent_dsyrk_lower_transposed(Int32(d), Int32(d), 1, a, Int32(d), 0, &root, Int32(d))
        root.withUnsafeBufferPointer { r in
            let o = out.data
            for i in 0..<d {
                for j in 0...i {
                    let v = Float(r[i * d + j])
                    o[i * d + j] = v
                    o[j * d + i] = v
                }
            }
        }
    }
}
