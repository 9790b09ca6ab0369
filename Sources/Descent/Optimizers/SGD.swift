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
    public override var name: String { "sgd" }

    public init(learningRate: Float = 0.01, weightDecay: Float = 0) throws {
        try Check.learningRate(learningRate, "sgd")
        try Check.nonNegative(weightDecay, "weightDecay", "sgd")
        super.init(learningRate: learningRate, weightDecay: weightDecay, slotNames: [])
    }

    override func update(_ span: Span) {
        descent_sgd_update(span.value, span.grad, span.count, -learningRate, weightDecay)
    }
}
