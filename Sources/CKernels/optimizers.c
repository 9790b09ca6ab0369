/* Fused optimizer updates for Sources/Descent/Optimizers: one pass over raw buffers,
   8 lanes at a time; the tail is copied into zero-padded blocks of 8 so it uses the
   same arithmetic. Rounding follows torch.optim's CPU kernels, which are built with
   FMA: a product that torch fuses into an add (add with alpha, addcmul, lerp) is
   rounded once here too (fma); every other operation rounds on its own (contraction
   is off). The haswell clone uses vfmadd; the baseline clone gets the same results
   through fmaf. */
#include "CKernels.h"
#include <string.h>

#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define DESCENT_CLONES __attribute__((target_clones("fma", "default")))
#else
#define DESCENT_CLONES
#endif

typedef descent_float8 v8;

/* Helpers take pointers, never v8 values: a v8 argument would need the AVX ABI in one
   clone and not in the other. They inline into each clone. */
#define LD(p) ({ v8 v_; memcpy(&v_, (p), sizeof v_); v_; })
#define ST(p, value) do { v8 v_ = (value); memcpy((p), &v_, sizeof v_); } while (0)
#define SPLAT(x) ((v8){(x), (x), (x), (x), (x), (x), (x), (x)})
#define FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define SQRT(x) __builtin_elementwise_sqrt(x)
/* torch's lerp(start, end, w): fma(w, end - start, start) for |w| < 0.5, else fma(w - 1, end - start, end). */
#define LERP(start, end, coef, from_start) ({ v8 s_ = (start), e_ = (end); FMA(SPLAT(coef), e_ - s_, (from_start) ? s_ : e_); })

/* Runs BLOCK(i) for full blocks, then copies the tail of up to NARR arrays into padded
   8-float buffers, runs the block on them and copies the written arrays back. */
#define TAIL_BUF(name) float name##_t[8] = {0, 0, 0, 0, 0, 0, 0, 0}

struct sgd_p { float neg_lr, wd; };
static inline void sgd_block(float *w, const float *g, const struct sgd_p *p) {
    v8 wi = LD(w), gi = LD(g);
    if (p->wd != 0) gi = FMA(SPLAT(p->wd), wi, gi);              /* grad.add(param, alpha=wd) */
    ST(w, FMA(SPLAT(p->neg_lr), gi, wi));                         /* param.add_(grad, alpha=-lr) */
}

DESCENT_CLONES
void descent_sgd_update(float *w, const float *g, long n, float neg_lr, float wd) {
    struct sgd_p p = {neg_lr, wd};
    long i = 0;
    for (; i + 8 <= n; i += 8) sgd_block(w + i, g + i, &p);
    if (i < n) {
        size_t b = (size_t)(n - i) * sizeof(float);
        TAIL_BUF(w); TAIL_BUF(g);
        memcpy(w_t, w + i, b); memcpy(g_t, g + i, b);
        sgd_block(w_t, g_t, &p);
        memcpy(w + i, w_t, b);
    }
}

struct momentum_p { float neg_lr, wd, mu, damp; int first, nesterov; };
static inline void momentum_block(float *w, const float *g, float *b, const struct momentum_p *p) {
    v8 wi = LD(w), gi = LD(g), mu = SPLAT(p->mu);
    if (p->wd != 0) gi = FMA(SPLAT(p->wd), wi, gi);
    v8 bi = p->first ? gi : FMA(SPLAT(p->damp), gi, LD(b) * mu);  /* buf.mul_(mu).add_(g, alpha=1-damp) */
    ST(b, bi);
    v8 step = p->nesterov ? FMA(mu, bi, gi) : bi;                 /* grad.add(buf, alpha=mu) */
    ST(w, FMA(SPLAT(p->neg_lr), step, wi));
}

