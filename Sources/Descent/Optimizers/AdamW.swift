/// AdamW: Adam with decoupled weight decay, as `torch.optim.AdamW`.
///
/// ```
/// θ ← θ · (1 − lr·λ)                         decay first, on the weights, not the gradient
/// m ← m + (1 − β1)·(g − m);  v ← β2·v + (1 − β2)·g²;  v̂ ← max(v̂, v) (AMSGrad)
/// θ ← θ − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
/// ```
/// Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization". The decay is
/// multiplied by the (scheduled) lr, as in torch (the paper scales it by the schedule
/// multiplier only). The update is `Adam`'s with `decoupledWeightDecay` on; only the
/// default λ differs. Defaults: `lr = 0.001`, `β = (0.9, 0.999)`, `ε = 1e-8`, `λ = 0.01` (torch's).
public final class AdamW: Adam {
    /// `--optimizer adamw`.
    public override class var rule: OptimizerRule { adamWRule }

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                amsgrad: Bool = false, weightDecay: Float = 0.01) throws {
        try super.init(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad,
                       weightDecay: weightDecay, decoupledWeightDecay: true)
    }
}

/// `--optimizer adamw`. Same traffic as Adam.
private let adamWRule = OptimizerRule(
    name: "adamw", displayName: "AdamW", options: Adam.options(weightDecay: 0.01),
    traffic: .init(reads: 4, writes: 3)) { v in
        try AdamW(learningRate: v[.learningRate], beta1: v[.beta1], beta2: v[.beta2], epsilon: v[.epsilon],
                  amsgrad: v.isOn(.amsgrad), weightDecay: v[.weightDecay])
    }
