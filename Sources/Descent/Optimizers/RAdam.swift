import CKernels
import Foundation

/// RAdam (rectified Adam), as `torch.optim.RAdam`.
///
/// ```
/// g ← ∇θ + λ·θ                               L2 penalty (skipped when λ = 0)
/// m ← m + (1 − β1)·(g − m);  v ← β2·v + (1 − β2)·g²          m, v start at 0
/// ρ∞ ← 2/(1 − β2) − 1;   ρₜ ← ρ∞ − 2t·β2ᵗ/(1 − β2ᵗ)           length of the approximated SMA
/// if ρₜ > 5:  r ← √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ))
///             θ ← θ − m/(1 − β1ᵗ) · lr · (√(1 − β2ᵗ) / (√v + ε)) · r
/// else:       θ ← θ − m/(1 − β1ᵗ) · lr                         (un-adapted momentum SGD)
/// ```
/// Liu et al. 2020, "On the Variance of the Adaptive Learning Rate and Beyond" (ICLR).
/// Convention (torch): ε outside the square root and before the bias correction of v;
/// the threshold is ρₜ > 5 (the paper's is 4); the scalars (ρₜ, r, √(1 − β2ᵗ)) are
/// computed in Double and rounded once; the product is formed left to right in float32,
/// with the adaptive factor as `reciprocal(√v + ε) · √(1 − β2ᵗ)` (torch's scalar / tensor).
/// t counts this parameter's steps. State: `exp_avg`, `exp_avg_sq`. Defaults (torch's):
/// `lr = 0.001`, `β = (0.9, 0.999)`, `ε = 1e-8`, λ = 0.
///
/// One fused pass per block (`descent_radam_update`): reads θ, g, m, v, writes θ, m, v.
public final class RAdam: StatefulOptimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float

    /// `--optimizer radam`. Reads θ, g, m, v; writes θ, m, v.
    public static let rule = OptimizerRule(
        name: "radam", displayName: "RAdam",
        options: [.learningRate(0.001), .number(.beta1, default: 0.9, in: .unitInterval),
                  .number(.beta2, default: 0.999, in: .unitInterval), .number(.epsilon, default: 1e-8, in: .positive),
                  .weightDecay(0)],
        traffic: .init(reads: 4, writes: 3)) { v in
            try RAdam(learningRate: v[.learningRate], beta1: v[.beta1], beta2: v[.beta2], epsilon: v[.epsilon],
                      weightDecay: v[.weightDecay])
        }

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0) throws {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        try super.init(rule: Self.rule, learningRate: learningRate, weightDecay: weightDecay,
                       checking: [.beta1: beta1, .beta2: beta2, .epsilon: epsilon],
                       slotNames: ["exp_avg", "exp_avg_sq"])
    }

    /// `span.scalars`: (√(1 − β2ᵗ), r), with r = 0 when ρₜ ≤ 5 (no rectification).
    public override func prepare(_ span: inout Span) {
        let t = Double(span.step), b2 = Double(beta2)
        let bc2 = 1 - pow(b2, t)
        let rhoInf = 2 / (1 - b2) - 1
        let rhoT = rhoInf - 2 * t * pow(b2, t) / bc2
        guard rhoT > 5 else {
            span.scalars = (0, 0)
            return
        }
        let rect = pow((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT), 0.5)
        span.scalars = (Float(pow(bc2, 0.5)), Float(rect))
    }

    public override func update(_ span: Span) {
        let lerp = LerpWeight(Float(1 - Double(beta1)))
        let bc1 = Float(1 - pow(Double(beta1), Double(span.step)))
        descent_radam_update(span.value, span.grad, span.state(0), span.state(1), span.count, weightDecay, beta2,
                             Float(1 - Double(beta2)), lerp.coefficient, lerp.fromStart, bc1, learningRate,
                             span.scalars.1 != 0 ? 1 : 0, span.scalars.0, epsilon, span.scalars.1)
    }
}
