import CKernels

/// Stochastic gradient descent with (heavy-ball or Nesterov) momentum, as
/// `torch.optim.SGD(momentum: μ, dampening: τ, nesterov:)`.
///
/// ```
/// g ← ∇θ + wd·θ
/// b ← g                          on the first step (torch: buffer = clone of g)
/// b ← μ·b + (1 − τ)·g            afterwards
/// d ← g + μ·b   if nesterov,  else  d ← b
/// θ ← θ − lr · d
/// ```
/// Polyak 1964 (heavy ball); Nesterov 1983, in the form of Sutskever et al. 2013,
/// "On the importance of initialization and momentum in deep learning".
/// Convention: lr multiplies the buffer at the update (torch), not inside it
/// (Chainer's `v ← μv − lr·g`); the two agree while lr is constant.
/// State: `momentum_buffer`. Defaults: `lr = 0.01`, `μ = 0.9` (the seed article's).
public final class MomentumSGD: StatefulOptimizer {
    public let momentum: Float
    public let dampening: Float
    public let nesterov: Bool

    /// `--optimizer momentum`. Reads θ, g, b; writes θ, b.
    public static let rule = OptimizerRule(
        name: "momentum", displayName: "MomentumSGD",
        options: [.learningRate(0.01), .number(.momentum, default: 0.9, in: .unitInterval),
                  .number(.dampening, default: 0, in: .unitInterval, summary: .unlessZero), .flag(.nesterov),
                  .weightDecay(0)],
        traffic: .init(reads: 3, writes: 2)) { v in
            try MomentumSGD(learningRate: v[.learningRate], momentum: v[.momentum], dampening: v[.dampening],
                            nesterov: v.isOn(.nesterov), weightDecay: v[.weightDecay])
        }

    public init(learningRate: Float = 0.01, momentum: Float = 0.9, dampening: Float = 0,
                nesterov: Bool = false, weightDecay: Float = 0) throws {
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        try super.init(rule: Self.rule, learningRate: learningRate, weightDecay: weightDecay,
                       checking: [.momentum: momentum, .dampening: dampening], slotNames: ["momentum_buffer"])
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw DescentError(.hyperParameter(.nesterov), "momentum: nesterov needs momentum > 0 and dampening = 0, got momentum \(momentum), dampening \(dampening)")
        }
    }

    public override func update(_ span: Span) {
        // torch: buf.mul_(μ).add_(g, alpha: 1 − τ); on the first step buf = g.
        descent_momentum_update(span.value, span.grad, span.state(0), span.count,
                                -learningRate, weightDecay, momentum, Float(1 - Double(dampening)),
                                span.step == 1 ? 1 : 0, nesterov ? 1 : 0)
    }
}
