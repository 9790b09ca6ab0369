/* OpenBLAS, for PCA's symmetric rank-k update and eigen-solver only (the products run in
   oneDNN), loaded with dlopen on first use rather than linked.

   Why not linked: the pthread build of OpenBLAS (Debian's default) starts one thread per
   core from its constructor, before main. When the system refuses one (a process limit,
   `ulimit -u`), it prints its own messages and raises SIGINT, so the process dies with
   status 130 before it can say anything. Loaded here, after OPENBLAS_NUM_THREADS=1, it
   starts no thread at all (it runs single-threaded, as descent always ran it), and a
   library that cannot be loaded is an error the caller reports. */
#include "CKernels.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*ssyrk_fn)(int order, int uplo, int trans, int n, int k, float alpha, const float *a,
                         int lda, float beta, float *c, int ldc);
typedef void (*ssyevd_fn)(const char *jobz, const char *uplo, const int *n, float *a, const int *lda,
                          float *w, float *work, const int *lwork, int *iwork, const int *liwork,
                          int *info, size_t jobz_len, size_t uplo_len);

typedef void (*dsyrk_fn)(int order, int uplo, int trans, int n, int k, double alpha, const double *a,
                         int lda, double beta, double *c, int ldc);
typedef void (*dsyevd_fn)(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
                          double *w, double *work, const int *lwork, int *iwork, const int *liwork,
                          int *info, size_t jobz_len, size_t uplo_len);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static dsyevd_fn dsyevd;
static dsyrk_fn dsyrk;
static ssyrk_fn ssyrk;
static ssyevd_fn ssyevd;
static char failure[512];
static atomic_int loaded;
static const char *(*corename)(void);

/* OpenBLAS (0.3.21, Debian 12) picks its kernels from a table of CPU models and falls back
   to its SSE3 (Prescott) kernels on an Intel CPU newer than the table: on a Xeon of family 6,
   model 207, Shampoo's inverse roots (dsyevd, dsyrk) then ran several times slower than on
   an AMD Zen 5 of the same class. On Intel CPUs the kernels follow from the instruction
   sets: AVX-512 (F, CD, BW, DQ, VL) runs the SkylakeX kernels, AVX2 with FMA the Haswell
   ones. So unless the user set OPENBLAS_CORETYPE, it is set from CPUID here, before the
   constructor reads it. AMD CPUs are left to OpenBLAS's own choice (it knows Zen). */
static void choose_core(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (getenv("OPENBLAS_CORETYPE")) return;
    __builtin_cpu_init();
    if (!__builtin_cpu_is("intel")) return;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        setenv("OPENBLAS_CORETYPE", "Haswell", 1);
    }
#endif
}

static void load(void) {
    static const char *const names[] = {
        "libopenblas.so.0", "libopenblas.so", "libopenblas.0.dylib", "libopenblas.dylib",
        "/opt/homebrew/opt/openblas/lib/libopenblas.dylib", "/usr/local/opt/openblas/lib/libopenblas.dylib",
    };
    /* Read by OpenBLAS's constructor during dlopen. */
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    choose_core();
    void *library = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !library; i++) {
        library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!library && i == 0) snprintf(failure, sizeof failure, "%s", dlerror());
    }
    if (!library) return;
    ssyrk = (ssyrk_fn)dlsym(library, "cblas_ssyrk");
    ssyevd = (ssyevd_fn)dlsym(library, "ssyevd_");
    dsyevd = (dsyevd_fn)dlsym(library, "dsyevd_");   /* Shampoo's inverse roots; checked where used */
    dsyrk = (dsyrk_fn)dlsym(library, "cblas_dsyrk");
    corename = (const char *(*)(void))dlsym(library, "openblas_get_corename");
    if (!ssyrk || !ssyevd) {
        snprintf(failure, sizeof failure, "the OpenBLAS library loaded lacks %s", ssyrk ? "ssyevd_" : "cblas_ssyrk");
        ssyrk = NULL;
        ssyevd = NULL;
        return;
    }
    failure[0] = 0;
    atomic_store(&loaded, 1);
}

const char *descent_openblas_load(void) {
    pthread_once(&once, load);
    return ssyrk ? NULL : failure;
}

void descent_ssyrk_upper_transposed(int n, int k, float alpha, const float *a, int lda, float beta,
                                    float *c, int ldc) {
    /* CBLAS: CblasRowMajor 101, CblasUpper 121, CblasTrans 112. */
    ssyrk(101, 121, 112, n, k, alpha, a, lda, beta, c, ldc);
}

int descent_ssyevd(int n, float *a, int lda, float *w, float *work, int lwork, int *iwork, int liwork) {
    int info = 0;
    ssyevd("V", "L", &n, a, &lda, w, work, &lwork, iwork, &liwork, &info, 1, 1);
    return info;
}

int descent_openblas_loaded(void) { return atomic_load(&loaded); }

const char *descent_openblas_core(void) { return ssyrk && corename ? corename() : NULL; }

int descent_dsyevd_available(void) { return dsyevd != NULL && dsyrk != NULL; }

void descent_dsyrk_lower_transposed(int n, int k, double alpha, const double *a, int lda, double beta,
                                    double *c, int ldc) {
    /* CBLAS: CblasRowMajor 101, CblasLower 122, CblasTrans 112. */
    dsyrk(101, 122, 112, n, k, alpha, a, lda, beta, c, ldc);
}

int descent_dsyevd(int n, double *a, int lda, double *w, double *work, int lwork, int *iwork, int liwork) {
    int info = 0;
    dsyevd("V", "L", &n, a, &lda, w, work, &lwork, iwork, &liwork, &info, 1, 1);
    return info;
}