DESCENT_CLONES
void descent_momentum_update(float *w, const float *g, float *b, long n, float neg_lr, float wd,
                             float momentum, float one_minus_dampening, int first, int nesterov) {
    struct momentum_p p = {neg_lr, wd, momentum, one_minus_dampening, first, nesterov};
    long i = 0;
    for (; i + 8 <= n; i += 8) momentum_block(w + i, g + i, b + i, &p);
    if (i < n) {
        size_t s = (size_t)(n - i) * sizeof(float);
        TAIL_BUF(w); TAIL_BUF(g); TAIL_BUF(b);
        memcpy(w_t, w + i, s); memcpy(g_t, g + i, s); memcpy(b_t, b + i, s);
        momentum_block(w_t, g_t, b_t, &p);
        memcpy(w + i, w_t, s); memcpy(b + i, b_t, s);
    }
}

struct adagrad_p { float neg_lr, wd, eps; };
static inline void adagrad_block(float *w, const float *g, float *s, const struct adagrad_p *p) {
    v8 wi = LD(w), gi = LD(g);
    if (p->wd != 0) gi = FMA(SPLAT(p->wd), wi, gi);
    v8 si = FMA(gi, gi, LD(s));                                   /* sum.addcmul_(g, g, value=1) */
    ST(s, si);
    v8 std = SQRT(si) + SPLAT(p->eps);
    ST(w, wi + SPLAT(p->neg_lr) * gi / std);                      /* param.addcdiv_(g, std, value=-lr) */
}

DESCENT_CLONES
void descent_adagrad_update(float *w, const float *g, float *s, long n, float neg_lr, float wd, float eps) {
    struct adagrad_p p = {neg_lr, wd, eps};
    long i = 0;
    for (; i + 8 <= n; i += 8) adagrad_block(w + i, g + i, s + i, &p);
    if (i < n) {
        size_t b = (size_t)(n - i) * sizeof(float);
        TAIL_BUF(w); TAIL_BUF(g); TAIL_BUF(s);
        memcpy(w_t, w + i, b); memcpy(g_t, g + i, b); memcpy(s_t, s + i, b);
        adagrad_block(w_t, g_t, s_t, &p);
        memcpy(w + i, w_t, b); memcpy(s + i, s_t, b);
    }
}

struct rmsprop_p { float neg_lr, wd, alpha, one_minus_alpha, eps, mu, lerp_coef; int lerp_from_start; };
static inline void rmsprop_block(float *w, const float *g, float *s, float *b, float *a, const struct rmsprop_p *p) {
    v8 wi = LD(w), gi = LD(g);
    if (p->wd != 0) gi = FMA(SPLAT(p->wd), wi, gi);
    v8 si = FMA(SPLAT(p->one_minus_alpha) * gi, gi, LD(s) * SPLAT(p->alpha)); /* mul_(alpha).addcmul_(g, g, value=1-alpha) */
    ST(s, si);
    v8 avg;
    if (a) {
        v8 ai = LERP(LD(a), gi, p->lerp_coef, p->lerp_from_start);     /* grad_avg.lerp_(g, 1-alpha) */
        ST(a, ai);
        avg = SQRT(FMA(-ai, ai, si)) + SPLAT(p->eps);             /* addcmul(a, a, value=-1).sqrt_().add_(eps) */
    } else {
        avg = SQRT(si) + SPLAT(p->eps);
    }
    if (b) {
        v8 bi = LD(b) * SPLAT(p->mu) + gi / avg;                  /* buf.mul_(mu).addcdiv_(g, avg) */
        ST(b, bi);
        ST(w, FMA(SPLAT(p->neg_lr), bi, wi));                     /* param.add_(buf, alpha=-lr) */
    } else {
        ST(w, wi + SPLAT(p->neg_lr) * gi / avg);                  /* param.addcdiv_(g, avg, value=-lr) */
    }
}

