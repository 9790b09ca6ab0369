/* Single-threaded sgemm on the shapes Descent's workloads issue: oneDNN's dnnl_sgemm against
   OpenBLAS's cblas_sgemm, GFLOP/s and microseconds per call, best of 200 rounds of 10 calls,
   and the largest difference between the two results. Built and run by
   Tools/measure/measure-kernels.sh; docs/ARCHITECTURE.md ("Products") quotes its output. */
#include <oneapi/dnnl/dnnl.h>
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

void omp_set_num_threads(int);

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

typedef struct { const char *what; int m, n, k; char ta, tb; } Shape;

int main(void) {
    omp_set_num_threads(1);
    openblas_set_num_threads(1);
    printf("oneDNN instruction set 0x%x (dnnl_cpu_isa_t), OpenBLAS core %s\n",
           (unsigned)dnnl_get_effective_cpu_isa(), openblas_get_corename());
    Shape shapes[] = {
        {"seed-mlp forward, 784 units", 128, 784, 784, 'N', 'T'},
        {"seed-mlp weight gradient", 784, 784, 128, 'T', 'N'},
        {"seed-mlp input gradient", 128, 784, 784, 'N', 'N'},
        {"seed-mlp forward, 10 outputs", 128, 10, 784, 'N', 'T'},
        {"seed-mlp weight gradient, 10 outputs", 10, 784, 128, 'T', 'N'},
        {"seed-mlp input gradient, 10 outputs", 128, 784, 10, 'N', 'N'},
        {"seed-ae forward", 128, 100, 784, 'N', 'T'},
        {"a 4x4x4 call (fixed cost)", 4, 4, 4, 'N', 'N'},
        {"lenet5 conv1 forward, one example", 6, 784, 25, 'N', 'N'},
        {"lenet5 conv2 forward, one example", 16, 100, 150, 'N', 'N'},
        {"fmnist-2c2d conv1 forward, one example", 32, 784, 25, 'N', 'N'},
        {"fmnist-2c2d conv2 forward, one example", 64, 196, 800, 'N', 'N'},
        {"fmnist-2c2d conv2 weight gradient", 800, 64, 196, 'N', 'T'},
        {"fmnist-2c2d conv2 input gradient", 800, 196, 64, 'T', 'N'},
    };
    size_t size = 1 << 20;
    float *a = aligned_alloc(64, 4 * size), *b = aligned_alloc(64, 4 * size);
    float *c = aligned_alloc(64, 4 * size), *c2 = aligned_alloc(64, 4 * size);
    srand(1);
    for (size_t i = 0; i < size; i++) { a[i] = rand() % 1000 / 1000.0f - 0.5f; b[i] = rand() % 1000 / 1000.0f - 0.5f; }
    for (size_t q = 0; q < sizeof shapes / sizeof shapes[0]; q++) {
        Shape x = shapes[q];
        int lda = x.ta == 'N' ? x.k : x.m, ldb = x.tb == 'N' ? x.n : x.k;
        double best1 = 1e9, best2 = 1e9;
        for (int r = 0; r < 200; r++) {
            double t0 = now();
            for (int z = 0; z < 10; z++) dnnl_sgemm(x.ta, x.tb, x.m, x.n, x.k, 1.f, a, lda, b, ldb, 0.f, c, x.n);
            double t1 = now();
            for (int z = 0; z < 10; z++)
                cblas_sgemm(CblasRowMajor, x.ta == 'N' ? CblasNoTrans : CblasTrans, x.tb == 'N' ? CblasNoTrans : CblasTrans,
                            x.m, x.n, x.k, 1.f, a, lda, b, ldb, 0.f, c2, x.n);
            double t2 = now();
            if ((t1 - t0) / 10 < best1) best1 = (t1 - t0) / 10;
            if ((t2 - t1) / 10 < best2) best2 = (t2 - t1) / 10;
        }
        double diff = 0;
        for (long i = 0; i < (long)x.m * x.n; i++) { double d = c[i] - c2[i]; if (d < 0) d = -d; if (d > diff) diff = d; }
        double flop = 2.0 * x.m * x.n * x.k;
        printf("%-40s %4dx%4dx%4d %c%c  oneDNN %8.2f us %6.1f GFLOP/s  OpenBLAS %8.2f us %6.1f GFLOP/s  max diff %.1e\n",
               x.what, x.m, x.n, x.k, x.ta, x.tb, best1 * 1e6, flop / best1 / 1e9, best2 * 1e6, flop / best2 / 1e9, diff);
    }
    return 0;
}
