#ifndef DESCENT_CKERNELS_H
#define DESCENT_CKERNELS_H
/*
 * Small C kernels Swift cannot express at full speed on Linux:
 *  - descent_sqrt8: an 8-wide square root. Swift's Float.squareRoot() lowers to a
 *    sqrtf call on Linux and blocks vectorisation; __builtin_elementwise_sqrt
 *    lowers to sqrtps.  Header-only so it inlines into Swift loops.
 *  - fused optimizer updates (optimizers.c), rounding as torch.optim's FMA kernels.
 *  - array kernels for exp / sigmoid / tanh (a polynomial exp, ~2 ulp), compiled
 *    for AVX2+FMA and baseline x86-64 with runtime selection (see kernels.c).
 *  - SHA-256 blocks with the x86 SHA extensions when present (sha256.c).
 *  - OpenBLAS's ssyrk and LAPACK's ssyevd for PCA, loaded on first use (openblas.c).
 */
#include <stddef.h>
#include <stdint.h>

/* SHA-256 compression of `blocks` whole 64-byte blocks of data into state (8 words, as in
   FIPS 180-4); with the SHA extensions where the CPU has them (sha256.c). */
void descent_sha256_blocks(uint32_t state[8], const unsigned char *data, long blocks);
/* The same without the SHA extensions (for tests). */
void descent_sha256_blocks_portable(uint32_t state[8], const unsigned char *data, long blocks);
/* 1 when descent_sha256_blocks uses the SHA extensions. */
int descent_sha256_uses_sha_ni(void);

/* OpenBLAS, loaded on first use (openblas.c): NULL once loaded, else why it cannot be. The
   two calls below need a successful load. */
const char *descent_openblas_load(void);
/* The kernels OpenBLAS runs ("SkylakeX", "Haswell", "Prescott", …; openblas_get_corename),
   or NULL before a successful load or when the library does not say. */
const char *descent_openblas_core(void);
/* 1 once this process has loaded OpenBLAS (descent_openblas_load succeeded), else 0;
   never loads it. */
int descent_openblas_loaded(void);
/* Row-major C (n x n, upper triangle) = alpha * A^T A + beta * C, A k x n: cblas_ssyrk. */
void descent_ssyrk_upper_transposed(int n, int k, float alpha, const float *a, int lda, float beta,
                                    float *c, int ldc);
/* LAPACK dsyevd, the same in Double, and cblas_dsyrk (Shampoo's inverse roots); only after
   descent_openblas_load() succeeded and descent_dsyevd_available() says the library has both.
   descent_dsyrk_lower_transposed: C = alpha·AᵀA + beta·C, row-major, A k × n, lower triangle of C. */
int descent_dsyevd_available(void);
int descent_dsyevd(int n, double *a, int lda, double *w, double *work, int lwork, int *iwork, int liwork);
void descent_dsyrk_lower_transposed(int n, int k, double alpha, const double *a, int lda, double beta,
                                    double *c, int ldc);
/* LAPACK ssyevd (eigenvalues and vectors, lower triangle, column-major); returns info.
   lwork = liwork = -1 asks for the workspace sizes in work[0] and iwork[0]. */
int descent_ssyevd(int n, float *a, int lda, float *w, float *work, int lwork, int *iwork, int liwork);

typedef float descent_float8 __attribute__((ext_vector_type(8)));

static inline descent_float8 descent_sqrt8(descent_float8 x) {
    return __builtin_elementwise_sqrt(x);
}

/* y[i] = exp(x[i]); x and y may alias. */
void descent_exp(const float *x, float *y, long n);
/* y[i] = 1 / (1 + exp(-x[i])); may alias. */
void descent_sigmoid(const float *x, float *y, long n);
/* y[i] = tanh(x[i]); may alias. */
void descent_tanh(const float *x, float *y, long n);
/* Row-wise: y[r, :] = activation(y[r, :] + bias[:]) for a rows x cols row-major matrix.
   kind: 0 identity, 1 relu, 2 sigmoid, 3 tanh, 4 leaky relu (slope 0.01), 5 gelu (erf form), 6 silu. */
void descent_bias_activation(float *y, const float *bias, long rows, long cols, int kind);
/* descent_bias_activation for kinds 4–6 that also keeps the pre-activation: pre = y + bias, y = f(pre).
   The derivative of kinds 5 and 6 is written from pre (pass it as `y` to the backward kernels). */
void descent_bias_activation_keeping(float *y, const float *bias, float *pre, long rows, long cols, int kind);
/* y[i] = f(z[i]) for kinds 4–6 (may alias). */
void descent_activation_forward(const float *z, float *y, long n, int kind);
/* Row-wise softmax cross-entropy, fused and stable.
   logits: rows x cols; labels: rows (class index); grad (may be NULL): softmax - onehot, scaled by scale.
   Returns the summed loss over rows (double accumulation); writes per-row argmax hit count into *correct. */
