import CKernels

/// Lion (EvoLved Sign Momentum), as the `lion-pytorch` package (0.2.5) computes it.
///
/// ```
/// θ ← θ · (1 − lr·λ)                         decoupled decay (skipped when λ = 0)
/// c ← β1·m + (1 − β1)·g                      interpolation that gives the update's sign
/// θ ← θ − lr · sign(c)                       sign(0) = 0
/// m ← β2·m + (1 − β2)·g                      m starts at 0
/// ```
/// Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms" (NeurIPS), Program 1.
/// Convention (lion-pytorch, as the paper): weight decay is decoupled and scaled by the
/// (scheduled) lr; the update has the same magnitude lr in every element, so lr is
/// typically 3–10× smaller than AdamW's and λ 3–10× larger. The interpolations are one
/// fused multiply-add each (`mul_(β).add(g, alpha=1 − β)`). No bias correction, no step
/// count in the update. State: `exp_avg`. Defaults (the paper's and the package's):
/// `lr = 1e-4`, `β = (0.9, 0.99)`, λ = 0.
///
/// One fused pass per block (`descent_lion_update`): reads θ, g, m, writes θ, m.
public final class Lion: StatefulOptimizer {
    public let beta1: Float
    public let beta2: Float

    /// `--optimizer lion`. Reads θ, g, m; writes θ, m.
    public static let rule = OptimizerRule(
        name: "lion", displayName: "Lion",
        options: [.learningRate(1e-4), .number(.beta1, default: 0.9, in: .unitInterval),
                  .number(.beta2, default: 0.99, in: .unitInterval), .weightDecay(0)],
        traffic: .init(reads: 3, writes: 2)) { v in
            try Lion(learningRate: v[.learningRate], beta1: v[.beta1], beta2: v[.beta2], weightDecay: v[.weightDecay])
        }

    public init(learningRate: Float = 1e-4, beta1: Float = 0.9, beta2: Float = 0.99, weightDecay: Float = 0) throws {
        self.beta1 = beta1
        self.beta2 = beta2
        try super.init(rule: Self.rule, learningRate: learningRate, weightDecay: weightDecay,
                       checking: [.beta1: beta1, .beta2: beta2], slotNames: ["exp_avg"])
    }

    public override func update(_ span: Span) {
        let keep = weightDecay != 0 ? Float(1 - Double(learningRate) * Double(weightDecay)) : 1
        descent_lion_update(span.value, span.grad, span.state(0), span.count, -learningRate, keep,
                            beta1, Float(1 - Double(beta1)), beta2, Float(1 - Double(beta2)))
    }
}
