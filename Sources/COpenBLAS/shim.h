#ifndef DESCENT_COPENBLAS_SHIM_H
#define DESCENT_COPENBLAS_SHIM_H
#include <cblas.h>
/* Provided by OpenBLAS; declared here so the thread count can be set from Swift. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
#endif
