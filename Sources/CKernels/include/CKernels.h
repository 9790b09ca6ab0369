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
   kind: 0 identity, 1 relu, 2 sigmoid, 3 tanh. */
void descent_bias_activation(float *y, const float *bias, long rows, long cols, int kind);
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
   in descent_bias_activation, 0 copies g unless out == g); if bias_grad is not NULL,
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

/* Fork-join pool (parallel.c). body(context, part, parts) is called once for each part
   in 0..<parts, part 0 on the calling thread, the others on pool workers; returns when
   all are done. parts is capped at workers + 1; with no workers, or when another thread
   is already running a job, the caller runs every part itself. */
typedef void (*descent_parallel_body)(void *context, long part, long parts);
/* Sets the number of worker threads (0 = run everything on the caller); returns it. */
int descent_parallel_set_workers(int workers);
int descent_parallel_workers(void);
void descent_parallel_run(descent_parallel_body body, void *context, long parts);

#endif
