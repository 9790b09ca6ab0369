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

    override func update(_ span: Span) {
        let s = span.state(0)
        let b = momentum > 0 ? span.state(1) : nil
        let a = centered ? span.state(span.stateCount - 1) : nil
        let lerp = LerpWeight(Float(1 - Double(alpha)))
        descent_rmsprop_update(span.value, span.grad, s, b, a, span.count, -learningRate,
                               weightDecay, alpha, Float(1 - Double(alpha)), epsilon, momentum,
                               lerp.coefficient, lerp.fromStart)
    }
}