double descent_softmax_xent(const float *logits, const unsigned char *labels, float *grad,
                            long rows, long cols, float scale, long *correct);

/* Inverted dropout / masking noise in one vectorised pass: element i is dropped when
   (hash(i; k0, k1) >> 8) < threshold (a 24-bit threshold, p * 2^24), otherwise scaled by
   keep (1/(1-p) for dropout, 1 for masking noise). mask (may be NULL) receives 0 or keep.
   The key (k0, k1) comes from the caller's seeded generator, fresh for every call. The
   arrays start at element first_index of the whole (so a pass split in parts draws what
   one call would). */
void descent_dropout(const float *x, float *y, float *mask, long n, uint32_t threshold,
                     float keep, uint32_t k0, uint32_t k1, long first_index);
/* Linear + ReLU + inverted dropout in one pass (rows x cols, row-major): y = max(0, y + bias)
   times 0 or keep, with the draws descent_dropout makes for element first_index + r*cols + c. */
void descent_bias_relu_dropout(float *y, const float *bias, long rows, long cols, uint32_t threshold,
                               float keep, uint32_t k0, uint32_t k1, long first_index);
/* Backward of the pass above from its output y (row stride ld, a rows x cols block):
   out = y > 0 ? g * keep : 0 (a kept ReLU unit is exactly where y > 0), and
   bias_grad[c] (+)= sum over rows of out[r, c] in row order (= when bias_overwrite). */
void descent_relu_dropout_backward(const float *y, const float *g, float *out, float *bias_grad,
                                   int bias_overwrite, long rows, long cols, long ld, float keep);
/* clean[i] = src[i] / divisor and masked[i] = the same value times keep, or 0 where the hash
   of element index first_index + i falls below threshold: one row of a batch converted and
   corrupted with the draws descent_dropout(keep) makes for that row's elements of the batch
   (keep 1: masking noise; 1/(1-p): inverted masking noise). */
void descent_bytes_to_float_masked(const unsigned char *src, float *clean, float *masked, long n,
                                   float divisor, uint32_t threshold, float keep, uint32_t k0, uint32_t k1,
                                   long first_index);
/* Row-wise over a rows x cols block of matrices with row stride ld: out = g * f'(y) (kind as
   in descent_bias_activation, 0 copies g unless out == g; for kinds 5 and 6, gelu and silu,
   y is the pre-activation kept by descent_bias_activation_keeping); if bias_grad is not NULL,
   bias_grad[c] += sum over rows of out[r, c] (= instead of += when bias_overwrite is
   nonzero), rows added in order. */
void descent_activation_backward(const float *y, const float *g, float *out, float *bias_grad,
                                 int bias_overwrite, long rows, long cols, long ld, int kind);
/* out[i] = a[i] * b[i]; out may alias a or b. */
void descent_multiply(const float *a, const float *b, float *out, long n);
/* Sums of (y - t)^2 over consecutive blocks of 4096 elements (float lanes, folded into a
   double per block) into block_totals[0 ..< ceil(n / 4096)]; if grad is not NULL,
   grad[i] = scale * (y[i] - t[i]). */
void descent_squared_error(const float *y, const float *t, float *grad, long n, float scale,
                           double *block_totals);
/* Binary cross-entropy from logits z against targets t in [0, 1], element-wise and stable:
   l = max(z, 0) - z t + log1p(exp(-|z|)). Sums of l over consecutive blocks of 4096 elements
   (one double per block) into block_totals[0 ..< ceil(n / 4096)]; if grad is not NULL,
   grad[i] = scale * (sigmoid(z[i]) - t[i]). */
void descent_bce_logits(const float *z, const float *t, float *grad, long n, float scale,
                        double *block_totals);
/* dst[i] = src[i] / divisor (bytes to floats, e.g. pixels / 255, exactly rounded). */
void descent_bytes_to_float(const unsigned char *src, float *dst, long n, float divisor);
/* Fused optimizer updates (optimizers.c), one pass each; see Sources/Descent/Optimizers.
   neg_* are already negated; lerp_coef/lerp_from_start encode torch's lerp for weight w:
   (w, 1) if |w| < 0.5 else (w - 1, 0). Optional state pointers may be NULL. */
void descent_sgd_update(float *w, const float *g, long n, float neg_lr, float wd);
void descent_momentum_update(float *w, const float *g, float *b, long n, float neg_lr, float wd,
                             float momentum, float one_minus_dampening, int first, int nesterov);
void descent_adagrad_update(float *w, const float *g, float *s, long n, float neg_lr, float wd, float eps);
void descent_rmsprop_update(float *w, const float *g, float *s, float *b, float *a, long n, float neg_lr,
                            float wd, float alpha, float one_minus_alpha, float eps, float momentum,
                            float lerp_coef, int lerp_from_start);