DESCENT_CLONES
void descent_rmsprop_update(float *w, const float *g, float *s, float *b, float *a, long n, float neg_lr,
                            float wd, float alpha, float one_minus_alpha, float eps, float momentum,
                            float lerp_coef, int lerp_from_start) {
    struct rmsprop_p p = {neg_lr, wd, alpha, one_minus_alpha, eps, momentum, lerp_coef, lerp_from_start};
    long i = 0;
    for (; i + 8 <= n; i += 8) rmsprop_block(w + i, g + i, s + i, b ? b + i : 0, a ? a + i : 0, &p);
    if (i < n) {
        size_t c = (size_t)(n - i) * sizeof(float);
        TAIL_BUF(w); TAIL_BUF(g); TAIL_BUF(s); TAIL_BUF(b); TAIL_BUF(a);
        memcpy(w_t, w + i, c); memcpy(g_t, g + i, c); memcpy(s_t, s + i, c);
        if (b) memcpy(b_t, b + i, c);
        if (a) memcpy(a_t, a + i, c);
        rmsprop_block(w_t, g_t, s_t, b ? b_t : 0, a ? a_t : 0, &p);
        memcpy(w + i, w_t, c); memcpy(s + i, s_t, c);
        if (b) memcpy(b + i, b_t, c);
        if (a) memcpy(a + i, a_t, c);
    }
}

struct adadelta_p { float neg_lr, wd, rho, one_minus_rho, eps; };
static inline void adadelta_block(float *w, const float *g, float *s, float *u, const struct adadelta_p *p) {
    v8 wi = LD(w), gi = LD(g), r = SPLAT(p->rho), om = SPLAT(p->one_minus_rho), e = SPLAT(p->eps);
    if (p->wd != 0) gi = FMA(SPLAT(p->wd), wi, gi);
    v8 si = FMA(om * gi, gi, LD(s) * r);                          /* mul_(rho).addcmul_(g, g, value=1-rho) */
    ST(s, si);
    v8 std = SQRT(si + e);
    v8 ui = LD(u);
    v8 delta = SQRT(ui + e) / std * gi;                           /* acc_delta.add(eps).sqrt_().div_(std).mul_(g) */
    ST(u, FMA(om * delta, delta, ui * r));                        /* mul_(rho).addcmul_(delta, delta, value=1-rho) */
    ST(w, FMA(SPLAT(p->neg_lr), delta, wi));                      /* param.add_(delta, alpha=-lr) */
}

DESCENT_CLONES
void descent_adadelta_update(float *w, const float *g, float *s, float *u, long n, float neg_lr, float wd,
                             float rho, float one_minus_rho, float eps) {
    struct adadelta_p p = {neg_lr, wd, rho, one_minus_rho, eps};
    long i = 0;
    for (; i + 8 <= n; i += 8) adadelta_block(w + i, g + i, s + i, u + i, &p);
    if (i < n) {
        size_t c = (size_t)(n - i) * sizeof(float);
        TAIL_BUF(w); TAIL_BUF(g); TAIL_BUF(s); TAIL_BUF(u);
        memcpy(w_t, w + i, c); memcpy(g_t, g + i, c); memcpy(s_t, s + i, c); memcpy(u_t, u + i, c);
        adadelta_block(w_t, g_t, s_t, u_t, &p);
        memcpy(w + i, w_t, c); memcpy(s + i, s_t, c); memcpy(u + i, u_t, c);
    }
}

