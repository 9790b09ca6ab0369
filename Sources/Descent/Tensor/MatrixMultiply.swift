import CDNNL
import CKernels
import Foundation

/// Matrix products through oneDNN's `sgemm` (row-major).
///
/// ```
/// C ← α · op(A) · op(B) + β · C,   op(X) = X or Xᵀ
/// ```
/// `A`, `B`, `C` are 2-D tensors; with `transposeA` the product uses Aᵀ, etc.
/// `β = 1` accumulates into C, which is how parameter gradients are summed (`+=`).
/// After `Parallel.setThreads(n)`, a product of at least `splitMinimumFlops` is split into
/// `n` blocks of rows (or columns) of C, one single-threaded oneDNN call per pool thread.
///
/// oneDNN chooses its kernels when it is loaded, from the instruction sets the CPU reports
/// (`instructionSet`, e.g. `avx512_core_bf16`; `ONEDNN_MAX_CPU_ISA` caps it), never from a
/// table of CPU models, so a CPU newer than the library still gets its widest vectors.
/// Another instruction set may round products differently: records keep `kernels`.
/// OpenBLAS remains for the symmetric rank-k update and the eigen-solver of `PCA` (LAPACK),
/// loaded on first use and single-threaded (`Sources/CKernels/openblas.c`).
public enum BLAS {
    /// Runs each product on `n` of oneDNN's own (OpenMP) threads, not split over the pool
    /// (`Parallel.setThreads` switches back to splitting, with single-threaded calls).
    public static func setThreads(_ n: Int) {
        libraryThreads.update { $0 = Swift.max(1, n) }
        Parallel.splitting.update { $0 = false }
    }
    /// The number of threads a product that is not split runs on.
    public static var threads: Int { Parallel.splitsProducts ? 1 : libraryThreads.current }
    @usableFromInline static let libraryThreads = Locked(1)

