import Descent

/// An optimizer rule written outside Descent, with a hyper-parameter of its own: Signum
/// (Bernstein et al. 2018, "signSGD: Compressed Optimisation for Non-Convex Problems"),
///
/// ```
/// m ← β·m + (1 − β)·g          m starts at 0
/// θ ← θ − lr·sign(m)
/// ```
/// `β` is the new hyper-parameter `smoothing` (flag `--smoothing`, in [0, 1), default 0.9);
/// lr defaults to 1e-4. State: `momentum_buffer`.
final class Signum: StatefulOptimizer {
    let smoothing: Float

    static let smoothingParameter = HyperParameter("smoothing", help: "Signum's averaging of the gradient β")

    static let rule = OptimizerRule(
        name: "signum", displayName: "Signum",
        options: [.learningRate(1e-4), .number(smoothingParameter, default: 0.9, in: .unitInterval)],
        traffic: .init(reads: 3, writes: 2)) { v in
            try Signum(learningRate: v[.learningRate], smoothing: v[smoothingParameter])
        }

    init(learningRate: Float, smoothing: Float) throws {
        try Signum.rule.validate([.learningRate: learningRate, Signum.smoothingParameter: smoothing])
        self.smoothing = smoothing
        super.init(learningRate: learningRate, weightDecay: 0, slotNames: ["momentum_buffer"])
    }

    override var name: String { "signum" }

    override func update(_ span: Span) {
        let m = span.state(0)
        for i in 0..<span.count {
            m[i] = smoothing * m[i] + (1 - smoothing) * span.grad[i]
            let direction: Float = m[i] > 0 ? 1 : (m[i] < 0 ? -1 : 0)
            span.value[i] -= learningRate * direction
        }
    }
}
