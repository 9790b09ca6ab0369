import CKernels

/// AdaGrad, as `torch.optim.Adagrad` (without `lr_decay`; use a schedule instead).
///
/// ```
/// g ← ∇θ + wd·θ
/// s ← s + g²                      s starts at initialAccumulatorValue (torch: 0)
/// θ ← θ − lr · g / (√s + ε)        ε outside the square root
/// ```
/// Duchi, Hazan & Singer 2011, "Adaptive Subgradient Methods for Online Learning and
/// Stochastic Optimization". State: `sum`. Defaults: `lr = 0.01` (the seed article's),
/// `ε = 1e-10` and initial accumulator 0 (torch's; Chainer uses ε = 1e-8).
public final class AdaGrad: StatefulOptimizer {
    public let epsilon: Float
    public let initialAccumulatorValue: Float

    /// `--optimizer adagrad`. Reads θ, g, s; writes θ, s.
    public static let rule = OptimizerRule(
        name: "adagrad", displayName: "AdaGrad",
        options: [.learningRate(0.01), .number(.epsilon, default: 1e-10, in: .positive),
                  .number(.initialAccumulatorValue, default: 0, in: .nonNegative, summary: .unlessZero),
                  .weightDecay(0)],
        traffic: .init(reads: 3, writes: 2)) { v in
            try AdaGrad(learningRate: v[.learningRate], epsilon: v[.epsilon],
                        initialAccumulatorValue: v[.initialAccumulatorValue], weightDecay: v[.weightDecay])
        }

    public init(learningRate: Float = 0.01, epsilon: Float = 1e-10, initialAccumulatorValue: Float = 0,
                weightDecay: Float = 0) throws {
        self.epsilon = epsilon
        self.initialAccumulatorValue = initialAccumulatorValue
        try super.init(rule: Self.rule, learningRate: learningRate, weightDecay: weightDecay,
                       checking: [.epsilon: epsilon, .initialAccumulatorValue: initialAccumulatorValue], slotNames: ["sum"])
    }

    public override func initialValue(slot index: Int) -> Float { initialAccumulatorValue }

    public override func update(_ span: Span) {
        descent_adagrad_update(span.value, span.grad, span.state(0), span.count,
                               -learningRate, weightDecay, epsilon)
    }
}
