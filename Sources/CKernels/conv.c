/* Kernels of the convolution and pooling layers (Sources/Descent/Layers): im2col and its
   adjoint col2im for one example, max pooling with the argmax kept for backward, average
   pooling and nearest upsampling. Every loop visits its elements in one fixed order, so
   the results do not depend on how the callers split a batch over threads. */
#include "CKernels.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define DESCENT_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define DESCENT_CLONES
#endif

/* The output columns ow whose input column ow * stride + offset lies in 0..<width:
   [*lo, *hi), clamped to 0..<out_width. */
static inline void valid_range(long offset, long stride, long width, long out_width, long *lo, long *hi) {
    long a = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    long b = width - 1 - offset < 0 ? 0 : (width - 1 - offset) / stride + 1;
    if (b > out_width) b = out_width;
    if (a > b) a = b;
    *lo = a;
    *hi = b;
}

typedef float conv_f8 __attribute__((ext_vector_type(8)));
typedef float conv_f4 __attribute__((ext_vector_type(4)));
#define COPY8(d, s) do { conv_f8 v_; memcpy(&v_, (s), sizeof v_); memcpy((d), &v_, sizeof v_); } while (0)
#define COPY4(d, s) do { conv_f4 v_; memcpy(&v_, (s), sizeof v_); memcpy((d), &v_, sizeof v_); } while (0)

/* d[0..<n] = s[0..<n] in whole vectors; the last one may overlap the one before (it writes
   the same values again). */
static inline void copy_row(float *d, const float *s, long n) {
    if (n >= 8) {
        long i = 0;
        for (; i + 8 <= n; i += 8) COPY8(d + i, s + i);
        if (i < n) COPY8(d + n - 8, s + n - 8);
    } else if (n >= 4) {
        COPY4(d, s);
        COPY4(d + n - 4, s + n - 4);
    } else {
        for (long i = 0; i < n; i++) d[i] = s[i];
    }
}

/* d[i] += s[i] for i in 0..<n, in order of i within each lane. */
static inline void add_row(float *d, const float *s, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        conv_f8 a, b;
        memcpy(&a, d + i, sizeof a);
        memcpy(&b, s + i, sizeof b);
        a += b;
        memcpy(d + i, &a, sizeof a);
    }
    for (; i < n; i++) d[i] += s[i];
}

/* Stride 1: the input with its zeros, C x (OH + k - 1) x (OW + k - 1), into padded (or the
   input itself when there is no padding); returns it and its row length. */
static inline const float *padded_input(const float *x, float *padded, const descent_conv_geometry *g, long *row) {
    const long H = g->height, W = g->width, k = g->kernel;
    const long Hp = g->out_height + k - 1, Wp = g->out_width + k - 1;
    *row = Wp;
    if (g->pad_top == 0 && g->pad_left == 0 && Hp == H && Wp == W) return x;
    memset(padded, 0, (size_t)(g->channels * Hp * Wp) * sizeof(float));
    for (long c = 0; c < g->channels; c++) {
        for (long ih = 0; ih < H && ih + g->pad_top < Hp; ih++) {
            long n = W < Wp - g->pad_left ? W : Wp - g->pad_left;
            memcpy(padded + (c * Hp + ih + g->pad_top) * Wp + g->pad_left, x + (c * H + ih) * W, (size_t)n * sizeof(float));
        }
    }
    return padded;
}

