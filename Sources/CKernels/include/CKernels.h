#ifndef DESCENT_CKERNELS_H
#define DESCENT_CKERNELS_H
/*
 * Small C kernels Swift cannot express at full speed on Linux:
 *  - descent_sqrt8: an 8-wide square root. Swift's Float.squareRoot() lowers to a
 *    sqrtf call on Linux and blocks vectorisation; __builtin_elementwise_sqrt
 *    lowers to sqrtps.  Header-only so it inlines into Swift loops.
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

#endif
