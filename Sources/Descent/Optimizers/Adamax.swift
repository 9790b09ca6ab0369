import CKernels
import Foundation

/// Adamax, as `torch.optim.Adamax`: Adam with the infinity norm in place of the second moment.
///
/// ```
/// g ← ∇θ + λ·θ                               L2 penalty (skipped when λ = 0)
/// m ← m + (1 − β1)·(g − m)                   m starts at 0
/// u ← max(β2·u, |g| + ε)                     u starts at 0
/// θ ← θ − (lr / (1 − β1ᵗ)) · m / u
/// ```
/// Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", §7.1. Convention
/// (torch): ε is added to |g| inside the maximum (the paper has no ε); no bias correction
/// of u; the step size lr/(1 − β1ᵗ) is computed in Double and rounded once; t counts this
/// parameter's steps. State: `exp_avg`, `exp_inf`. Defaults (torch's and the paper's):
/// `lr = 0.002`, `β = (0.9, 0.999)`, `ε = 1e-8`, λ = 0.
///
/// One fused pass per block (`descent_adamax_update`): reads θ, g, m, u, writes θ, m, u.
public final class Adamax: StatefulOptimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float

    /// `--optimizer adamax`. Reads θ, g, m, u; writes θ, m, u.
    public static let rule = OptimizerRule(
        name: "adamax", displayName: "Adamax",
        options: [.learningRate(0.002), .number(.beta1, default: 0.9, in: .unitInterval),
                  .number(.beta2, default: 0.999, in: .unitInterval), .number(.epsilon, default: 1e-8, in: .positive),
                  .weightDecay(0)],
        traffic: .init(reads: 4, writes: 3)) { v in
            try Adamax(learningRate: v[.learningRate], beta1: v[.beta1], beta2: v[.beta2], epsilon: v[.epsilon],
                       weightDecay: v[.weightDecay])
        }

    public init(learningRate: Float = 0.002, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0) throws {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        try super.init(rule: Self.rule, learningRate: learningRate, weightDecay: weightDecay,
                       checking: [.beta1: beta1, .beta2: beta2, .epsilon: epsilon],
                       slotNames: ["exp_avg", "exp_inf"])
    }

    /// `span.scalars.0`: −lr/(1 − β1ᵗ).
    public override func prepare(_ span: inout Span) {
        let bc1 = 1 - pow(Double(beta1), Double(span.step))
        span.scalars = (Float(-(Double(learningRate) / bc1)), 0)
    }

    public override func update(_ span: Span) {
        let lerp = LerpWeight(Float(1 - Double(beta1)))
        descent_adamax_update(span.value, span.grad, span.state(0), span.state(1), span.count, span.scalars.0,
                              weightDecay, beta2, epsilon, lerp.coefficient, lerp.fromStart)
    }
}