DESCENT_CLONES
void descent_im2col(const float *x, float *col, const descent_conv_geometry *g, float *scratch) {
    const long H = g->height, W = g->width, k = g->kernel, s = g->stride;
    const long OH = g->out_height, OW = g->out_width, P = OH * OW;
    if (s == 1) {
        long Wp;
        const float *xp = padded_input(x, scratch, g, &Wp);
        const long Hp = OH + k - 1;
        for (long c = 0; c < g->channels; c++) {
            for (long kh = 0; kh < k; kh++) {
                for (long kw = 0; kw < k; kw++) {
                    float *row = col + ((c * k + kh) * k + kw) * P;
                    const float *src = xp + (c * Hp + kh) * Wp + kw;
                    for (long oh = 0; oh < OH; oh++) copy_row(row + oh * OW, src + oh * Wp, OW);
                }
            }
        }
        return;
    }
    for (long c = 0; c < g->channels; c++) {
        const float *xc = x + c * H * W;
        for (long kh = 0; kh < k; kh++) {
            for (long kw = 0; kw < k; kw++) {
                float *row = col + ((c * k + kh) * k + kw) * P;
                const long offset = kw - g->pad_left;
                long lo, hi;
                valid_range(offset, s, W, OW, &lo, &hi);
                for (long oh = 0; oh < OH; oh++) {
                    float *out = row + oh * OW;
                    const long ih = oh * s + kh - g->pad_top;
                    if (ih < 0 || ih >= H) { memset(out, 0, (size_t)OW * sizeof(float)); continue; }
                    const float *in = xc + ih * W;
                    for (long ow = 0; ow < lo; ow++) out[ow] = 0.0f;
                    for (long ow = lo; ow < hi; ow++) out[ow] = in[ow * s + offset];
                    for (long ow = hi; ow < OW; ow++) out[ow] = 0.0f;
                }
            }
        }
    }
}

DESCENT_CLONES
void descent_col2im(const float *col, float *x, const descent_conv_geometry *g, float *scratch) {
    const long H = g->height, W = g->width, k = g->kernel, s = g->stride;
    const long OH = g->out_height, OW = g->out_width, P = OH * OW;
    if (s == 1) {
        /* Accumulate into the padded layout (rows of Wp), then keep the interior. */
        const long Hp = OH + k - 1, Wp = OW + k - 1;
        const int direct = g->pad_top == 0 && g->pad_left == 0 && Hp == H && Wp == W;
        float *xp = direct ? x : scratch;
        memset(xp, 0, (size_t)(g->channels * Hp * Wp) * sizeof(float));
        for (long c = 0; c < g->channels; c++) {
            for (long kh = 0; kh < k; kh++) {
                for (long kw = 0; kw < k; kw++) {
                    const float *row = col + ((c * k + kh) * k + kw) * P;
                    float *dst = xp + (c * Hp + kh) * Wp + kw;
                    for (long oh = 0; oh < OH; oh++) add_row(dst + oh * Wp, row + oh * OW, OW);
                }
            }
        }
        if (direct) return;
        memset(x, 0, (size_t)(g->channels * H * W) * sizeof(float));
        for (long c = 0; c < g->channels; c++) {
            for (long ih = 0; ih < H && ih + g->pad_top < Hp; ih++) {
                long n = W < Wp - g->pad_left ? W : Wp - g->pad_left;
                memcpy(x + (c * H + ih) * W, xp + (c * Hp + ih + g->pad_top) * Wp + g->pad_left, (size_t)n * sizeof(float));
            }
        }
        return;
    }
    memset(x, 0, (size_t)(g->channels * H * W) * sizeof(float));
    for (long c = 0; c < g->channels; c++) {
        float *xc = x + c * H * W;
        for (long kh = 0; kh < k; kh++) {
            for (long kw = 0; kw < k; kw++) {
                const float *row = col + ((c * k + kh) * k + kw) * P;
                const long offset = kw - g->pad_left;
                long lo, hi;
                valid_range(offset, s, W, OW, &lo, &hi);
                for (long oh = 0; oh < OH; oh++) {
                    const long ih = oh * s + kh - g->pad_top;
                    if (ih < 0 || ih >= H) continue;
                    const float *in = row + oh * OW;
                    float *out = xc + ih * W;
                    for (long ow = lo; ow < hi; ow++) out[ow * s + offset] += in[ow];
                }
            }
        }
    }
}

