/* The vector instruction sets the CPU and the operating system report, read from CPUID and
   XGETBV directly (not from a table of CPU models), so that a test can check that the
   kernels in use are the best the machine offers. */
#include "CKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* XCR0: which register states the OS saves, hence which instructions it lets run. */
static unsigned long long xcr0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

unsigned int descent_cpu_features(void) {
    unsigned int a, b, c, d, features = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1, sse41 = (c >> 19) & 1;
    if (sse41) features |= DESCENT_CPU_SSE41;
    unsigned long long xcr = osxsave ? xcr0() : 0;
    int ymm = (xcr & 0x6) == 0x6;          /* SSE and AVX state */
    int zmm = ymm && (xcr & 0xe0) == 0xe0; /* opmask, upper ZMM0-15, ZMM16-31 */
    int tiles = (xcr & 0x60000) == 0x60000; /* XTILECFG and XTILEDATA */
    if (avx && ymm) features |= DESCENT_CPU_AVX;
    if (__get_cpuid_max(0, 0) < 7) return features;
    __cpuid_count(7, 0, a, b, c, d);
    int avx2 = (b >> 5) & 1, f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
    int vnni512 = (c >> 11) & 1;
    int amx = ((d >> 24) & 1) && ((d >> 25) & 1) && ((d >> 22) & 1); /* tile, int8, bf16 */
    unsigned int a1 = 0, b1, c1, d1;
    __cpuid_count(7, 1, a1, b1, c1, d1);
    int vnni256 = (a1 >> 4) & 1, bf16 = (a1 >> 5) & 1;
    if (avx2 && fma && ymm) features |= DESCENT_CPU_AVX2;
    if ((features & DESCENT_CPU_AVX2) && vnni256) features |= DESCENT_CPU_AVX_VNNI;
    if ((features & DESCENT_CPU_AVX2) && f && dq && bw && vl && zmm) features |= DESCENT_CPU_AVX512_CORE;
    if ((features & DESCENT_CPU_AVX512_CORE) && vnni512) features |= DESCENT_CPU_AVX512_VNNI;
    if ((features & DESCENT_CPU_AVX512_CORE) && bf16) features |= DESCENT_CPU_AVX512_BF16;
    if ((features & DESCENT_CPU_AVX512_CORE) && amx && tiles) features |= DESCENT_CPU_AMX;
    return features;
}
#else
unsigned int descent_cpu_features(void) { return 0; }
#endif
