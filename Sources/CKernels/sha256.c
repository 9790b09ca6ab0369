/* SHA-256 compression (FIPS 180-4) over whole 64-byte blocks, for Swift's SHA256 (downloads
   are verified with it, and every run's data are fingerprinted with it: 55 MB per process).
   x86-64 CPUs with the SHA extensions (sha_ni: AMD Zen, Intel since Ice Lake / Goldmont)
   run the rounds in sha256rnds2, message schedule in sha256msg1/msg2, about 7x faster than
   the portable loop; the choice is made at run time (__builtin_cpu_supports), and both give
   the same digests (tested). */
#include "CKernels.h"

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* The portable rounds: w is the message schedule, a…h the working variables. */
static void blocks_portable(uint32_t s[8], const unsigned char *p, long blocks) {
    uint32_t w[64];
    for (; blocks > 0; blocks--, p += 64) {
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
        for (int i = 0; i < 64; i++) {
            uint32_t t1 = h + (ROTR(e, 6) ^ ROTR(e, 11) ^ ROTR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
            uint32_t t2 = (ROTR(a, 2) ^ ROTR(a, 13) ^ ROTR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        s[0] += a; s[1] += b; s[2] += c; s[3] += d; s[4] += e; s[5] += f; s[6] += g; s[7] += h;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
/* The state lives in two vectors, ABEF and CDGH (the order sha256rnds2 wants); each of the
   16 groups of 4 rounds adds K to 4 schedule words x[g] and runs two double rounds. The
   schedule keeps the last four groups: x[g] = msg2(msg1(x[g-4], x[g-3]) + (words 4g-7…4g-4),
   x[g-1]), the words 4g-7… being alignr(x[g-1], x[g-2], 4). */
__attribute__((target("sha,sse4.1")))
static void blocks_sha_ni(uint32_t s[8], const unsigned char *p, long blocks) {
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i dcba = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)s), 0xB1);
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(s + 4)), 0x1B);
    __m128i abef = _mm_alignr_epi8(dcba, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, dcba, 0xF0);
    for (; blocks > 0; blocks--, p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh, x[4];
        for (int g = 0; g < 16; g++) {
            __m128i m = g < 4 ? _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * g)), swap)
                : _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(x[g & 3], x[(g + 1) & 3]),
                                                     _mm_alignr_epi8(x[(g + 3) & 3], x[(g + 2) & 3], 4)), x[(g + 3) & 3]);
            x[g & 3] = m;
            __m128i wk = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)(K + 4 * g)));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)s, _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)(s + 4), _mm_alignr_epi8(dchg, feba, 8));
}
#endif

int descent_sha256_uses_sha_ni(void) {
#if defined(__x86_64__)
    return __builtin_cpu_supports("sha");
#else
    return 0;
#endif
}

void descent_sha256_blocks(uint32_t state[8], const unsigned char *data, long blocks) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sha")) { blocks_sha_ni(state, data, blocks); return; }
#endif
    blocks_portable(state, data, blocks);
}
void descent_sha256_blocks_portable(uint32_t state[8], const unsigned char *data, long blocks) {
    blocks_portable(state, data, blocks);
}