struct adam_p { float neg_step_size, bc2_sqrt, eps, wd, keep, beta2, one_minus_beta2, lerp_coef; int lerp_from_start; };
static inline void adam_block(float *w, const float *g, float *m, float *v, float *vmax, const struct adam_p *p) {
    v8 wi = LD(w), gi = LD(g);
    if (p->keep != 1) wi = wi * SPLAT(p->keep);                   /* AdamW: param.mul_(1 - lr*wd) */
    if (p->wd != 0) gi = FMA(SPLAT(p->wd), wi, gi);               /* Adam L2: grad.add(param, alpha=wd) */
    v8 mi = LERP(LD(m), gi, p->lerp_coef, p->lerp_from_start);    /* exp_avg.lerp_(g, 1-beta1) */
    v8 vi = FMA(SPLAT(p->one_minus_beta2) * gi, gi, LD(v) * SPLAT(p->beta2)); /* mul_(beta2).addcmul_(g, g, value=1-beta2) */
    ST(m, mi);
    ST(v, vi);
    if (vmax) {
        vi = __builtin_elementwise_max(LD(vmax), vi);             /* torch.maximum(max_exp_avg_sq, v, out=...) */
        ST(vmax, vi);
    }
    v8 denom = SQRT(vi) / SPLAT(p->bc2_sqrt) + SPLAT(p->eps);     /* (v.sqrt() / sqrt(bc2)).add_(eps) */
    ST(w, wi + SPLAT(p->neg_step_size) * mi / denom);             /* param.addcdiv_(m, denom, value=-lr/bc1) */
}

DESCENT_CLONES
void descent_adam_update(float *w, const float *g, float *m, float *v, float *vmax, long n, float neg_step_size,
                         float bias_correction2_sqrt, float eps, float wd, float decay_keep, float beta2,
                         float one_minus_beta2, float lerp_coef, int lerp_from_start) {
    struct adam_p p = {neg_step_size, bias_correction2_sqrt, eps, wd, decay_keep, beta2, one_minus_beta2,
                       lerp_coef, lerp_from_start};
    long i = 0;
    for (; i + 8 <= n; i += 8) adam_block(w + i, g + i, m + i, v + i, vmax ? vmax + i : 0, &p);
    if (i < n) {
        size_t c = (size_t)(n - i) * sizeof(float);
        TAIL_BUF(w); TAIL_BUF(g); TAIL_BUF(m); TAIL_BUF(v); TAIL_BUF(x);
        memcpy(w_t, w + i, c); memcpy(g_t, g + i, c); memcpy(m_t, m + i, c); memcpy(v_t, v + i, c);
        if (vmax) memcpy(x_t, vmax + i, c);
        adam_block(w_t, g_t, m_t, v_t, vmax ? x_t : 0, &p);
        memcpy(w + i, w_t, c); memcpy(m + i, m_t, c); memcpy(v + i, v_t, c);
        if (vmax) memcpy(vmax + i, x_t, c);
    }
}

struct nadam_p { float keep, wd, beta2, one_minus_beta2, lerp_coef; int lerp_from_start; float bc2, eps, cg, cm; };
static inline void nadam_block(float *w, const float *g, float *m, float *v, const struct nadam_p *p) {
    v8 wi = LD(w), gi = LD(g);
    if (p->keep != 1) wi = wi * SPLAT(p->keep);                   /* NAdamW: param.mul_(1 - lr*wd) */
    if (p->wd != 0) gi = FMA(SPLAT(p->wd), wi, gi);               /* NAdam L2: grad.add(param, alpha=wd) */
    v8 mi = LERP(LD(m), gi, p->lerp_coef, p->lerp_from_start);    /* exp_avg.lerp_(g, 1-beta1) */
    v8 vi = FMA(SPLAT(p->one_minus_beta2) * gi, gi, LD(v) * SPLAT(p->beta2)); /* mul_(beta2).addcmul_(g, g, value=1-beta2) */
    ST(m, mi);
    ST(v, vi);
    v8 denom = SQRT(vi / SPLAT(p->bc2)) + SPLAT(p->eps);          /* exp_avg_sq.div(bc2).sqrt().add_(eps) */
    wi = wi + SPLAT(p->cg) * gi / denom;                          /* param.addcdiv_(g, denom, value=-lr(1-mu)/(1-prod)) */
    ST(w, wi + SPLAT(p->cm) * mi / denom);                        /* param.addcdiv_(m, denom, value=-lr mu'/(1-prod')) */
}