    /// The instruction set oneDNN's kernels run (`dnnl_get_effective_cpu_isa`).
    public static var instructionSet: InstructionSet { InstructionSet(rawValue: UInt32(dnnl_get_effective_cpu_isa().rawValue)) }
    /// oneDNN's version, e.g. `"2.6.3"`.
    public static var libraryVersion: String {
        guard let v = dnnl_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.patch)"
    }
    /// What computes the products, as records keep it: library, version and instruction set,
    /// e.g. `"oneDNN 2.6.3 avx512_core_bf16"`.
    public static var kernels: String { "oneDNN \(libraryVersion) \(instructionSet.name)" }

    /// The arguments of one `sgemm` call (row-major), as `recordingCalls` records it, with the
    /// addresses of its operands (so a replay can give each distinct array its own buffer).
    public struct Call: Hashable, Sendable {
        public var m, n, k, lda, ldb, ldc: Int
        public var transposeA, transposeB: Bool
        public var alpha, beta: Float
        public var addressA: UInt = 0, addressB: UInt = 0, addressC: UInt = 0
        /// For a call issued by `gemmUnsplit` inside a pass over the examples of a batch
        /// (`ExampleLanes`): the number of that pass (1, 2, …) and the part of the pass that
        /// made the call (one part per thread). 0 for a call of `gemm`, split over the pool.
        public var pass = 0, part = 0
        public init(m: Int, n: Int, k: Int, lda: Int, ldb: Int, ldc: Int, transposeA: Bool,
                    transposeB: Bool, alpha: Float, beta: Float) {
            (self.m, self.n, self.k, self.lda, self.ldb, self.ldc) = (m, n, k, lda, ldb, ldc)
            (self.transposeA, self.transposeB, self.alpha, self.beta) = (transposeA, transposeB, alpha, beta)
        }
        /// Floating-point operations of the call (2·m·n·k).
        public var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
        /// Floats spanned by A, B and C (row-major with their leading dimensions).
        public var extents: (a: Int, b: Int, c: Int) {
            ((transposeA ? k : m) * lda, (transposeB ? n : k) * ldb, m * ldc)
        }
    }

    /// Runs `body` and returns the arguments of every `gemm` call made meanwhile (by any
    /// thread), in order: benchmarks replay a training step's exact GEMM sequence.
    ///
    /// ```swift
    /// let calls = try BLAS.recordingCalls { _ = try trainer.trainEpoch(.images(slice)) }
    /// calls.reduce(0) { $0 + $1.flops }
    /// ```
    public static func recordingCalls(_ body: () throws -> Void) rethrows -> [Call] {
        recording.update { $0 = Recording() }
        descent_set_recording_calls(1)
        defer {
            descent_set_recording_calls(0)
            recording.update { $0 = nil }
        }
        try body()
        return recording.current?.calls ?? []
    }

    /// What `recordingCalls` collects: the calls, and the number of the current pass over
    /// the examples of a batch (`ExampleLanes` starts one per layer pass).
    @usableFromInline struct Recording: Sendable {
        @usableFromInline var calls: [Call] = []
        @usableFromInline var pass = 0
        @usableFromInline init() {}
    }
    /// The recording under way (nil when not recording).
    @usableFromInline static let recording = Locked<Recording?>(nil)

    /// Starts a new pass over the examples of a batch, while recording.
    static func beginPass() { if descent_recording_calls() != 0 { recording.update { r in r?.pass += 1 } } }

    /// Records one call while `recordingCalls` runs (`part` is nil for a split `gemm`).
    @usableFromInline
    static func record(m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                       _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                       _ c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float, part: Int?) {
        recording.update { r in
            guard r != nil else { return }
            var call = Call(m: m, n: n, k: k, lda: lda, ldb: ldb, ldc: ldc, transposeA: transposeA,
                            transposeB: transposeB, alpha: alpha, beta: beta)
            (call.addressA, call.addressB, call.addressC) = (UInt(bitPattern: a), UInt(bitPattern: b), UInt(bitPattern: c))
            if let part { (call.pass, call.part) = (r!.pass, part) }
            r!.calls.append(call)
        }
    }

    /// `C ← α op(A) op(B) + β C`; shapes are checked.
    public static func gemm(_ a: Tensor, transposeA: Bool = false,
                            _ b: Tensor, transposeB: Bool = false,
                            into c: Tensor, alpha: Float = 1, beta: Float = 0) {
        let (ar, ac) = (a.rows, a.columns)
        let (br, bc) = (b.rows, b.columns)
        let m = transposeA ? ac : ar
        let k = transposeA ? ar : ac
        let kb = transposeB ? bc : br
        let n = transposeB ? br : bc
        precondition(k == kb, "gemm: inner dimensions differ (\(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : ""))")
        precondition(c.rows == m && c.columns == n, "gemm: output \(c.shape) is not \(m)×\(n)")
        gemm(m: m, n: n, k: k, a.data, lda: ac, transposeA: transposeA,
             b.data, ldb: bc, transposeB: transposeB, c.data, ldc: n, alpha: alpha, beta: beta)
    }

    /// Raw row-major sgemm on pointers.
    @inlinable
    public static func gemm(m: Int, n: Int, k: Int,
                            _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                            _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                            _ c: UnsafeMutablePointer<Float>, ldc: Int,
                            alpha: Float = 1, beta: Float = 0) {
        if m == 0 || n == 0 { return }
        if descent_recording_calls() != 0 {  // one atomic load per product otherwise
            record(m: m, n: n, k: k, a, lda: lda, transposeA: transposeA, b, ldb: ldb, transposeB: transposeB,
                   c, ldc: ldc, alpha: alpha, beta: beta, part: nil)
        }
        let parts = Parallel.splitsProducts && 2 * m * n * k >= splitMinimumFlops ? Swift.min(Parallel.threads, Swift.max(m, n) / 16) : 1
        if parts <= 1 {
            sgemm(m: m, n: n, k: k, a, lda: lda, transposeA: transposeA, b, ldb: ldb, transposeB: transposeB,
                  c, ldc: ldc, alpha: alpha, beta: beta, threads: threads)
            return
        }
        // Split C into `parts` blocks of rows (or of columns when it is wider than tall), in
        // multiples of 16: one independent single-threaded oneDNN product over all of k
        // per Parallel thread (no reduction across threads).
        let byRows = m >= n
        let blocks = ((byRows ? m : n) + 15) / 16
        Parallel.run(parts: parts) { part, parts in
            let lo = Swift.min(16 * (blocks * part / parts), byRows ? m : n)
            let hi = Swift.min(16 * (blocks * (part + 1) / parts), byRows ? m : n)
            guard hi > lo else { return }
            if byRows {
                sgemm(m: hi - lo, n: n, k: k, a + (transposeA ? lo : lo * lda), lda: lda, transposeA: transposeA,
                      b, ldb: ldb, transposeB: transposeB, c + lo * ldc, ldc: ldc, alpha: alpha, beta: beta)
            } else {
                sgemm(m: m, n: hi - lo, k: k, a, lda: lda, transposeA: transposeA,
                      b + (transposeB ? lo * ldb : lo), ldb: ldb, transposeB: transposeB, c + lo, ldc: ldc,
                      alpha: alpha, beta: beta)
            }
        }
    }

    /// `C ← α op(A) op(B) + β C` on the calling thread, never split: for the products of a pass
    /// that is already split over the pool, one example per call (convolutions). `part` is the
    /// part of the pass making the call (as `recordingCalls` records it).
    @inlinable
    public static func gemmUnsplit(m: Int, n: Int, k: Int,
                                   _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                                   _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                                   _ c: UnsafeMutablePointer<Float>, ldc: Int,
                                   alpha: Float = 1, beta: Float = 0, part: Int) {
        if m == 0 || n == 0 { return }
        if descent_recording_calls() != 0 {
            record(m: m, n: n, k: k, a, lda: lda, transposeA: transposeA, b, ldb: ldb, transposeB: transposeB,
                   c, ldc: ldc, alpha: alpha, beta: beta, part: part)
        }
        sgemm(m: m, n: n, k: k, a, lda: lda, transposeA: transposeA, b, ldb: ldb, transposeB: transposeB,
              c, ldc: ldc, alpha: alpha, beta: beta)
    }

    /// Products below this many floating-point operations run on one thread.
    public static let splitMinimumFlops = 2_000_000

    /// One oneDNN call on `threads` threads (1: the calling thread alone). oneDNN checks the
    /// arguments; the callers' shapes are checked already, so a failure is a bug.
    @usableFromInline
    static func sgemm(m: Int, n: Int, k: Int,
                      _ a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                      _ b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                      _ c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float, threads: Int = 1) {
        let status = descent_dnnl_sgemm(Int32(threads), transposeA ? 84 : 78, transposeB ? 84 : 78,  // "T" or "N"
                                        m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        precondition(status == dnnl_success, "dnnl_sgemm failed (status \(status.rawValue)) for \(m)×\(n)×\(k)")
    }
}
