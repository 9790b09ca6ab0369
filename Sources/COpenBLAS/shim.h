#ifndef DESCENT_COPENBLAS_SHIM_H
#define DESCENT_COPENBLAS_SHIM_H
#include <stddef.h>
#include <cblas.h>
/* Provided by OpenBLAS; declared here so the thread count can be set from Swift. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
/* LAPACK symmetric eigen-solver (divide and conquer), bundled in OpenBLAS. Fortran ABI:
   column-major, arguments by pointer, trailing hidden lengths of the character arguments. */
void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w,
             float *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t uplo_len);
#endif
