import CKernels

/// Plain stochastic gradient descent, as `torch.optim.SGD` with `momentum = 0`.
///
/// ```
/// g ← ∇θ + wd·θ          (L2 weight decay, skipped when wd = 0)
/// θ ← θ − lr · g
/// ```
/// Robbins & Monro 1951, "A Stochastic Approximation Method". No state. Default
/// `lr = 0.01` (the seed article's). Unlike the seed's SGD, the learning rate given is
/// the one used.
public final class SGD: StatefulOptimizer {
    /// `--optimizer sgd`. Reads θ, g; writes θ.
    public static let rule = OptimizerRule(
        name: "sgd", displayName: "SGD",
        options: [.learningRate(0.01), .weightDecay(0)],
        traffic: .init(reads: 2, writes: 1)) { v in
            try SGD(learningRate: v[.learningRate], weightDecay: v[.weightDecay])
        }

    public init(learningRate: Float = 0.01, weightDecay: Float = 0) throws {
        try super.init(rule: Self.rule, learningRate: learningRate, weightDecay: weightDecay, slotNames: [])
    }

    public override func update(_ span: Span) {
        descent_sgd_update(span.value, span.grad, span.count, -learningRate, weightDecay)
    }
}