DESCENT_CLONES
void descent_nadam_update(float *w, const float *g, float *m, float *v, long n, float decay_keep, float wd,
                          float beta2, float one_minus_beta2, float lerp_coef, int lerp_from_start,
                          float bias_correction2, float eps, float grad_coef, float avg_coef) {
    struct nadam_p p = {decay_keep, wd, beta2, one_minus_beta2, lerp_coef, lerp_from_start, bias_correction2, eps,
                        grad_coef, avg_coef};
    long i = 0;
    for (; i + 8 <= n; i += 8) nadam_block(w + i, g + i, m + i, v + i, &p);
    if (i < n) {
        size_t c = (size_t)(n - i) * sizeof(float);
        TAIL_BUF(w); TAIL_BUF(g); TAIL_BUF(m); TAIL_BUF(v);
        memcpy(w_t, w + i, c); memcpy(g_t, g + i, c); memcpy(m_t, m + i, c); memcpy(v_t, v + i, c);
        nadam_block(w_t, g_t, m_t, v_t, &p);
        memcpy(w + i, w_t, c); memcpy(m + i, m_t, c); memcpy(v + i, v_t, c);
    }
}

struct radam_p { float wd, beta2, one_minus_beta2, lerp_coef; int lerp_from_start; float bc1, lr; int rectify;
                 float bc2_sqrt, eps, rect; };
static inline void radam_block(float *w, const float *g, float *m, float *v, const struct radam_p *p) {
    v8 wi = LD(w), gi = LD(g);
    if (p->wd != 0) gi = FMA(SPLAT(p->wd), wi, gi);               /* grad.add(param, alpha=wd) */
    v8 mi = LERP(LD(m), gi, p->lerp_coef, p->lerp_from_start);    /* exp_avg.lerp_(g, 1-beta1) */
    v8 vi = FMA(SPLAT(p->one_minus_beta2) * gi, gi, LD(v) * SPLAT(p->beta2)); /* mul_(beta2).addcmul_(g, g, value=1-beta2) */
    ST(m, mi);
    ST(v, vi);
    v8 step = mi / SPLAT(p->bc1) * SPLAT(p->lr);                  /* exp_avg / bc1 * lr */
    if (p->rectify) {
        v8 adaptive = SPLAT(1) / (SQRT(vi) + SPLAT(p->eps)) * SPLAT(p->bc2_sqrt); /* bc2**0.5 / (sqrt(v) + eps): reciprocal() * s */
        step = step * adaptive * SPLAT(p->rect);
    }
    ST(w, wi - step);                                             /* param.add_(step, alpha=-1) */
}

DESCENT_CLONES
void descent_radam_update(float *w, const float *g, float *m, float *v, long n, float wd, float beta2,
                          float one_minus_beta2, float lerp_coef, int lerp_from_start, float bias_correction1,
                          float lr, int rectify, float bias_correction2_sqrt, float eps, float rect) {
    struct radam_p p = {wd, beta2, one_minus_beta2, lerp_coef, lerp_from_start, bias_correction1, lr, rectify,
                        bias_correction2_sqrt, eps, rect};
    long i = 0;
    for (; i + 8 <= n; i += 8) radam_block(w + i, g + i, m + i, v + i, &p);
    if (i < n) {
        size_t c = (size_t)(n - i) * sizeof(float);
        TAIL_BUF(w); TAIL_BUF(g); TAIL_BUF(m); TAIL_BUF(v);
        memcpy(w_t, w + i, c); memcpy(g_t, g + i, c); memcpy(m_t, m + i, c); memcpy(v_t, v + i, c);
        radam_block(w_t, g_t, m_t, v_t, &p);
        memcpy(w + i, w_t, c); memcpy(m + i, m_t, c); memcpy(v + i, v_t, c);
    }
}

