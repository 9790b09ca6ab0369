import CKernels
import Foundation

/// Adam, as `torch.optim.Adam` (with its `amsgrad` option).
///
/// ```
/// g ← ∇θ + wd·θ                              (L2 penalty; see AdamW for decoupled decay)
/// m ← m + (1 − β1)·(g − m)                   m starts at 0   (= β1·m + (1 − β1)·g)
/// v ← β2·v + (1 − β2)·g²                     v starts at 0
/// v̂ ← max(v̂, v)                              AMSGrad only, v̂ starts at 0
/// θ ← θ − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)        (√v̂ with AMSGrad)
/// ```
/// Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization"; AMSGrad from
/// Reddi, Kale & Kumar 2018, "On the Convergence of Adam and Beyond".
/// Convention (torch): bias correction applied to the step size and to √v, ε added
/// *after* the bias correction and outside the square root (the paper's "ε̂" form
/// differs); t counts this parameter's steps. State: `exp_avg`, `exp_avg_sq`, then
/// `max_exp_avg_sq` with AMSGrad. Defaults: `lr = 0.001`, `β = (0.9, 0.999)`,
/// `ε = 1e-8` (the seed article's and torch's).
public final class Adam: StatefulOptimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let amsgrad: Bool
    public override var name: String { "adam" }

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                amsgrad: Bool = false, weightDecay: Float = 0) throws {
        try AdamKernel.validate("adam", learningRate, beta1, beta2, epsilon, weightDecay)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        super.init(learningRate: learningRate, weightDecay: weightDecay,
                   slotNames: ["exp_avg", "exp_avg_sq"] + (amsgrad ? ["max_exp_avg_sq"] : []))
    }

    override func prepare(_ span: inout Span) {
        span.scalars = AdamKernel.scalars(step: span.step, learningRate: learningRate, beta1: beta1, beta2: beta2)
    }

    override func update(_ span: Span) {
        AdamKernel.run(span, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                       amsgrad: amsgrad, l2: weightDecay, decoupled: 0)
    }
}

/// The fused Adam/AdamW pass, shared by both classes.
enum AdamKernel {
    static func validate(_ name: String, _ lr: Float, _ beta1: Float, _ beta2: Float,
                         _ epsilon: Float, _ weightDecay: Float) throws {
        try Check.learningRate(lr, name)
        try Check.unitInterval(beta1, "beta1", name)
        try Check.unitInterval(beta2, "beta2", name)
        try Check.positive(epsilon, "eps", name)
        try Check.nonNegative(weightDecay, "weightDecay", name)
    }

    /// One pass: optional decoupled decay `θ ← θ·(1 − lr·decoupled)`, L2 `g ← g + l2·θ`,
    /// moment updates and the parameter update; reads θ, g, m, v (v̂), writes θ, m, v (v̂).
    /// The step size −lr/(1 − β1ᵗ) and √(1 − β2ᵗ), computed in Double and rounded once to
    /// Float, as torch does with Python floats (`prepare`, once per parameter and step).
    static func scalars(step: Int, learningRate: Float, beta1: Float, beta2: Float) -> (Float, Float) {
        let t = Double(step)
        let bc1 = 1 - pow(Double(beta1), t)
        let bc2Sqrt = (1 - pow(Double(beta2), t)).squareRoot()
        return (Float(-(Double(learningRate) / bc1)), Float(bc2Sqrt))
    }

    static func run(_ span: StatefulOptimizer.Span, learningRate: Float,
                    beta1: Float, beta2: Float, epsilon: Float, amsgrad: Bool, l2: Float, decoupled: Float) {
        let lerp = LerpWeight(Float(1 - Double(beta1)))
        descent_adam_update(span.value, span.grad, span.state(0), span.state(1),
                            amsgrad ? span.state(2) : nil, span.count,
                            span.scalars.0, span.scalars.1, epsilon, l2,
                            Float(1 - Double(learningRate) * Double(decoupled)), beta2, Float(1 - Double(beta2)),
                            lerp.coefficient, lerp.fromStart)
    }
}