void descent_adadelta_update(float *w, const float *g, float *s, float *u, long n, float neg_lr, float wd,
                             float rho, float one_minus_rho, float eps);
void descent_adam_update(float *w, const float *g, float *m, float *v, float *vmax, long n, float neg_step_size,
                         float bias_correction2_sqrt, float eps, float wd, float decay_keep, float beta2,
                         float one_minus_beta2, float lerp_coef, int lerp_from_start);
void descent_nadam_update(float *w, const float *g, float *m, float *v, long n, float decay_keep, float wd,
                          float beta2, float one_minus_beta2, float lerp_coef, int lerp_from_start,
                          float bias_correction2, float eps, float grad_coef, float avg_coef);
void descent_radam_update(float *w, const float *g, float *m, float *v, long n, float wd, float beta2,
                          float one_minus_beta2, float lerp_coef, int lerp_from_start, float bias_correction1,
                          float lr, int rectify, float bias_correction2_sqrt, float eps, float rect);
void descent_adamax_update(float *w, const float *g, float *m, float *u, long n, float neg_clr, float wd,
                           float beta2, float eps, float lerp_coef, int lerp_from_start);
/* Schedule-Free AdamW (Sources/Descent/Optimizers/ScheduleFreeAdamW.swift): v <- b2 v + (1-b2) g^2,
   n <- g / (sqrt(v / bc2) + eps) (+ decay * y), y <- lerp(y, z, ckp1), y <- fma(y_coef, n, y),
   z <- fma(neg_lr, n, z); and p <- lerp(p, z, w) for the switches between y and x. */
void descent_schedule_free_update(float *y, const float *g, float *z, float *v, long n, float beta2,
                                  float one_minus_beta2, float bias_correction2, float eps, float decay,
                                  float ckp1_coef, int ckp1_from_start, float y_coef, float neg_lr);
void descent_lerp_toward(float *p, const float *z, long n, float lerp_coef, int lerp_from_start);
/* Muon's element-wise parts (Sources/Descent/Optimizers/Muon.swift): buf <- lerp(buf, g, 1 - mu), then
   u <- lerp(g, buf, mu) with nesterov, else u <- buf (lerp weights encoded as above); and
   w <- fma(neg_lr, u, w * keep). */
void descent_muon_momentum(const float *g, float *buf, float *u, long n, float lerp_coef, int lerp_from_start,
                           float nesterov_coef, int nesterov_from_start, int nesterov);
void descent_decay_add(float *w, const float *u, long n, float keep, float neg_lr);
void descent_lion_update(float *w, const float *g, float *m, long n, float neg_lr, float decay_keep,
                         float beta1, float one_minus_beta1, float beta2, float one_minus_beta2);

/* Per channel of a channels x plane block (one example, C x H x W):
   y[c, i] = activation(y[c, i] + bias[c]) (bias may be NULL; kind as in descent_bias_activation). */
void descent_channel_bias_activation(float *y, const float *bias, long channels, long plane, int kind);
/* descent_channel_bias_activation for kinds 4–6, keeping pre[c, i] = y[c, i] + bias[c] (bias may be NULL). */
void descent_channel_bias_activation_keeping(float *y, const float *bias, float *pre, long channels, long plane, int kind);
/* Per channel: out = g * f'(y) (kind as above; 0 copies g unless out == g) and, if bias_grad
   is not NULL, bias_grad[c] += the sum of out[c, :], added in a fixed order (8 lanes). */
void descent_channel_activation_backward(const float *y, const float *g, float *out, float *bias_grad,
                                         long channels, long plane, int kind);

/* Convolution and pooling (conv.c), one example or a run of planes at a time. */
typedef struct {
    long channels, height, width;   /* input: C x H x W */
    long kernel, stride;            /* square kernel k x k, stride s */
    long pad_top, pad_left;         /* zeros before the first row / column (after the last: implied by out_*) */
    long out_height, out_width;
} descent_conv_geometry;
/* col[(c*k + kh)*k + kw][oh*OW + ow] = x[c][oh*s + kh - pad_top][ow*s + kw - pad_left], or 0
   outside the input: a (C*k*k) x (OH*OW) matrix. scratch: room for C x (OH + k - 1) x (OW + k - 1)
   floats when the stride is 1 (the zero-padded input), unused otherwise. */
void descent_im2col(const float *x, float *col, const descent_conv_geometry *g, float *scratch);
/* The adjoint of descent_im2col: x = 0, then every element of col is added where im2col read
   it (scratch as for descent_im2col). */
void descent_col2im(const float *col, float *x, const descent_conv_geometry *g, float *scratch);