struct adamax_p { float neg_clr, wd, beta2, eps, lerp_coef; int lerp_from_start; };
static inline void adamax_block(float *w, const float *g, float *m, float *u, const struct adamax_p *p) {
    v8 wi = LD(w), gi = LD(g);
    if (p->wd != 0) gi = FMA(SPLAT(p->wd), wi, gi);               /* grad.add(param, alpha=wd) */
    v8 mi = LERP(LD(m), gi, p->lerp_coef, p->lerp_from_start);    /* exp_avg.lerp_(g, 1-beta1) */
    v8 ui = __builtin_elementwise_max(LD(u) * SPLAT(p->beta2),   /* maximum(exp_inf.mul_(beta2), */
                                      __builtin_elementwise_abs(gi) + SPLAT(p->eps)); /* g.abs().add_(eps)) */
    ST(m, mi);
    ST(u, ui);
    ST(w, wi + SPLAT(p->neg_clr) * mi / ui);                      /* param.addcdiv_(m, exp_inf, value=-lr/bc1) */
}

DESCENT_CLONES
void descent_adamax_update(float *w, const float *g, float *m, float *u, long n, float neg_clr, float wd,
                           float beta2, float eps, float lerp_coef, int lerp_from_start) {
    struct adamax_p p = {neg_clr, wd, beta2, eps, lerp_coef, lerp_from_start};
    long i = 0;
    for (; i + 8 <= n; i += 8) adamax_block(w + i, g + i, m + i, u + i, &p);
    if (i < n) {
        size_t c = (size_t)(n - i) * sizeof(float);
        TAIL_BUF(w); TAIL_BUF(g); TAIL_BUF(m); TAIL_BUF(u);
        memcpy(w_t, w + i, c); memcpy(g_t, g + i, c); memcpy(m_t, m + i, c); memcpy(u_t, u + i, c);
        adamax_block(w_t, g_t, m_t, u_t, &p);
        memcpy(w + i, w_t, c); memcpy(m + i, m_t, c); memcpy(u + i, u_t, c);
    }
}

struct lion_p { float neg_lr, keep, beta1, one_minus_beta1, beta2, one_minus_beta2; };
static inline void lion_block(float *w, const float *g, float *m, const struct lion_p *p) {
    v8 wi = LD(w), gi = LD(g), mi = LD(m);
    if (p->keep != 1) wi = wi * SPLAT(p->keep);                   /* p.mul_(1 - lr*wd) */
    v8 c = FMA(SPLAT(p->one_minus_beta1), gi, mi * SPLAT(p->beta1)); /* exp_avg.clone().mul_(b1).add(g, alpha=1-b1) */
    v8 sign = __builtin_convertvector(c < 0, v8) - __builtin_convertvector(c > 0, v8); /* .sgn_(): -1, 0, 1 (true is -1) */
    ST(w, FMA(SPLAT(p->neg_lr), sign, wi));                       /* p.add_(sign, alpha=-lr) */
    ST(m, FMA(SPLAT(p->one_minus_beta2), gi, mi * SPLAT(p->beta2))); /* exp_avg.mul_(b2).add_(g, alpha=1-b2) */
}

DESCENT_CLONES
void descent_lion_update(float *w, const float *g, float *m, long n, float neg_lr, float decay_keep,
                         float beta1, float one_minus_beta1, float beta2, float one_minus_beta2) {
    struct lion_p p = {neg_lr, decay_keep, beta1, one_minus_beta1, beta2, one_minus_beta2};
    long i = 0;
    for (; i + 8 <= n; i += 8) lion_block(w + i, g + i, m + i, &p);
    if (i < n) {
        size_t c = (size_t)(n - i) * sizeof(float);
        TAIL_BUF(w); TAIL_BUF(g); TAIL_BUF(m);
        memcpy(w_t, w + i, c); memcpy(g_t, g + i, c); memcpy(m_t, m + i, c);
        lion_block(w_t, g_t, m_t, &p);
        memcpy(w + i, w_t, c); memcpy(m + i, m_t, c);
    }
}

