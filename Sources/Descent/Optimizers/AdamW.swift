/// AdamW: Adam with decoupled weight decay, as `torch.optim.AdamW`.
///
/// ```
/// θ ← θ · (1 − lr·λ)                         decay first, on the weights, not the gradient
/// m ← m + (1 − β1)·(g − m);  v ← β2·v + (1 − β2)·g²;  v̂ ← max(v̂, v) (AMSGrad)
/// θ ← θ − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
/// ```
/// Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization". The decay is
/// multiplied by the (scheduled) lr, as in torch (the paper scales it by the schedule
/// multiplier only). Same state and conventions as `Adam`. Defaults: `lr = 0.001`,
/// `β = (0.9, 0.999)`, `ε = 1e-8`, `λ = 0.01` (torch's).
public final class AdamW: StatefulOptimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let amsgrad: Bool
    public override var name: String { "adamw" }

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                amsgrad: Bool = false, weightDecay: Float = 0.01) throws {
        try AdamKernel.validate("adamw", learningRate, beta1, beta2, epsilon, weightDecay)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        super.init(learningRate: learningRate, weightDecay: weightDecay,
                   slotNames: ["exp_avg", "exp_avg_sq"] + (amsgrad ? ["max_exp_avg_sq"] : []))
    }

    override func prepare(_ span: inout Span) {
        span.scalars = AdamKernel.scalars(step: span.step, learningRate: learningRate, beta1: beta1, beta2: beta2)
    }

    override func update(_ span: Span) {
        AdamKernel.run(span, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                       amsgrad: amsgrad, l2: 0, decoupled: weightDecay)
    }
}
