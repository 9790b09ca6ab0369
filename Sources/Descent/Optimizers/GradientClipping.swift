/// Gradient clipping by global norm, as `torch.nn.utils.clip_grad_norm_`.
///
/// ```
/// n ← √(Σ_p Σ_i g_pi²)                        over all parameters together
/// g ← g · min(1, maxNorm / (n + 1e-6))
/// ```
/// Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent neural
/// networks". The sum of squares is accumulated in Double.
public enum GradientClipping {
    /// Scales every gradient so that their global L2 norm is at most `maxNorm`; returns
    /// the norm before clipping.
    @discardableResult
    public static func clipByGlobalNorm(_ parameters: [Parameter], maxNorm: Float) -> Float {
        var total = 0.0
        for p in parameters { total += Kernels.sumOfSquares(p.grad.data, count: p.count) }
        let norm = Float(total.squareRoot())
        let coefficient = maxNorm / (norm + 1e-6)
        if coefficient < 1 {
            for p in parameters { Kernels.scale(coefficient, p.grad.data, count: p.count) }
        }
        return norm
    }
}

/// Clips the gradients by global norm, then lets `base` step.
///
/// ```
/// let optimizer = ClippedOptimizer(try Adam(), maxNorm: 1)   // clip, then Adam
/// ```
public final class ClippedOptimizer: OptimizerWrapper {
    public let base: Optimizer
    public let maxNorm: Float
    /// The global gradient norm seen by the last step (before clipping).
    public private(set) var lastNorm: Float = 0

    public init(_ base: Optimizer, maxNorm: Float) throws {
        guard maxNorm.isFinite, maxNorm > 0 else {
            throw DescentError(.clipNorm, "\(base.name): clipNorm must be > 0, got \(maxNorm)")
        }
        self.base = base
        self.maxNorm = maxNorm
    }

    public var learningRate: Float {
        get { base.learningRate }
        set { base.learningRate = newValue }
    }
    public func step(_ parameters: [Parameter]) {
        lastNorm = GradientClipping.clipByGlobalNorm(parameters, maxNorm: maxNorm)
        base.step(parameters)
    }

    /// The norm is computed from every gradient anyway: a non-finite norm means a
    /// non-finite gradient, which is then looked up and returned before any update.
    @discardableResult
    public func checkedStep(_ parameters: [Parameter]) -> Parameter? {
        lastNorm = GradientClipping.clipByGlobalNorm(parameters, maxNorm: maxNorm)
        if !lastNorm.isFinite, let bad = parameters.firstNonFiniteGradient { return bad }
        return base.checkedStep(parameters)
    }
}
