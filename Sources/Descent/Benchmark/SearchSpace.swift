import Foundation

/// Where external tuning draws a rule's hyper-parameters (AlgoPerf's "search space" of a
/// submission): one dimension per tuned quantity, each mapping a coordinate u ∈ [0, 1) of a
/// `Halton` point to a value. The learning rate is log-uniform over three decades around
/// the rule's default (10⁻² × default … 10 × default); momentum-like averages (β₁, momentum,
/// when the rule uses them by default: not RMSprop's momentum, off by default) have 1 − β
/// log-uniform in [0.01, 0.5], second-moment averages (β₂, α, ρ) 1 − β log-uniform in
/// [10⁻³, 0.1]; weight decay is log-uniform in [10⁻⁶, 10⁻³] (it is an L2 term in most rules,
/// where 10⁻¹ would dominate the loss). Every space ends with the learning-rate schedule
/// over the trial's budget: a linear warm-up over a fraction of it, uniform in [0, 0.1]
/// (AlgoPerf's baselines warm up over 5 %), then one of constant, cosine to 0 or linear to
/// 0, each a third of the last coordinate. What the space leaves out (ε, the on/off
/// variants) stays at the rule's default.
public struct SearchSpace: Sendable {
    public enum Scale: Equatable, Sendable {
        /// log-uniform in [low, high].
        case logUniform(Double, Double)
        /// 1 − value log-uniform in [low, high].
        case oneMinusLogUniform(Double, Double)
        /// uniform in [low, high].
        case uniform(Double, Double)
    }

    /// What a dimension sets.
    public enum Quantity: Hashable, Sendable {
        case hyperParameter(HyperParameter)
        /// The warm-up, as a fraction of the trial's steps.
        case warmupFraction
        /// The schedule after the warm-up: `SearchSpace.schedules[⌊3u⌋]`.
        case schedule
    }

    /// The schedules the `schedule` dimension chooses among, in order.
    public static let schedules: [ScheduleRequest.Kind] = [.constant, .cosine, .linear]

    public struct Dimension: Sendable {
        public let quantity: Quantity
        public let scale: Scale
        public init(_ quantity: Quantity, _ scale: Scale) {
            self.quantity = quantity
            self.scale = scale
        }
        public init(_ parameter: HyperParameter, _ scale: Scale) { self.init(.hyperParameter(parameter), scale) }

        /// The hyper-parameter it sets, if it sets one.
        public var parameter: HyperParameter? {
            if case .hyperParameter(let p) = quantity { return p }
            return nil
        }

        /// The value at u ∈ [0, 1).
        public func value(_ u: Double) -> Double {
            switch scale {
            case let .logUniform(low, high): return exp(log(low) + u * (log(high) - log(low)))
            case let .oneMinusLogUniform(low, high): return 1 - exp(log(low) + u * (log(high) - log(low)))
            case let .uniform(low, high): return low + u * (high - low)
            }
        }
    }

    /// One drawn point: the rule's hyper-parameters and the schedule.
    public struct Point: Equatable, Sendable {
        public var hyperParameters: [HyperParameter: Float] = [:]
        public var schedule = ScheduleRequest()

        /// `config` with this point's values and its schedule resolved over `totalSteps`.
        public func applied(to config: OptimizerConfig, totalSteps: Int) throws -> OptimizerConfig {
            var c = config
            for (p, v) in hyperParameters { c[p] = v }
            c.schedule = try schedule.resolve(totalSteps: totalSteps)
            return c
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
        dimensions.append(.init(.warmupFraction, .uniform(0, 0.1)))
        dimensions.append(.init(.schedule, .uniform(0, Double(schedules.count))))
        return SearchSpace(dimensions)
    }

    /// The point at u ∈ [0, 1)^d (d = `dimensions.count`).
    public func values(at point: [Double]) -> Point {
        precondition(point.count == dimensions.count, "search space: a point of \(dimensions.count) coordinates")
        var p = Point()
        for (d, u) in zip(dimensions, point) {
            let v = d.value(u)
            switch d.quantity {
            case .hyperParameter(let h): p.hyperParameters[h] = Float(v)
            case .warmupFraction: p.schedule.warmup = v > 0 ? .fraction(min(v, 0.5)) : nil
            case .schedule: p.schedule.kind = SearchSpace.schedules[min(Int(v), SearchSpace.schedules.count - 1)]
            }
        }
        return p
    }
}