/* The rows (or columns) i*s - p ..< i*s - p + k of window i that lie inside 0..<n. */
static inline void window(long i, long s, long p, long k, long n, long *lo, long *hi) {
    long a = i * s - p, b = a + k;
    *lo = a < 0 ? 0 : a;
    *hi = b > n ? n : b;
}

/* The window of pooling output (oh, ow) inside its input plane: rows h0 ..< h1 and
   columns w0 ..< w1 (what lies in the padding is left out). */
typedef struct { long h0, h1, w0, w1; } pool_window;
static inline pool_window window_at(const descent_pool_geometry *g, long oh, long ow) {
    pool_window r;
    window(oh, g->stride, g->padding, g->kernel, g->height, &r.h0, &r.h1);
    window(ow, g->stride, g->padding, g->kernel, g->width, &r.w0, &r.w1);
    return r;
}

/* Lane-wise select (t: all ones or all zeros per lane) through integer bits. */
#define SELECT_I(t, x, y) (((x) & (t)) | ((y) & ~(t)))
#define SELECT_F(FT, IT, t, x, y) ({ FT x_ = (x), y_ = (y); IT xi_, yi_, r_; memcpy(&xi_, &x_, sizeof xi_); \
    memcpy(&yi_, &y_, sizeof yi_); r_ = SELECT_I((t), xi_, yi_); FT o_; memcpy(&o_, &r_, sizeof o_); o_; })

/* V consecutive 2 x 2 windows (outputs ow ..< ow + V of one output row): the general loop's
   order and comparisons (the first maximum in row-major order wins, a NaN wins), no branches.
   FT/IT: float and int vectors of V lanes, DT: floats of 2V lanes. */
#define MAXPOOL2X2_BLOCK(FT, IT, DT, EVEN, ODD, LANES)                                          \
    do {                                                                                           \
        DT p_, q_;                                                                                 \
        memcpy(&p_, r0 + 2 * ow, sizeof p_);                                                       \
        memcpy(&q_, r1 + 2 * ow, sizeof q_);                                                       \
        FT v0 = __builtin_shufflevector(p_, p_, EVEN), v1 = __builtin_shufflevector(p_, p_, ODD);  \
        FT v2 = __builtin_shufflevector(q_, q_, EVEN), v3 = __builtin_shufflevector(q_, q_, ODD);  \
        const IT lanes_ = LANES;                                                                    \
        IT k0 = lanes_ + (b0 + 2 * (int32_t)ow), k1 = lanes_ + (b1 + 2 * (int32_t)ow), t;          \
        FT m = v0;                                                                                 \
        IT k = k0;                                                                                 \
        t = (v1 > m) | (v1 != v1); m = SELECT_F(FT, IT, t, v1, m); k = SELECT_I(t, k0 + 1, k);      \
        t = (v2 > m) | (v2 != v2); m = SELECT_F(FT, IT, t, v2, m); k = SELECT_I(t, k1, k);          \
        t = (v3 > m) | (v3 != v3); m = SELECT_F(FT, IT, t, v3, m); k = SELECT_I(t, k1 + 1, k);      \
        memcpy(y + ow, &m, sizeof m);                                                              \
        memcpy(a + ow, &k, sizeof k);                                                              \
    } while (0)

typedef float pool_f8 __attribute__((ext_vector_type(8)));
typedef float pool_f16 __attribute__((ext_vector_type(16)));
typedef int32_t pool_i8 __attribute__((ext_vector_type(8)));
typedef float pool_f4 __attribute__((ext_vector_type(4)));
typedef int32_t pool_i4 __attribute__((ext_vector_type(4)));
#define EVEN8 0, 2, 4, 6, 8, 10, 12, 14
#define ODD8 1, 3, 5, 7, 9, 11, 13, 15
#define EVEN4 0, 2, 4, 6
#define ODD4 1, 3, 5, 7

/* The 2 x 2, stride 2 windows of one plane, 8 (or 4) outputs at a time; the last block of a
   row may overlap the one before (it writes the same values again). */
