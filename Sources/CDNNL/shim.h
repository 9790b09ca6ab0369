#ifndef DESCENT_CDNNL_SHIM_H
#define DESCENT_CDNNL_SHIM_H
/* oneDNN (Debian libdnnl-dev, Homebrew onednn): its sgemm chooses kernels at run time from
   the instruction sets the CPU reports (AVX2, AVX-512, ...), not from a table of CPU models.
   Debian's build runs on OpenMP (libgomp). */
#include <oneapi/dnnl/dnnl.h>

/* libgomp; declared here rather than through <omp.h>, which needs -fopenmp. */
void omp_set_num_threads(int num_threads);

/* Row-major C <- alpha op(A) op(B) + beta C on `threads` OpenMP threads of the calling thread.
   OpenMP's thread count is a per-thread setting: it is set on each calling thread once
   (and again only when `threads` changes), so a product issued by a pool thread with
   threads = 1 runs on that thread alone. */
static inline dnnl_status_t descent_dnnl_sgemm(int threads, char transa, char transb,
                                               long m, long n, long k, float alpha,
                                               const float *a, long lda, const float *b, long ldb,
                                               float beta, float *c, long ldc) {
    static _Thread_local int current = 0;
    if (current != threads) {
        omp_set_num_threads(threads);
        current = threads;
    }
    return dnnl_sgemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
#endif
