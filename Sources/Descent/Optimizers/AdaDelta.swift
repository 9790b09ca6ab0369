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
    public override var name: String { "adadelta" }

    public init(learningRate: Float = 1.0, rho: Float = 0.95, epsilon: Float = 1e-6, weightDecay: Float = 0) throws {
        try Check.learningRate(learningRate, "adadelta")
        try Check.unitInterval(rho, "rho", "adadelta")
        try Check.positive(epsilon, "eps", "adadelta")
        try Check.nonNegative(weightDecay, "weightDecay", "adadelta")
        self.rho = rho
        self.epsilon = epsilon
        super.init(learningRate: learningRate, weightDecay: weightDecay, slotNames: ["square_avg", "acc_delta"])
    }

    override func update(_ parameter: Parameter, _ slot: Slot) {
        let w = parameter.value.data, g = parameter.grad.data
        let s = slot.tensors[0].data, u = slot.tensors[1].data
        let lr = splat(-learningRate), wd = splat(weightDecay), eps = splat(epsilon)
        let r = splat(rho), oneMinus = splat(Float(1 - Double(rho)))
        forEachBlock8(parameter.count) { i, k in
            let wi = load8(w, i, k)
            let gi = fma8(wd, wi, load8(g, i, k))
            let si = fma8(oneMinus * gi, gi, load8(s, i, k) * r)       // mul_(ρ).addcmul_(g, g, value: 1 − ρ)
            store8(si, s, i, k)
            let std = descent_sqrt8(si + eps)
            var ui = load8(u, i, k)
            let d = descent_sqrt8(ui + eps) / std * gi              // add(ε).sqrt_().div_(std).mul_(g)
            ui = fma8(oneMinus * d, d, ui * r)                         // mul_(ρ).addcmul_(d, d, value: 1 − ρ)
            store8(ui, u, i, k)
            store8(fma8(lr, d, wi), w, i, k)                            // add_(d, alpha: −lr)
        }
    }
}
