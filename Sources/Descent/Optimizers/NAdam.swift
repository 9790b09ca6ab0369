import CKernels
import Foundation

/// NAdam, as `torch.optim.NAdam` (with its `decoupled_weight_decay` option; `NAdamW` is
/// this class with decoupled decay on, as `AdamW` is `Adam`'s).
///
/// ```
/// θ ← θ · (1 − lr·λ)                         decoupled decay only (NAdamW)
/// g ← ∇θ + λ·θ                               L2 penalty otherwise (skipped when λ = 0)
/// μₜ ← β1 · (1 − ½ · 0.96^(t·ψ))             momentum schedule, ψ = momentum decay
/// Πₜ ← Πₜ₋₁ · μₜ                             Π₀ = 1 (kept in float32, as torch's mu_product)
/// m ← m + (1 − β1)·(g − m);  v ← β2·v + (1 − β2)·g²          m, v start at 0
/// d ← √(v / (1 − β2ᵗ)) + ε
/// θ ← θ − lr·(1 − μₜ)/(1 − Πₜ) · g/d − lr·μₜ₊₁/(1 − Πₜ·μₜ₊₁) · m/d
/// ```
/// Dozat 2016, "Incorporating Nesterov Momentum into Adam" (ICLR workshop); the μ
/// schedule with ψ = 0.004 is the paper's (from Sutskever et al. 2013). Convention
/// (torch): the bias correction of v is inside the square root, ε outside it; the two
/// terms are added to θ one after the other (two `addcdiv`s), with coefficients computed
/// in Double and rounded once; Πₜ·μₜ₊₁ is not rounded to float32. t counts this
/// parameter's steps. torch stores Πₜ per parameter as a float32 scalar; Descent derives
/// it from t with the same float32 recurrence (`Πₜ = fl(Πₜ₋₁ · fl(μₜ))`, bit-identical), so
/// a checkpoint needs only the step count. State: `exp_avg`, `exp_avg_sq`. Defaults (torch's):
/// `lr = 0.002`, `β = (0.9, 0.999)`, `ε = 1e-8`, ψ = 0.004, λ = 0.
///
/// One fused pass per block (`descent_nadam_update`): reads θ, g, m, v, writes θ, m, v.
public class NAdam: StatefulOptimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// ψ in μₜ = β1·(1 − ½·0.96^(t·ψ)).
    public let momentumDecay: Float
    /// Decay the weights directly (`θ ← θ·(1 − lr·λ)`, NAdamW) instead of adding λθ to the gradient.
    public let decoupledWeightDecay: Bool
    /// `products[t]` = Πₜ as torch's float32 `mu_product` holds it; extended in `prepare`
    /// (serially, before the blocks run), read by `update`.
    private var products: [Float] = [1]

    /// `--optimizer nadam` (a class property so that `NAdamW` can have its own).
    public class var rule: OptimizerRule { nadamRule }

    /// NAdam's and NAdamW's hyper-parameters (they differ in the default weight decay).
    static func options(weightDecay: Float) -> [OptimizerRule.Option] {
        [.learningRate(0.002), .number(.beta1, default: 0.9, in: .unitInterval),
         .number(.beta2, default: 0.999, in: .unitInterval), .number(.epsilon, default: 1e-8, in: .positive),
         .number(.momentumDecay, default: 0.004, in: .nonNegative), .weightDecay(weightDecay)]
    }

    public init(learningRate: Float = 0.002, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                momentumDecay: Float = 0.004, weightDecay: Float = 0, decoupledWeightDecay: Bool = false) throws {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.momentumDecay = momentumDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        try super.init(rule: decoupledWeightDecay ? NAdamW.rule : NAdam.rule, learningRate: learningRate,
                       weightDecay: weightDecay,
                       checking: [.beta1: beta1, .beta2: beta2, .epsilon: epsilon, .momentumDecay: momentumDecay],
                       slotNames: ["exp_avg", "exp_avg_sq"])
    }

    /// μₜ in Double, as torch computes it from Python floats.
    func mu(_ t: Int) -> Double {
        Double(beta1) * (1 - 0.5 * pow(0.96, Double(t) * Double(momentumDecay)))
    }

    /// Sets `span.scalars` to the coefficients of g/d and m/d.
    public override func prepare(_ span: inout Span) {
        let t = span.step
        while products.count <= t {
            products.append(products[products.count - 1] * Float(mu(products.count)))
        }
        let lr = Double(learningRate)
        let muNow = mu(t), muNext = mu(t + 1)
        let product = Double(products[t])
        let productNext = product * muNext
        span.scalars = (Float(-lr * (1 - muNow) / (1 - product)), Float((-lr * muNext) / (1 - productNext)))
    }

    public override func update(_ span: Span) {
        let lerp = LerpWeight(Float(1 - Double(beta1)))
        let keep = decoupledWeightDecay && weightDecay != 0 ? Float(1 - Double(learningRate) * Double(weightDecay)) : 1
        let bc2 = Float(1 - pow(Double(beta2), Double(span.step)))
        descent_nadam_update(span.value, span.grad, span.state(0), span.state(1), span.count, keep,
                             decoupledWeightDecay ? 0 : weightDecay, beta2, Float(1 - Double(beta2)),
                             lerp.coefficient, lerp.fromStart, bc2, epsilon, span.scalars.0, span.scalars.1)
    }
}

/// NAdamW: NAdam with decoupled weight decay, as `torch.optim.NAdam(…, decoupled_weight_decay=True)`.
///
/// ```
/// θ ← θ · (1 − lr·λ)                         decay first, on the weights, not the gradient
/// then NAdam's update with the undecayed gradient
/// ```
/// Loshchilov & Hutter 2019's decoupling applied to NAdam. The decay is multiplied by the
/// (scheduled) lr, as in torch. Defaults: NAdam's, with λ = 0.01 (AdamW's default in torch,
/// whose NAdam defaults λ to 0 in both forms).
public final class NAdamW: NAdam {
    /// `--optimizer nadamw`.
    public override class var rule: OptimizerRule { nadamWRule }

    public init(learningRate: Float = 0.002, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                momentumDecay: Float = 0.004, weightDecay: Float = 0.01) throws {
        try super.init(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                       momentumDecay: momentumDecay, weightDecay: weightDecay, decoupledWeightDecay: true)
    }
}

extension HyperParameter {
    /// NAdam's ψ (torch's `momentum_decay`).
    public static let momentumDecay = HyperParameter("momentumDecay", summaryName: "momentum_decay",
                                                     flag: "--momentum-decay", help: "Momentum decay ψ of the μ schedule")
}

/// `--optimizer nadam`. Reads θ, g, m, v; writes θ, m, v.
private let nadamRule = OptimizerRule(
    name: "nadam", displayName: "NAdam", options: NAdam.options(weightDecay: 0),
    traffic: .init(reads: 4, writes: 3)) { v in
        try NAdam(learningRate: v[.learningRate], beta1: v[.beta1], beta2: v[.beta2], epsilon: v[.epsilon],
                  momentumDecay: v[.momentumDecay], weightDecay: v[.weightDecay])
    }

/// `--optimizer nadamw`. Same traffic as NAdam.
private let nadamWRule = OptimizerRule(
    name: "nadamw", displayName: "NAdamW", options: NAdam.options(weightDecay: 0.01),
    traffic: .init(reads: 4, writes: 3)) { v in
        try NAdamW(learningRate: v[.learningRate], beta1: v[.beta1], beta2: v[.beta2], epsilon: v[.epsilon],
                   momentumDecay: v[.momentumDecay], weightDecay: v[.weightDecay])
    }
