import CKernels

/// OpenBLAS, which Descent loads on first use for LAPACK only: PCA's eigen-solver and
/// Shampoo's inverse roots (`InverseRoot`). The products run on oneDNN (`BLAS`).
///
/// OpenBLAS picks its kernels from a table of CPU models; on an Intel CPU newer than its
/// table, Debian's 0.3.21 falls back to SSE3 (Prescott) kernels. Unless `OPENBLAS_CORETYPE`
/// is set, Descent sets it on Intel CPUs from the instruction sets before loading the
/// library (AVX-512: SkylakeX, AVX2 with FMA: Haswell); AMD CPUs keep OpenBLAS's choice.
public enum OpenBLAS {
    /// The kernels it runs, e.g. `"OpenBLAS SkylakeX"`, or why it cannot be loaded.
    public static var kernels: String {
        if let failure = descent_openblas_load() { return "OpenBLAS not loaded (\(String(cString: failure)))" }
        return "OpenBLAS " + (descent_openblas_core().map { String(cString: $0) } ?? "(kernels not named)")
    }

    /// `kernels` if this process has loaded OpenBLAS (PCA or Shampoo used it), else nil:
    /// asking never loads it.
    public static var kernelsIfLoaded: String? { descent_openblas_loaded() != 0 ? kernels : nil }
}
