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

DESCENT_CLONES
void descent_im2col(const float *x, float *col, const descent_conv_geometry *g) {
    const long H = g->height, W = g->width, k = g->kernel, s = g->stride;
    const long OH = g->out_height, OW = g->out_width, P = OH * OW;
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
                    if (s == 1) {
                        const float *src = in + offset;
                        for (long ow = lo; ow < hi; ow++) out[ow] = src[ow];
                    } else {
                        for (long ow = lo; ow < hi; ow++) out[ow] = in[ow * s + offset];
                    }
                    for (long ow = hi; ow < OW; ow++) out[ow] = 0.0f;
                }
            }
        }
    }
}

DESCENT_CLONES
void descent_col2im(const float *col, float *x, const descent_conv_geometry *g) {
    const long H = g->height, W = g->width, k = g->kernel, s = g->stride;
    const long OH = g->out_height, OW = g->out_width, P = OH * OW;
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
                    if (s == 1) {
                        float *o = out + offset;
                        for (long ow = lo; ow < hi; ow++) o[ow] += in[ow];
                    } else {
                        for (long ow = lo; ow < hi; ow++) out[ow * s + offset] += in[ow];
                    }
                }
            }
        }
    }
}

typedef float pool_f8 __attribute__((ext_vector_type(8)));
typedef float pool_f16 __attribute__((ext_vector_type(16)));
typedef int32_t pool_i8 __attribute__((ext_vector_type(8)));
/* Lane-wise select (t: all ones or zeros per lane). Macros, not functions: a vector argument
   would need the AVX ABI in one clone and not in the other. */
#define SELECT_I(t, x, y) (((x) & (t)) | ((y) & ~(t)))
#define SELECT_F(t, x, y) ({ pool_f8 x_ = (x), y_ = (y); pool_i8 xi_, yi_, r_; memcpy(&xi_, &x_, 32); \
    memcpy(&yi_, &y_, 32); r_ = SELECT_I((t), xi_, yi_); pool_f8 o_; memcpy(&o_, &r_, 32); o_; })

/* The 2 x 2, stride 2 windows of one plane: the general loop's order and comparisons (first
   maximum in row-major order wins, a NaN wins), 8 windows at a time without branches. */
