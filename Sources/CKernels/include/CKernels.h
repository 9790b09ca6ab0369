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
 */
#include <stddef.h>

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

#endif
