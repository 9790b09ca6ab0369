#ifndef DESCENT_CKERNELS_H
#define DESCENT_CKERNELS_H
/*
 * Small C kernels Swift cannot express at full speed on Linux:
 *  - descent_sqrt8: an 8-wide square root. Swift's Float.squareRoot() lowers to a
 *    sqrtf call on Linux and blocks vectorisation; __builtin_elementwise_sqrt
 *    lowers to sqrtps.  Header-only so it inlines into Swift loops.
 *  - descent_fma8: a*b+c with one rounding (through double), as torch's FMA kernels.
 *  - array kernels for exp / sigmoid / tanh (a polynomial exp, ~2 ulp), compiled
 *    for AVX2+FMA and baseline x86-64 with runtime selection (see kernels.c).
 */
#include <stddef.h>

typedef float descent_float8 __attribute__((ext_vector_type(8)));

static inline descent_float8 descent_sqrt8(descent_float8 x) {
    return __builtin_elementwise_sqrt(x);
}

typedef double descent_double8 __attribute__((ext_vector_type(8)));

/* a * b + c rounded once, like a fused multiply-add, without needing FMA hardware or
   compile flags: the product of two floats is exact in double, so only the double sum
   and the final conversion round (a double rounding that differs from a true FMA only
   when the double result falls exactly on a float tie). The optimizers use it where
   torch.optim's CPU kernels fuse (add with alpha, addcmul, lerp), so trajectories
   agree to the last bit or so instead of drifting over thousands of steps. */
static inline descent_float8 descent_fma8(descent_float8 a, descent_float8 b, descent_float8 c) {
    descent_double8 r = __builtin_convertvector(a, descent_double8) * __builtin_convertvector(b, descent_double8)
                      + __builtin_convertvector(c, descent_double8);
    return __builtin_convertvector(r, descent_float8);
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

#endif
