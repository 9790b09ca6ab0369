import CKernels

/// RMSprop, as `torch.optim.RMSprop` (with its `centered` and `momentum` options).
///
/// ```
/// g ← ∇θ + wd·θ
/// s ← α·s + (1 − α)·g²                         s starts at 0
/// a ← a + (1 − α)·(g − a)                      centered only (torch: lerp), a starts at 0
/// d ← √(s − a²) + ε   if centered,  else  d ← √s + ε      (ε outside the square root)
/// b ← μ·b + g / d;  θ ← θ − lr · b             if μ > 0 (b starts at 0)
/// θ ← θ − lr · g / d                           otherwise
/// ```
/// Tieleman & Hinton 2012, "Lecture 6.5 — RMSprop" (COURSERA: Neural Networks for
/// Machine Learning); centered form from Graves 2013, "Generating Sequences With
/// Recurrent Neural Networks". No bias correction. State: `square_avg`, then
/// `momentum_buffer` if μ > 0, then `grad_avg` if centered.
/// Defaults: `lr = 0.001`, `α = 0.99`, `ε = 1e-8` (the seed article's; torch's lr is 0.01).
public final class RMSprop: StatefulOptimizer {
    public let alpha: Float
    public let epsilon: Float
    public let momentum: Float
    public let centered: Bool
    public override var name: String { "rmsprop" }

    public init(learningRate: Float = 0.001, alpha: Float = 0.99, epsilon: Float = 1e-8,
                momentum: Float = 0, centered: Bool = false, weightDecay: Float = 0) throws {
        try Check.learningRate(learningRate, "rmsprop")
        try Check.unitInterval(alpha, "alpha", "rmsprop")
        try Check.positive(epsilon, "eps", "rmsprop")
        try Check.unitInterval(momentum, "momentum", "rmsprop")
        try Check.nonNegative(weightDecay, "weightDecay", "rmsprop")
        self.alpha = alpha
        self.epsilon = epsilon
        self.momentum = momentum
        self.centered = centered
        super.init(learningRate: learningRate, weightDecay: weightDecay,
                   slotNames: ["square_avg"] + (momentum > 0 ? ["momentum_buffer"] : []) + (centered ? ["grad_avg"] : []))
    }

    override func update(_ parameter: Parameter, _ slot: Slot) {
        let w = parameter.value.data, g = parameter.grad.data
        let s = slot.tensors[0].data
        let b = momentum > 0 ? slot.tensors[1].data : s
        let a = centered ? slot.tensors[slot.tensors.count - 1].data : s
        let lr = splat(-learningRate), wd = splat(weightDecay), eps = splat(epsilon)
        let al = splat(alpha), oneMinus = splat(Float(1 - Double(alpha))), mu = splat(momentum)
        let lerp = Lerp8(weight: Float(1 - Double(alpha)))
        let useMomentum = momentum > 0, isCentered = centered
        forEachBlock8(parameter.count) { i, k in
            let wi = load8(w, i, k)
            let gi = fma8(wd, wi, load8(g, i, k))
            let si = fma8(oneMinus * gi, gi, load8(s, i, k) * al)     // mul_(α).addcmul_(g, g, value: 1 − α)
            store8(si, s, i, k)
            let d: SIMD8<Float>
            if isCentered {
                var ai = load8(a, i, k)
                ai = lerp(ai, gi)                    // lerp_(g, 1 − α), weight < 0.5
                store8(ai, a, i, k)
                d = descent_sqrt8(fma8(-ai, ai, si)) + eps  // addcmul(a, a, value: −1).sqrt_().add_(ε)
            } else {
                d = descent_sqrt8(si) + eps
            }
            if useMomentum {
                let bi = load8(b, i, k) * mu + gi / d               // mul_(μ).addcdiv_(g, d)
                store8(bi, b, i, k)
                store8(fma8(lr, bi, wi), w, i, k)
            } else {
                store8(wi + lr * gi / d, w, i, k)                   // addcdiv_(g, d, value: −lr)
            }
        }
    }
}