static inline void maxpool2x2(const float *xp, float *yp, int32_t *ap, long W, long OH, long OW) {
    for (long oh = 0; oh < OH; oh++) {
        const float *r0 = xp + 2 * oh * W, *r1 = r0 + W;
        const int32_t b0 = (int32_t)(2 * oh * W), b1 = b0 + (int32_t)W;
        float *y = yp + oh * OW;
        int32_t *a = ap + oh * OW;
        if (OW >= 8) {
            for (long start = 0; start < OW; start += 8) {
                long ow = start + 8 <= OW ? start : OW - 8;
                MAXPOOL2X2_BLOCK(pool_f8, pool_i8, pool_f16, EVEN8, ODD8, ((pool_i8){EVEN8}));
            }
        } else if (OW >= 4) {
            for (long start = 0; start < OW; start += 4) {
                long ow = start + 4 <= OW ? start : OW - 4;
                MAXPOOL2X2_BLOCK(pool_f4, pool_i4, pool_f8, EVEN4, ODD4, ((pool_i4){EVEN4}));
            }
        } else {
            for (long ow = 0; ow < OW; ow++) {
                const long i = 2 * ow;
                float m = r0[i];
                int32_t k = b0 + (int32_t)i;
                if (r0[i + 1] > m || isnan(r0[i + 1])) { m = r0[i + 1]; k = b0 + (int32_t)i + 1; }
                if (r1[i] > m || isnan(r1[i])) { m = r1[i]; k = b1 + (int32_t)i; }
                if (r1[i + 1] > m || isnan(r1[i + 1])) { m = r1[i + 1]; k = b1 + (int32_t)i + 1; }
                y[ow] = m;
                a[ow] = k;
            }
        }
    }
}

DESCENT_CLONES
void descent_maxpool_forward(const float *x, float *y, int32_t *argmax, long planes,
                             const descent_pool_geometry *g) {
    const long H = g->height, W = g->width, OH = g->out_height, OW = g->out_width;
    const int two_by_two = g->kernel == 2 && g->stride == 2 && g->padding == 0;
    for (long q = 0; q < planes; q++) {
        const float *xp = x + q * H * W;
        float *yp = y + q * OH * OW;
        int32_t *ap = argmax + q * OH * OW;
        if (two_by_two) {
            maxpool2x2(xp, yp, ap, W, OH, OW);
            continue;
        }
        for (long oh = 0; oh < OH; oh++) {
            for (long ow = 0; ow < OW; ow++) {
                const pool_window r = window_at(g, oh, ow);
                /* As torch: -inf to start, the first index of the window, and a later element
                   replaces the maximum when it is larger or NaN. */
                float m = -INFINITY;
                int32_t a = (int32_t)(r.h0 * W + r.w0);
                for (long ih = r.h0; ih < r.h1; ih++) {
                    for (long iw = r.w0; iw < r.w1; iw++) {
                        float v = xp[ih * W + iw];
                        if (v > m || isnan(v)) { m = v; a = (int32_t)(ih * W + iw); }
                    }
                }
                yp[oh * OW + ow] = m;
                ap[oh * OW + ow] = a;
            }
        }
    }
}

DESCENT_CLONES
void descent_maxpool_backward(const float *gy, const int32_t *argmax, float *gx, long planes,
                              const descent_pool_geometry *g) {
    const long HW = g->height * g->width, P = g->out_height * g->out_width;
    for (long q = 0; q < planes; q++) {
        float *gp = gx + q * HW;
        const float *gq = gy + q * P;
        const int32_t *aq = argmax + q * P;
        memset(gp, 0, (size_t)HW * sizeof(float));
        for (long i = 0; i < P; i++) gp[aq[i]] += gq[i];
    }
}

