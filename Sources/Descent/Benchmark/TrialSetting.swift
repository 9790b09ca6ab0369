import Foundation

/// What a planned trial trains with: its rule's configuration (the drawn point and its
/// schedule), its step budget and its seed. It is a function of the plan, the rule, the
/// workload and the base seed only, so trial k is the same on every machine, in every
/// process and shard, and a recorded trial can be checked against it.
public struct TrialSetting: Equatable, Sendable {
    public var config: OptimizerConfig
    public var budget: Int
    public var seed: UInt64
}

extension BenchmarkTrial.Plan {
    /// External tuning: point `trial` of the Halton sequence seeded by `baseSeed + study`
    /// over the rule's `SearchSpace.defaultSpace`, its schedule resolved over the workload's
    /// budget. Self-tuning: the rule's defaults (constant rate) and three times the budget.
    /// The trial's seed (initial weights, shuffling) is `baseSeed + 1000·study + trial`.
    public func setting(rule kind: OptimizerKind, workload: Workload, baseSeed: UInt64) throws -> TrialSetting {
        var config = OptimizerConfig(kind: kind)
        var budget = workload.stepBudget
        switch ruleset {
        case .self:
            budget *= 3
        case .external:
            let space = SearchSpace.defaultSpace(for: kind.rule)
            let halton = try Halton(dimensions: space.dimensions.count, seed: baseSeed &+ UInt64(study))
            config = try space.values(at: halton.point(trial)).applied(to: config, totalSteps: budget)
        }
        return TrialSetting(config: config, budget: budget, seed: baseSeed &+ UInt64(study * 1000 + trial))
    }
}
