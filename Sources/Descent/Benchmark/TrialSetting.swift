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
    /// External tuning: point `trial` of the Halton sequence of the study (`haltonSeed`) over
    /// the rule's `SearchSpace.defaultSpace`, its schedule resolved over the workload's budget.
    /// Self-tuning: the rule's defaults (constant rate) and three times the budget.
    /// The trial's seed (initial weights, shuffling) is `baseSeed + 1000·study + trial`.
    public func setting(rule kind: OptimizerKind, workload: Workload, baseSeed: UInt64) throws -> TrialSetting {
        var config = OptimizerConfig(kind: kind)
        var budget = workload.stepBudget
        switch ruleset {
        case .self:
            budget *= 3
        case .external:
            let space = SearchSpace.defaultSpace(for: kind.rule)
            let halton = try Halton(dimensions: space.dimensions.count, seed: Self.haltonSeed(baseSeed: baseSeed, study: study))
            config = try space.values(at: halton.point(trial)).applied(to: config, totalSteps: budget)
        }
        return TrialSetting(config: config, budget: budget, seed: baseSeed &+ UInt64(study * 1000 + trial))
    }

    /// The Halton seed of study `study` under `baseSeed`: the first draw of the seeded stream
    /// `study`, so that the studies of two base seeds draw unrelated sequences (with `baseSeed
    /// + study`, `--seed 1`'s study 0 would repeat `--seed 0`'s study 1).
    public static func haltonSeed(baseSeed: UInt64, study: Int) -> UInt64 {
        var g = RandomGenerator(seed: baseSeed, stream: UInt64(study))
        return g.next()
    }
}