static inline void maxpool2x2(const float *xp, float *yp, int32_t *ap, long W, long OH, long OW) {
    const pool_i8 lanes = {0, 2, 4, 6, 8, 10, 12, 14};
    for (long oh = 0; oh < OH; oh++) {
        const float *r0 = xp + 2 * oh * W, *r1 = r0 + W;
        const int32_t b0 = (int32_t)(2 * oh * W), b1 = b0 + (int32_t)W;
        float *y = yp + oh * OW;
        int32_t *a = ap + oh * OW;
        long ow = 0;
        for (; ow + 8 <= OW; ow += 8) {
            pool_f16 p, q;
            memcpy(&p, r0 + 2 * ow, sizeof p);
            memcpy(&q, r1 + 2 * ow, sizeof q);
            pool_f8 v0 = __builtin_shufflevector(p, p, 0, 2, 4, 6, 8, 10, 12, 14);
            pool_f8 v1 = __builtin_shufflevector(p, p, 1, 3, 5, 7, 9, 11, 13, 15);
            pool_f8 v2 = __builtin_shufflevector(q, q, 0, 2, 4, 6, 8, 10, 12, 14);
            pool_f8 v3 = __builtin_shufflevector(q, q, 1, 3, 5, 7, 9, 11, 13, 15);
            pool_i8 k0 = lanes + (b0 + 2 * (int32_t)ow), k1 = lanes + (b1 + 2 * (int32_t)ow);
            pool_f8 m = v0;
            pool_i8 k = k0, t;
            t = (v1 > m) | (v1 != v1); m = SELECT_F(t, v1, m); k = SELECT_I(t, k0 + 1, k);
            t = (v2 > m) | (v2 != v2); m = SELECT_F(t, v2, m); k = SELECT_I(t, k1, k);
            t = (v3 > m) | (v3 != v3); m = SELECT_F(t, v3, m); k = SELECT_I(t, k1 + 1, k);
            memcpy(y + ow, &m, sizeof m);
            memcpy(a + ow, &k, sizeof k);
        }
        for (; ow < OW; ow++) {
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

DESCENT_CLONES
void descent_maxpool_forward(const float *x, float *y, int32_t *argmax, long planes,
                             const descent_pool_geometry *g) {
    const long H = g->height, W = g->width, k = g->kernel, s = g->stride, p = g->padding;
    const long OH = g->out_height, OW = g->out_width;
    for (long q = 0; q < planes; q++) {
        const float *xp = x + q * H * W;
        float *yp = y + q * OH * OW;
        int32_t *ap = argmax + q * OH * OW;
        if (k == 2 && s == 2 && p == 0) {
            maxpool2x2(xp, yp, ap, W, OH, OW);
            continue;
        }
        for (long oh = 0; oh < OH; oh++) {
            long h0 = oh * s - p, h1 = h0 + k;
            if (h0 < 0) h0 = 0;
            if (h1 > H) h1 = H;
            for (long ow = 0; ow < OW; ow++) {
                long w0 = ow * s - p, w1 = w0 + k;
                if (w0 < 0) w0 = 0;
                if (w1 > W) w1 = W;
                /* As torch: -inf to start, the first index of the window, and a later element
                   replaces the maximum when it is larger or NaN. */
                float m = -INFINITY;
                int32_t a = (int32_t)(h0 * W + w0);
                for (long ih = h0; ih < h1; ih++) {
                    for (long iw = w0; iw < w1; iw++) {
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
            default: o = d;
            }
            gp[aq[i]] = o;
        }
    }
}

DESCENT_CLONES
void descent_avgpool_forward(const float *x, float *y, long planes, const descent_pool_geometry *g) {
    const long H = g->height, W = g->width, k = g->kernel, s = g->stride, p = g->padding;
    const long OH = g->out_height, OW = g->out_width;
    const float scale = 1.0f / (float)(k * k);
    for (long q = 0; q < planes; q++) {
        const float *xp = x + q * H * W;
        float *yp = y + q * OH * OW;
        for (long oh = 0; oh < OH; oh++) {
            long h0 = oh * s - p, h1 = h0 + k;
            if (h0 < 0) h0 = 0;
            if (h1 > H) h1 = H;
            for (long ow = 0; ow < OW; ow++) {
                long w0 = ow * s - p, w1 = w0 + k;
                if (w0 < 0) w0 = 0;
                if (w1 > W) w1 = W;
                float sum = 0.0f;
                for (long ih = h0; ih < h1; ih++)
                    for (long iw = w0; iw < w1; iw++) sum += xp[ih * W + iw];
                yp[oh * OW + ow] = sum * scale;
            }
        }
    }
}

DESCENT_CLONES
void descent_avgpool_backward(const float *gy, float *gx, long planes, const descent_pool_geometry *g) {
    const long H = g->height, W = g->width, k = g->kernel, s = g->stride, p = g->padding;
    const long OH = g->out_height, OW = g->out_width;
    const float scale = 1.0f / (float)(k * k);
    for (long q = 0; q < planes; q++) {
        float *gp = gx + q * H * W;
        const float *gq = gy + q * OH * OW;
        memset(gp, 0, (size_t)(H * W) * sizeof(float));
        for (long oh = 0; oh < OH; oh++) {
            long h0 = oh * s - p, h1 = h0 + k;
            if (h0 < 0) h0 = 0;
            if (h1 > H) h1 = H;
            for (long ow = 0; ow < OW; ow++) {
                long w0 = ow * s - p, w1 = w0 + k;
                if (w0 < 0) w0 = 0;
                if (w1 > W) w1 = W;
                const float v = gq[oh * OW + ow] * scale;
                for (long ih = h0; ih < h1; ih++)
                    for (long iw = w0; iw < w1; iw++) gp[ih * W + iw] += v;
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
