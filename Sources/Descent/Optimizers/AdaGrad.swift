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
    public override var name: String { "adagrad" }

    public init(learningRate: Float = 0.01, epsilon: Float = 1e-10, initialAccumulatorValue: Float = 0,
                weightDecay: Float = 0) throws {
        try Check.learningRate(learningRate, "adagrad")
        try Check.positive(epsilon, "eps", "adagrad")
        try Check.nonNegative(initialAccumulatorValue, "initialAccumulatorValue", "adagrad")
        try Check.nonNegative(weightDecay, "weightDecay", "adagrad")
        self.epsilon = epsilon
        self.initialAccumulatorValue = initialAccumulatorValue
        super.init(learningRate: learningRate, weightDecay: weightDecay, slotNames: ["sum"])
    }

    override func initialValue(slot index: Int) -> Float { initialAccumulatorValue }

    override func update(_ parameter: Parameter, _ slot: Slot) {
        let w = parameter.value.data, g = parameter.grad.data, s = slot.tensors[0].data
        let lr = splat(-learningRate), wd = splat(weightDecay), eps = splat(epsilon)
        forEachBlock8(parameter.count) { i, k in
            let wi = load8(w, i, k)
            let gi = fma8(wd, wi, load8(g, i, k))
            let si = fma8(gi, gi, load8(s, i, k))           // torch: addcmul_(g, g, value: 1)
            store8(si, s, i, k)
            let denom = descent_sqrt8(si) + eps
            store8(wi + lr * gi / denom, w, i, k)        // torch: addcdiv_(g, denom, value: −lr)
        }
    }
}