DESCENT_CLONES
void descent_muon_momentum(const float *g, float *buf, float *u, long n, float lerp_coef, int lerp_from_start,
                           float nesterov_coef, int nesterov_from_start, int nesterov) {
    for (long i = 0; i < n; i++) {
        float gi = g[i], bi = buf[i];
        bi = __builtin_fmaf(lerp_coef, gi - bi, lerp_from_start ? bi : gi);            /* buf.lerp_(g, 1-mu) */
        buf[i] = bi;
        u[i] = nesterov ? __builtin_fmaf(nesterov_coef, bi - gi, nesterov_from_start ? gi : bi) : bi; /* g.lerp(buf, mu) */
    }
}

DESCENT_CLONES
void descent_decay_add(float *w, const float *u, long n, float keep, float neg_lr) {
    for (long i = 0; i < n; i++) w[i] = __builtin_fmaf(neg_lr, u[i], w[i] * keep);  /* mul_(1-lr*wd).add_(u, alpha=-lr') */
}

struct sf_p { float beta2, one_minus_beta2, bc2, eps, decay, ckp1_coef; int ckp1_from_start; float y_coef, neg_lr; };
static inline void sf_block(float *y, const float *g, float *z, float *v, const struct sf_p *p) {
    v8 yi = LD(y), gi = LD(g), zi = LD(z);
    v8 vi = FMA(SPLAT(p->one_minus_beta2) * gi, gi, LD(v) * SPLAT(p->beta2)); /* mul_(beta2).addcmul_(g, g, value=1-beta2) */
    ST(v, vi);
    v8 ni = gi / (SQRT(vi / SPLAT(p->bc2)) + SPLAT(p->eps));      /* grad.div_(v.div(bc2).sqrt_().add_(eps)) */
    if (p->decay != 0) ni = FMA(SPLAT(p->decay), yi, ni);         /* add_(y, alpha=decay) */
    yi = LERP(yi, zi, p->ckp1_coef, p->ckp1_from_start);          /* y.lerp_(z, ckp1) */
    ST(y, FMA(SPLAT(p->y_coef), ni, yi));                         /* y.add_(n, alpha=lr*(b1*(1-ckp1)-1)) */
    ST(z, FMA(SPLAT(p->neg_lr), ni, zi));                         /* z.sub_(n, alpha=lr) */
}

DESCENT_CLONES
void descent_schedule_free_update(float *y, const float *g, float *z, float *v, long n, float beta2,
                                  float one_minus_beta2, float bias_correction2, float eps, float decay,
                                  float ckp1_coef, int ckp1_from_start, float y_coef, float neg_lr) {
    struct sf_p p = {beta2, one_minus_beta2, bias_correction2, eps, decay, ckp1_coef, ckp1_from_start, y_coef, neg_lr};
    long i = 0;
    for (; i + 8 <= n; i += 8) sf_block(y + i, g + i, z + i, v + i, &p);
    if (i < n) {
        size_t c = (size_t)(n - i) * sizeof(float);
        TAIL_BUF(y); TAIL_BUF(g); TAIL_BUF(z); TAIL_BUF(v);
        memcpy(y_t, y + i, c); memcpy(g_t, g + i, c); memcpy(z_t, z + i, c); memcpy(v_t, v + i, c);
        sf_block(y_t, g_t, z_t, v_t, &p);
        memcpy(y + i, y_t, c); memcpy(z + i, z_t, c); memcpy(v + i, v_t, c);
    }
}

DESCENT_CLONES
void descent_lerp_toward(float *p, const float *z, long n, float lerp_coef, int lerp_from_start) {
    for (long i = 0; i < n; i++) {
        float pi = p[i], zi = z[i];
        p[i] = __builtin_fmaf(lerp_coef, zi - pi, lerp_from_start ? pi : zi);   /* p.lerp_(z, w) */
    }
}
