import Foundation

/// Where external tuning draws a rule's hyper-parameters (AlgoPerf's "search space" of a
/// submission): one dimension per tuned hyper-parameter, each mapping a coordinate u ∈ [0, 1)
/// of a `Halton` point to a value. The learning rate is log-uniform over three decades
/// around the rule's default (10⁻² × default … 10 × default); momentum-like averages (β₁,
/// momentum, when the rule uses them by default: not RMSprop's momentum, off by default)
/// have 1 − β log-uniform in [0.01, 0.5], second-moment averages (β₂, α, ρ) 1 − β
/// log-uniform in [10⁻³, 0.1]; weight decay is log-uniform in [10⁻⁶, 10⁻³] (it is an L2 term
/// in most rules, where 10⁻¹ would dominate the loss). What the space leaves out (ε, the
/// on/off variants) stays at the rule's default.
public struct SearchSpace: Sendable {
    public enum Scale: Equatable, Sendable {
        /// log-uniform in [low, high].
        case logUniform(Double, Double)
        /// 1 − value log-uniform in [low, high].
        case oneMinusLogUniform(Double, Double)
    }

    public struct Dimension: Sendable {
        public let parameter: HyperParameter
        public let scale: Scale
        public init(_ parameter: HyperParameter, _ scale: Scale) {
            self.parameter = parameter
            self.scale = scale
        }

        /// The value at u ∈ [0, 1).
        public func value(_ u: Double) -> Float {
            switch scale {
            case let .logUniform(low, high): return Float(exp(log(low) + u * (log(high) - log(low))))
            case let .oneMinusLogUniform(low, high): return Float(1 - exp(log(low) + u * (log(high) - log(low))))
            }
        }
    }

    public let dimensions: [Dimension]

    public init(_ dimensions: [Dimension]) { self.dimensions = dimensions }

    /// The default space of `rule` (see the type's documentation).
    public static func defaultSpace(for rule: OptimizerRule) -> SearchSpace {
        var dimensions: [Dimension] = []
        for o in rule.options {
            switch o.parameter {
            case .learningRate:
                let d = Double(o.defaultValue)
                dimensions.append(.init(.learningRate, .logUniform(d / 100, d * 10)))
            case .beta1, .momentum where o.defaultValue > 0: dimensions.append(.init(o.parameter, .oneMinusLogUniform(0.01, 0.5)))
            case .beta2, .alpha, .rho: dimensions.append(.init(o.parameter, .oneMinusLogUniform(1e-3, 0.1)))
            case .weightDecay: dimensions.append(.init(.weightDecay, .logUniform(1e-6, 1e-3)))
            default: break
            }
        }
        return SearchSpace(dimensions)
    }

    /// The hyper-parameters at a point of [0, 1)^d (d = `dimensions.count`).
    public func values(at point: [Double]) -> [HyperParameter: Float] {
        precondition(point.count == dimensions.count, "search space: a point of \(dimensions.count) coordinates")
        var v: [HyperParameter: Float] = [:]
        for (d, u) in zip(dimensions, point) { v[d.parameter] = d.value(u) }
        return v
    }
}