DESCENT_CLONES
void descent_maxpool_activation_backward(const float *gy, const float *y, const int32_t *argmax, float *gx, long planes,
                                         const descent_pool_geometry *g, int kind) {
    const long HW = g->height * g->width, P = g->out_height * g->out_width;
    for (long q = 0; q < planes; q++) {
        float *gp = gx + q * HW;
        const float *gq = gy + q * P, *yq = y + q * P;
        const int32_t *aq = argmax + q * P;
        memset(gp, 0, (size_t)HW * sizeof(float));
        for (long i = 0; i < P; i++) {
            /* 0 + d, then d times f'(y) as descent_channel_activation_backward writes it. */
            const float d = 0.0f + gq[i], v = yq[i];
            float o;
            switch (kind) {
            case 1: o = v > 0.0f ? d : 0.0f; break;
            case 2: o = d * v * (1.0f - v); break;
            case 3: o = d * (1.0f - v * v); break;
            case 4: o = v > 0.0f ? d : d * 0.01f; break;
            default: o = d;
            }
            gp[aq[i]] = o;
        }
    }
}

DESCENT_CLONES
void descent_avgpool_forward(const float *x, float *y, long planes, const descent_pool_geometry *g) {
    const long H = g->height, W = g->width, OH = g->out_height, OW = g->out_width;
    const float scale = 1.0f / (float)(g->kernel * g->kernel);
    for (long q = 0; q < planes; q++) {
        const float *xp = x + q * H * W;
        float *yp = y + q * OH * OW;
        for (long oh = 0; oh < OH; oh++) {
            for (long ow = 0; ow < OW; ow++) {
                const pool_window r = window_at(g, oh, ow);
                float sum = 0.0f;
                for (long ih = r.h0; ih < r.h1; ih++)
                    for (long iw = r.w0; iw < r.w1; iw++) sum += xp[ih * W + iw];
                yp[oh * OW + ow] = sum * scale;
            }
        }
    }
}

DESCENT_CLONES
void descent_avgpool_backward(const float *gy, float *gx, long planes, const descent_pool_geometry *g) {
    const long H = g->height, W = g->width, OH = g->out_height, OW = g->out_width;
    const float scale = 1.0f / (float)(g->kernel * g->kernel);
    for (long q = 0; q < planes; q++) {
        float *gp = gx + q * H * W;
        const float *gq = gy + q * OH * OW;
        memset(gp, 0, (size_t)(H * W) * sizeof(float));
        for (long oh = 0; oh < OH; oh++) {
            for (long ow = 0; ow < OW; ow++) {
                const pool_window r = window_at(g, oh, ow);
                const float v = gq[oh * OW + ow] * scale;
                for (long ih = r.h0; ih < r.h1; ih++)
                    for (long iw = r.w0; iw < r.w1; iw++) gp[ih * W + iw] += v;
            }
        }
    }
}

DESCENT_CLONES
void descent_upsample_forward(const float *x, float *y, long planes, long height, long width, long scale) {
    const long OW = width * scale;
    for (long q = 0; q < planes; q++) {
        const float *xp = x + q * height * width;
        float *yp = y + q * height * width * scale * scale;
        for (long ih = 0; ih < height; ih++) {
            float *row = yp + ih * scale * OW;
            for (long ow = 0; ow < OW; ow++) row[ow] = xp[ih * width + ow / scale];
            for (long r = 1; r < scale; r++) memcpy(row + r * OW, row, (size_t)OW * sizeof(float));
        }
    }
}

DESCENT_CLONES
void descent_upsample_backward(const float *gy, float *gx, long planes, long height, long width, long scale) {
    const long OW = width * scale;
    for (long q = 0; q < planes; q++) {
        const float *gp = gy + q * height * width * scale * scale;
        float *xp = gx + q * height * width;
        for (long ih = 0; ih < height; ih++) {
            for (long iw = 0; iw < width; iw++) {
                float sum = 0.0f;
                for (long r = 0; r < scale; r++)
                    for (long c = 0; c < scale; c++) sum += gp[(ih * scale + r) * OW + iw * scale + c];
                xp[ih * width + iw] = sum;
            }
        }
    }
}
