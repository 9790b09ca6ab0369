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

    /// `--optimizer rmsprop`. Reads θ, g, s; writes θ, s (plus b, a with momentum, centered).
    public static let rule = OptimizerRule(
        name: "rmsprop", displayName: "RMSprop",
        options: [.learningRate(0.001), .number(.alpha, default: 0.99, in: .unitInterval),
                  .number(.epsilon, default: 1e-8, in: .positive),
                  .number(.momentum, default: 0, in: .unitInterval, summary: .unlessZero), .flag(.centered),
                  .weightDecay(0)],
        traffic: .init(reads: 3, writes: 2)) { v in
            try RMSprop(learningRate: v[.learningRate], alpha: v[.alpha], epsilon: v[.epsilon],
                        momentum: v[.momentum], centered: v.isOn(.centered), weightDecay: v[.weightDecay])
        }

    public init(learningRate: Float = 0.001, alpha: Float = 0.99, epsilon: Float = 1e-8,
                momentum: Float = 0, centered: Bool = false, weightDecay: Float = 0) throws {
        self.alpha = alpha
        self.epsilon = epsilon
        self.momentum = momentum
        self.centered = centered
        try super.init(rule: Self.rule, learningRate: learningRate, weightDecay: weightDecay,
                       checking: [.alpha: alpha, .epsilon: epsilon, .momentum: momentum],
                       slotNames: ["square_avg"] + (momentum > 0 ? ["momentum_buffer"] : []) + (centered ? ["grad_avg"] : []))
    }

    public override func update(_ span: Span) {
        let s = span.state(0)
        let b = momentum > 0 ? span.state(1) : nil
        let a = centered ? span.state(span.stateCount - 1) : nil
        let lerp = LerpWeight(Float(1 - Double(alpha)))
        descent_rmsprop_update(span.value, span.grad, s, b, a, span.count, -learningRate,
                               weightDecay, alpha, Float(1 - Double(alpha)), epsilon, momentum,
                               lerp.coefficient, lerp.fromStart)
    }
}
