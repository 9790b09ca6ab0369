import CKernels
import Foundation

/// Adam, as `torch.optim.Adam` (with its `amsgrad` and `decoupled_weight_decay` options;
/// `AdamW` is this class with decoupled decay on, as torch's `AdamW` is its `Adam`).
///
/// ```
/// θ ← θ · (1 − lr·λ)                         decoupled decay only (AdamW)
/// g ← ∇θ + λ·θ                               L2 penalty otherwise (skipped when λ = 0)
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
/// `ε = 1e-8` (the seed article's and torch's), λ = 0.
///
/// One fused pass per block (`descent_adam_update`): reads θ, g, m, v (v̂), writes θ, m, v
/// (v̂). The step size −lr/(1 − β1ᵗ) and √(1 − β2ᵗ) are computed in Double and rounded
/// once to Float, as torch does with Python floats (`prepare`, once per parameter and step).
public class Adam: StatefulOptimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let amsgrad: Bool
    /// Decay the weights directly (`θ ← θ·(1 − lr·λ)`, AdamW) instead of adding λθ to the gradient.
    public let decoupledWeightDecay: Bool

    /// `--optimizer adam` (a class property so that `AdamW` can have its own).
    public class var rule: OptimizerRule { adamRule }

    /// Adam's and AdamW's hyper-parameters (they differ in the default weight decay).
    static func options(weightDecay: Float) -> [OptimizerRule.Option] {
        [.learningRate(0.001), .number(.beta1, default: 0.9, in: .unitInterval),
         .number(.beta2, default: 0.999, in: .unitInterval), .number(.epsilon, default: 1e-8, in: .positive),
         .flag(.amsgrad), .weightDecay(weightDecay)]
    }

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                amsgrad: Bool = false, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) throws {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.decoupledWeightDecay = decoupledWeightDecay
        try super.init(rule: decoupledWeightDecay ? AdamW.rule : Adam.rule, learningRate: learningRate, weightDecay: weightDecay,
                       checking: [.beta1: beta1, .beta2: beta2, .epsilon: epsilon],
                       slotNames: ["exp_avg", "exp_avg_sq"] + (amsgrad ? ["max_exp_avg_sq"] : []))
    }

    public override func prepare(_ span: inout Span) {
        let t = Double(span.step)
        let bc1 = 1 - pow(Double(beta1), t)
        let bc2Sqrt = (1 - pow(Double(beta2), t)).squareRoot()
        span.scalars = (Float(-(Double(learningRate) / bc1)), Float(bc2Sqrt))
    }

    public override func update(_ span: Span) {
        let decoupled = decoupledWeightDecay ? weightDecay : 0
        let lerp = LerpWeight(Float(1 - Double(beta1)))
        descent_adam_update(span.value, span.grad, span.state(0), span.state(1),
                            amsgrad ? span.state(2) : nil, span.count,
                            span.scalars.0, span.scalars.1, epsilon, decoupledWeightDecay ? 0 : weightDecay,
                            Float(1 - Double(learningRate) * Double(decoupled)), beta2, Float(1 - Double(beta2)),
                            lerp.coefficient, lerp.fromStart)
    }
}

/// `--optimizer adam`. Reads θ, g, m, v; writes θ, m, v.
private let adamRule = OptimizerRule(
    name: "adam", displayName: "Adam", options: Adam.options(weightDecay: 0),
    traffic: .init(reads: 4, writes: 3)) { v in
        try Adam(learningRate: v[.learningRate], beta1: v[.beta1], beta2: v[.beta2], epsilon: v[.epsilon],
                 amsgrad: v.isOn(.amsgrad), weightDecay: v[.weightDecay])
    }
