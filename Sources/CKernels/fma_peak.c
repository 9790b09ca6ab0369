/* The floating-point peak of one core: independent fused multiply-adds on registers only,
   with the widest vectors the CPU offers (AVX-512, else AVX2+FMA), enough of them in flight
   to cover the FMA units' latency. descent-bench measures products against it. */
#include "CKernels.h"
#include <time.h>

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#if defined(__x86_64__) && defined(__clang__)
typedef float f16v __attribute__((vector_size(64)));
typedef float f8v __attribute__((vector_size(32)));

/* 16 chains of 16-lane FMAs: 2 units × 4 cycles of latency need 8 in flight. */
__attribute__((target("avx512f"), noinline))
static float peak_avx512(long rounds) {
    f16v acc[16], x = {0}, y = {0};
    for (int i = 0; i < 16; i++) acc[i] = (f16v){0} + (float)i;
    for (int i = 0; i < 16; i++) { x[i] = 0.999999f; y[i] = 1e-7f; }
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < 16; i++) acc[i] = __builtin_elementwise_fma(acc[i], x, y);
        __asm__ volatile("" : "+v"(acc[0]), "+v"(acc[8]));
    }
    f16v s = {0};
    for (int i = 0; i < 16; i++) s += acc[i];
    return s[0];
}

/* 12 chains of 8-lane FMAs (16 vector registers in all). */
__attribute__((target("avx2,fma"), noinline))
static float peak_avx2(long rounds) {
    f8v acc[12], x, y;
    for (int i = 0; i < 12; i++) acc[i] = (f8v){0} + (float)i;
    for (int i = 0; i < 8; i++) { x[i] = 0.999999f; y[i] = 1e-7f; }
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < 12; i++) acc[i] = __builtin_elementwise_fma(acc[i], x, y);
        __asm__ volatile("" : "+x"(acc[0]), "+x"(acc[6]));
    }
    f8v s = {0};
    for (int i = 0; i < 12; i++) s += acc[i];
    return s[0];
}

double descent_fma_peak_gflops(double seconds) {
    unsigned int features = descent_cpu_features();
    int wide = (features & DESCENT_CPU_AVX512_CORE) != 0;
    if (!wide && !(features & DESCENT_CPU_AVX2)) return 0;
    double flopsPerRound = wide ? 16.0 * 16 * 2 : 12.0 * 8 * 2;
    long rounds = 1 << 16;
    double best = 0, start = seconds_now();
    volatile float sink = 0;
    while (seconds_now() - start < seconds) {
        double t0 = seconds_now();
        sink += wide ? peak_avx512(rounds) : peak_avx2(rounds);
        double t = seconds_now() - t0;
        if (t > 0 && flopsPerRound * (double)rounds / t / 1e9 > best) best = flopsPerRound * (double)rounds / t / 1e9;
    }
    (void)sink;
    return best;
}
#else
double descent_fma_peak_gflops(double seconds) { (void)seconds; return 0; }
#endif
