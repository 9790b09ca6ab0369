#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Compile each kernel twice, for AVX2+FMA (x86-64-v3) and for the baseline, and pick at
   load time (ELF ifunc via target_clones). "arch=x86-64-v3" dispatches on CPU features;
   "arch=haswell" would dispatch on the CPU model and never pick the AVX2 clone on AMD.
   Elsewhere a single baseline version is built. */
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define DESCENT_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define DESCENT_CLONES
#endif

/* exp(x) for float: x = k ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 polynomial
   (Cephes expf coefficients), 2^k built in the exponent bits.  Inputs are clamped
   to [-87.3, 88.7] so the result stays finite and normal; ~2 ulp on that range. */
static inline float descent_expf_poly(float x) {
    const float hi = 88.7228391f, lo = -87.3365448f;
    x = x > hi ? hi : (x < lo ? lo : x);
    float kf = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - kf * 0.693359375f;
    r = r - kf * -2.12194440e-4f;
    float r2 = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r2 + r + 1.0f;
    int32_t k = (int32_t)kf;
    int32_t bits = (k + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

DESCENT_CLONES
void descent_exp(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = descent_expf_poly(x[i]);
}

DESCENT_CLONES
void descent_sigmoid(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = 1.0f / (1.0f + descent_expf_poly(-x[i]));
}

static inline float descent_tanhf_poly(float x) {
    /* tanh(x) = sign(x) (1 - 2 / (exp(2|x|) + 1)); for tiny |x| use x - x^3/3 to keep
       relative accuracy near zero. */
    float a = x < 0 ? -x : x;
    float e = descent_expf_poly(2.0f * a);
    float t = 1.0f - 2.0f / (e + 1.0f);
    float small = a * (1.0f - a * a * (1.0f / 3.0f));
    t = a < 0.004f ? small : t;
    return x < 0 ? -t : t;
}

/* The activations whose derivative is written from their input z (kinds 5 and 6):
   GELU, the erf form of torch.nn.GELU():  y = z Φ(z) = z (1 + erf(z/√2)) / 2,  y' = Φ(z) + z φ(z);
   SiLU, torch.nn.SiLU():                   y = z σ(z),                          y' = σ(z) (1 + z (1 − σ(z))).
   LeakyReLU (kind 4) has torch's default negative slope 0.01: y = z if z > 0, else 0.01 z. */
static inline float descent_sigmoidf(float z) { return 1.0f / (1.0f + descent_expf_poly(-z)); }
static inline float descent_gelu(float z) { return 0.5f * z * (1.0f + erff(z * 0.70710678118654752f)); }
static inline float descent_gelu_grad(float z) {
    return 0.5f * (1.0f + erff(z * 0.70710678118654752f)) + z * 0.39894228040143268f * expf(-0.5f * z * z);
}
static inline float descent_silu(float z) { return z * descent_sigmoidf(z); }
static inline float descent_silu_grad(float z) { float s = descent_sigmoidf(z); return s * (1.0f + z * (1.0f - s)); }
#define DESCENT_LEAKY_SLOPE 0.01f

/* f(v) for the activations of kinds 4–6 (1–3 have their own vector loops). */
static inline float descent_activation_value(float v, int kind) {
    switch (kind) {
    case 4: return v > 0.0f ? v : DESCENT_LEAKY_SLOPE * v;
    case 5: return descent_gelu(v);
    case 6: return descent_silu(v);
    default: return v;
    }
}

DESCENT_CLONES
void descent_activation_forward(const float *z, float *y, long n, int kind) {
    for (long i = 0; i < n; i++) y[i] = descent_activation_value(z[i], kind);
}

DESCENT_CLONES
void descent_tanh(const float *x, float *y, long n) {
    for (long i = 0; i < n; i++) y[i] = descent_tanhf_poly(x[i]);
}

DESCENT_CLONES
void descent_bias_activation(float *y, const float *bias, long rows, long cols, int kind) {
    for (long r = 0; r < rows; r++) {
        float *row = y + r * cols;
        switch (kind) {
        case 1:
            for (long c = 0; c < cols; c++) { float v = row[c] + bias[c]; row[c] = v > 0.0f ? v : 0.0f; }
            break;
        case 2:
            for (long c = 0; c < cols; c++) row[c] = 1.0f / (1.0f + descent_expf_poly(-(row[c] + bias[c])));
            break;
        case 3:
            for (long c = 0; c < cols; c++) row[c] = descent_tanhf_poly(row[c] + bias[c]);
            break;
        case 4: case 5: case 6:
            for (long c = 0; c < cols; c++) row[c] = descent_activation_value(row[c] + bias[c], kind);
            break;
        default:
            for (long c = 0; c < cols; c++) row[c] += bias[c];
        }
    }
}

double descent_softmax_xent(const float *logits, const unsigned char *labels, float *grad,
                            long rows, long cols, float scale, long *correct) {
    double total = 0.0;
    long hits = 0;
    for (long r = 0; r < rows; r++) {
        const float *z = logits + r * cols;
        long argmax = 0;
        float m = z[0];
        for (long c = 1; c < cols; c++) if (z[c] > m) { m = z[c]; argmax = c; }
        double sum = 0.0;
        for (long c = 0; c < cols; c++) sum += exp((double)(z[c] - m));
        double logsum = log(sum);
        long y = labels[r];
        total += logsum - (double)(z[y] - m);
        if (argmax == y) hits++;
        if (grad) {
            float *g = grad + r * cols;
            for (long c = 0; c < cols; c++) {
                double p = exp((double)(z[c] - m) - logsum);
                g[c] = (float)(p - (c == y ? 1.0 : 0.0)) * scale;
            }
        }
    }
    if (correct) *correct = hits;
    return total;
}

/* Counter-based 32-bit hash (two rounds of the murmur3 finaliser, keyed), used for
   Bernoulli masks: element i of a call draws hash(i) independently of the others, so the
   loop vectorises (8 lanes on AVX2) instead of walking a serial generator. */
static inline uint32_t descent_hash32(uint32_t i, uint32_t k0, uint32_t k1) {
    uint32_t h = i * 0x9E3779B1u + k0;
    h ^= h >> 16; h *= 0x85EBCA6Bu; h ^= h >> 13; h *= 0xC2B2AE35u; h ^= h >> 16;
    h ^= k1;
    h ^= h >> 16; h *= 0x85EBCA6Bu; h ^= h >> 13; h *= 0xC2B2AE35u; h ^= h >> 16;
    return h;
}

DESCENT_CLONES
void descent_dropout(const float *x, float *y, float *mask, long n, uint32_t threshold,
                     float keep, uint32_t k0, uint32_t k1, long first_index) {
    uint32_t base = (uint32_t)first_index;
    if (mask) {
        for (long i = 0; i < n; i++) {
            float s = (descent_hash32(base + (uint32_t)i, k0, k1) >> 8) < threshold ? 0.0f : keep;
            mask[i] = s;
            y[i] = x[i] * s;
        }
    } else {
        for (long i = 0; i < n; i++) {
            float s = (descent_hash32(base + (uint32_t)i, k0, k1) >> 8) < threshold ? 0.0f : keep;
            y[i] = x[i] * s;
        }
    }
}

DESCENT_CLONES
void descent_bias_relu_dropout(float *y, const float *bias, long rows, long cols, uint32_t threshold,
                               float keep, uint32_t k0, uint32_t k1, long first_index) {
    for (long r = 0; r < rows; r++) {
        float *row = y + r * cols;
        uint32_t base = (uint32_t)(first_index + r * cols);
        for (long c = 0; c < cols; c++) {
            float v = row[c] + bias[c];
            v = v > 0.0f ? v : 0.0f;
            float s = (descent_hash32(base + (uint32_t)c, k0, k1) >> 8) < threshold ? 0.0f : keep;
            row[c] = v * s;
        }
    }
}

DESCENT_CLONES
void descent_relu_dropout_backward(const float *y, const float *g, float *out, float *bias_grad,
                                   int bias_overwrite, long rows, long cols, long ld, float keep) {
    if (bias_overwrite) memset(bias_grad, 0, (size_t)cols * sizeof(float));
    for (long r = 0; r < rows; r++) {
        const float *yr = y + r * ld, *gr = g + r * ld;
        float *o = out + r * ld;
        for (long c = 0; c < cols; c++) o[c] = yr[c] > 0.0f ? gr[c] * keep : 0.0f;
        for (long c = 0; c < cols; c++) bias_grad[c] += o[c];
    }
}

DESCENT_CLONES
void descent_bytes_to_float_masked(const unsigned char *src, float *clean, float *masked, long n,
                                   float divisor, uint32_t threshold, float keep, uint32_t k0, uint32_t k1,
                                   long first_index) {
    for (long i = 0; i < n; i++) {
        float v = (float)src[i] / divisor;
        clean[i] = v;
        masked[i] = (descent_hash32((uint32_t)(first_index + i), k0, k1) >> 8) < threshold ? 0.0f : v * keep;
    }
}

/* o = g * f'(y) over n values, f' written from the output y of activation `kind` (1 ReLU,
   2 sigmoid, 3 tanh; otherwise the identity, a copy unless o is g). Always inlined, so each
   clone computes it as if written in its caller (contraction into FMA included). */
static inline __attribute__((always_inline)) void activation_derivative(const float *y, const float *g, float *o,
                                                                        long n, int kind) {
    switch (kind) {
    case 1: for (long i = 0; i < n; i++) o[i] = y[i] > 0.0f ? g[i] : 0.0f; break;
    case 2: for (long i = 0; i < n; i++) o[i] = g[i] * y[i] * (1.0f - y[i]); break;
    case 3: for (long i = 0; i < n; i++) o[i] = g[i] * (1.0f - y[i] * y[i]); break;
    case 4: for (long i = 0; i < n; i++) o[i] = y[i] > 0.0f ? g[i] : g[i] * DESCENT_LEAKY_SLOPE; break;
    case 5: for (long i = 0; i < n; i++) o[i] = g[i] * descent_gelu_grad(y[i]); break;
    case 6: for (long i = 0; i < n; i++) o[i] = g[i] * descent_silu_grad(y[i]); break;
    default: if (o != g) for (long i = 0; i < n; i++) o[i] = g[i];
    }
}

DESCENT_CLONES
void descent_activation_backward(const float *y, const float *g, float *out, float *bias_grad,
                                 int bias_overwrite, long rows, long cols, long ld, int kind) {
    if (bias_grad && bias_overwrite) memset(bias_grad, 0, (size_t)cols * sizeof(float));
    for (long r = 0; r < rows; r++) {
        const float *yr = y + r * ld, *gr = g + r * ld;
        float *o = out + r * ld;
        activation_derivative(yr, gr, o, cols, kind);
        if (bias_grad) for (long c = 0; c < cols; c++) bias_grad[c] += o[c];
    }
}

DESCENT_CLONES
void descent_multiply(const float *a, const float *b, float *out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] * b[i];
}

DESCENT_CLONES
void descent_squared_error(const float *y, const float *t, float *grad, long n, float scale,
                           double *block_totals) {
    for (long start = 0, block = 0; start < n; start += 4096, block++) {
        long end = start + 4096 < n ? start + 4096 : n, i = start;
        descent_float8 acc = 0.0f;
        for (; i + 8 <= end; i += 8) {
            descent_float8 yv, tv;
            memcpy(&yv, y + i, sizeof yv);
            memcpy(&tv, t + i, sizeof tv);
            descent_float8 d = yv - tv;
            acc += d * d;
            if (grad) { descent_float8 gv = d * scale; memcpy(grad + i, &gv, sizeof gv); }
        }
        double total = 0.0;
        for (int l = 0; l < 8; l++) total += (double)acc[l];
        for (; i < end; i++) {
            float d = y[i] - t[i];
            total += (double)(d * d);
            if (grad) grad[i] = scale * d;
        }
        block_totals[block] = total;
    }
}

DESCENT_CLONES
void descent_bce_logits(const float *z, const float *t, float *grad, long n, float scale,
                        double *block_totals) {
    for (long start = 0, block = 0; start < n; start += 4096, block++) {
        long end = start + 4096 < n ? start + 4096 : n;
        double total = 0.0;
        for (long i = start; i < end; i++) {
            float x = z[i], a = x < 0 ? -x : x;
            float e = descent_expf_poly(-a);          /* exp(-|z|) in (0, 1]: no overflow */
            total += (double)((x > 0 ? x : 0.0f) - x * t[i] + log1pf(e));
            if (grad) {
                float s = x >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
                grad[i] = scale * (s - t[i]);
            }
        }
        block_totals[block] = total;
    }
}

DESCENT_CLONES
void descent_bytes_to_float(const unsigned char *src, float *dst, long n, float divisor) {
    for (long i = 0; i < n; i++) dst[i] = (float)src[i] / divisor;
}

DESCENT_CLONES
void descent_bias_activation_keeping(float *y, const float *bias, float *pre, long rows, long cols, int kind) {
    for (long r = 0; r < rows; r++) {
        float *row = y + r * cols, *z = pre + r * cols;
        for (long c = 0; c < cols; c++) { z[c] = row[c] + bias[c]; row[c] = descent_activation_value(z[c], kind); }
    }
}

DESCENT_CLONES
void descent_channel_bias_activation_keeping(float *y, const float *bias, float *pre, long channels, long plane, int kind) {
    for (long c = 0; c < channels; c++) {
        float *row = y + c * plane, *z = pre + c * plane;
        float b = bias ? bias[c] : 0.0f;
        for (long i = 0; i < plane; i++) { z[i] = row[i] + b; row[i] = descent_activation_value(z[i], kind); }
    }
}

DESCENT_CLONES
void descent_channel_bias_activation(float *y, const float *bias, long channels, long plane, int kind) {
    for (long c = 0; c < channels; c++) {
        float *row = y + c * plane;
        float b = bias ? bias[c] : 0.0f;
        switch (kind) {
        case 1: for (long i = 0; i < plane; i++) { float v = row[i] + b; row[i] = v > 0.0f ? v : 0.0f; } break;
        case 2: for (long i = 0; i < plane; i++) row[i] = 1.0f / (1.0f + descent_expf_poly(-(row[i] + b))); break;
        case 3: for (long i = 0; i < plane; i++) row[i] = descent_tanhf_poly(row[i] + b); break;
        case 4: case 5: case 6: for (long i = 0; i < plane; i++) row[i] = descent_activation_value(row[i] + b, kind); break;
        default: if (bias) for (long i = 0; i < plane; i++) row[i] += b;
        }
    }
}

/* The sum of n floats in a fixed order: 8 running lanes, folded in lane order, then the tail. */
static inline float descent_sum_fixed(const float *x, long n) {
    descent_float8 acc = 0.0f;
    long i = 0;
    for (; i + 8 <= n; i += 8) { descent_float8 v; memcpy(&v, x + i, sizeof v); acc += v; }
    float s = 0.0f;
    for (int l = 0; l < 8; l++) s += acc[l];
    for (; i < n; i++) s += x[i];
    return s;
}

DESCENT_CLONES
void descent_channel_activation_backward(const float *y, const float *g, float *out, float *bias_grad,
                                         long channels, long plane, int kind) {
    for (long c = 0; c < channels; c++) {
        const float *yr = y + c * plane, *gr = g + c * plane;
        float *o = out + c * plane;
        activation_derivative(yr, gr, o, plane, kind);
        if (bias_grad) bias_grad[c] += descent_sum_fixed(o, plane);
    }
}

DESCENT_CLONES
void descent_channel_sums(const float *x, float *sums, long channels, long plane) {
    for (long c = 0; c < channels; c++) sums[c] += descent_sum_fixed(x + c * plane, plane);
}
