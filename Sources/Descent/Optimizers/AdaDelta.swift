import CKernels

/// AdaDelta, as `torch.optim.Adadelta`.
///
/// ```
/// g ← ∇θ + wd·θ
/// s ← ρ·s + (1 − ρ)·g²                     s starts at 0
/// d ← √(u + ε) / √(s + ε) · g              ε inside both square roots
/// u ← ρ·u + (1 − ρ)·d²                     u starts at 0
/// θ ← θ − lr · d
/// ```
/// Zeiler 2012, "ADADELTA: An Adaptive Learning Rate Method". No bias correction.
/// State: `square_avg`, `acc_delta`. Defaults: `ρ = 0.95`, `ε = 1e-6` (the seed article's
/// and the paper's; torch's ρ is 0.9) and `lr = 1.0` (torch's; the paper has no lr).
public final class AdaDelta: StatefulOptimizer {
    public let rho: Float
    public let epsilon: Float

    /// `--optimizer adadelta`. Reads θ, g, s, u; writes θ, s, u.
    public static let rule = OptimizerRule(
        name: "adadelta", displayName: "AdaDelta",
        options: [.learningRate(1.0), .number(.rho, default: 0.95, in: .unitInterval),
                  .number(.epsilon, default: 1e-6, in: .positive), .weightDecay(0)],
        traffic: .init(reads: 4, writes: 3)) { v in
            try AdaDelta(learningRate: v[.learningRate], rho: v[.rho], epsilon: v[.epsilon], weightDecay: v[.weightDecay])
        }

    public init(learningRate: Float = 1.0, rho: Float = 0.95, epsilon: Float = 1e-6, weightDecay: Float = 0) throws {
        self.rho = rho
        self.epsilon = epsilon
        try super.init(rule: Self.rule, learningRate: learningRate, weightDecay: weightDecay,
                       checking: [.rho: rho, .epsilon: epsilon], slotNames: ["square_avg", "acc_delta"])
    }

    public override func update(_ span: Span) {
        descent_adadelta_update(span.value, span.grad, span.state(0), span.state(1), span.count,
                                -learningRate, weightDecay,
                                rho, Float(1 - Double(rho)), epsilon)
    }
}