typedef struct {
    long height, width;             /* of one plane */
    long kernel, stride, padding;   /* square window, padding on every side */
    long out_height, out_width;
} descent_pool_geometry;
/* Max over each window of each of `planes` planes (padding never wins: as -inf); argmax holds
   the index in its plane of the element taken (the first maximum; NaN propagates as in torch). */
void descent_maxpool_forward(const float *x, float *y, int32_t *argmax, long planes, const descent_pool_geometry *g);
/* gx = 0, then gx[argmax[i]] += gy[i] plane by plane. */
void descent_maxpool_backward(const float *gy, const int32_t *argmax, float *gx, long planes, const descent_pool_geometry *g);
/* The backward of an activation (kind as in descent_bias_activation) followed by max pooling
   whose windows do not overlap (stride >= kernel), from the pooled output y alone: gx = 0, then
   gx[argmax[i]] = gy[i] * f'(y[i]), exactly as the two backward passes one after the other.
   Kinds 0–4 only: gelu and silu need their input, so a convolution with them is not fused with pooling. */
void descent_maxpool_activation_backward(const float *gy, const float *y, const int32_t *argmax, float *gx, long planes,
                                         const descent_pool_geometry *g, int kind);
/* sums[c] += the sum of x[c, :] over a channels x plane block, added as descent_channel_activation_backward adds. */
void descent_channel_sums(const float *x, float *sums, long channels, long plane);
/* Mean over each window, padding counted as zeros (divisor k*k, torch's count_include_pad). */
void descent_avgpool_forward(const float *x, float *y, long planes, const descent_pool_geometry *g);
void descent_avgpool_backward(const float *gy, float *gx, long planes, const descent_pool_geometry *g);
/* Nearest upsampling by an integer factor: y[q][oh][ow] = x[q][oh / scale][ow / scale]. */
void descent_upsample_forward(const float *x, float *y, long planes, long height, long width, long scale);
/* gx[q][ih][iw] = the sum of gy over its scale x scale block. */
void descent_upsample_backward(const float *gy, float *gx, long planes, long height, long width, long scale);

/* Fork-join pool (parallel.c). body(context, part, parts) is called once for each part
   in 0..<parts, part 0 on the calling thread, each other part on whichever thread claims
   it first (a worker, or the caller once part 0 is done); returns when all are done.
   parts is capped at workers + 1; with no workers, or when another thread is already
   running a job, the caller runs every part itself. */
typedef void (*descent_parallel_body)(void *context, long part, long parts);
/* Sets the number of worker threads (0 = run everything on the caller); returns it. */
int descent_parallel_set_workers(int workers);
int descent_parallel_workers(void);
void descent_parallel_run(descent_parallel_body body, void *context, long parts);
/* Atomically adds increment to *value and returns the value before (relaxed order): a
   counter the parts of a job take work items from. */
long descent_fetch_add(long *value, long increment);
/* A process-wide flag, read without a lock on every product: whether BLAS.recordingCalls
   is collecting the products' arguments (acquire/release order). */
int descent_recording_calls(void);
void descent_set_recording_calls(int on);
/* body(context, item) once for each item in 0..<items (< 2^31), over the pool: each thread
   takes the items of its own contiguous range first, then helps with the others' (from
   their ends), so a preempted thread's items are done by the others. */
typedef void (*descent_item_body)(void *context, long item);
void descent_parallel_for(descent_item_body body, void *context, long items);
/* body(context, item) once for each item in 0..<items, on up to `threads` threads (the
   caller and threads started for the call, joined before returning); a thread the system
   refuses is not waited for, the others do its items (threads.c). Returns the number of
   threads started besides the caller. */
int descent_run_threads(descent_item_body body, void *context, long items, int threads);
/* How many of `threads` threads can run at once besides the process's current ones: starts
   them together (each waits for the others), then ends and joins them all. Below `threads`
   when a limit on processes or threads (RLIMIT_NPROC, `ulimit -u`) is near. */
int descent_thread_room(int threads);

/* The vector instruction sets usable on this machine (the CPU reports them through CPUID and
   the operating system enables their registers, XGETBV), as DESCENT_CPU_* bits; 0 off x86. */
enum {
    DESCENT_CPU_SSE41 = 1, DESCENT_CPU_AVX = 2, DESCENT_CPU_AVX2 = 4, DESCENT_CPU_AVX_VNNI = 8,
    DESCENT_CPU_AVX512_CORE = 16, DESCENT_CPU_AVX512_VNNI = 32, DESCENT_CPU_AVX512_BF16 = 64,
    DESCENT_CPU_AMX = 128
};
unsigned int descent_cpu_features(void);

/* The single-precision FMA peak of the calling thread's core in GFLOP/s: the fastest of
   repeated register-only FMA loops over `seconds`, with AVX-512 where the CPU has it, else
   AVX2+FMA; 0 without either. */
double descent_fma_peak_gflops(double seconds);

#endif
