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
                        memcpy(out + lo, in + lo + offset, (size_t)(hi - lo) * sizeof(float));
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
            for (long oh = 0; oh < OH; oh++) {
                const float *r0 = xp + 2 * oh * W, *r1 = r0 + W;
                for (long ow = 0; ow < OW; ow++) {
                    /* The order and comparisons of the general loop below, unrolled. */
                    long i = 2 * ow;
                    float m = r0[i];
                    int32_t a = (int32_t)(2 * oh * W + i);
                    if (r0[i + 1] > m || isnan(r0[i + 1])) { m = r0[i + 1]; a = (int32_t)(2 * oh * W + i + 1); }
                    if (r1[i] > m || isnan(r1[i])) { m = r1[i]; a = (int32_t)((2 * oh + 1) * W + i); }
                    if (r1[i + 1] > m || isnan(r1[i + 1])) { m = r1[i + 1]; a = (int32_t)((2 * oh + 1) * W + i + 1); }
                    yp[oh * OW + ow] = m;
                    ap[oh * OW + ow] = a;
                }
            }
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
