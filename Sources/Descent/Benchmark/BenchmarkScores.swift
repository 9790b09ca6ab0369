import Foundation

/// A time-to-target benchmark's scores, AlgoPerf's way. Per workload, rule and ruleset: each
/// study's fastest trial to the target (in steps), and the median over studies (a study
/// without a trial that reached it counts as never, ∞). The time a score uses is that median
/// number of steps times the rule's cost of one step on the workload, the median of its
/// trials' measured seconds per training step: steps are exact and the same on every
/// machine, while a trial's own seconds on a shared machine are noisy; the per-step cost
/// still charges a rule for what its steps cost (a rule with products of its own costs more).
/// Across workloads, a `PerformanceProfile` of those times per ruleset.
public struct BenchmarkScores: Sendable {
    public struct Entry: Sendable {
        public let workload: String
        public let optimizer: String
        public let ruleset: BenchmarkTrial.Ruleset
        /// Each study's fastest steps to the target (nil: no trial of it reached the target).
        public let studySteps: [Int?]
        /// The median over studies of `studySteps` (∞ when the median study missed).
        public let medianSteps: Double
        /// Median training seconds per step over the trials.
        public let secondsPerStep: Double
        /// The fastest trial of the study whose steps are the median (or of the first study).
        public let chosen: BenchmarkTrial
        /// `medianSteps × secondsPerStep`: what the profile compares.
        public var time: Double { medianSteps * secondsPerStep }
    }

    public let entries: [Entry]

    public init(_ trials: [BenchmarkTrial]) {
        var groups: [String: [BenchmarkTrial]] = [:], order: [String] = []
        for t in trials {
            let k = "\(t.plan.workload)\u{0}\(t.plan.optimizer)\u{0}\(t.plan.ruleset.rawValue)"
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(t)
        }
        entries = order.map { k in
            let group = groups[k]!
            let studies = Array(Set(group.map(\.plan.study))).sorted()
            let fastest = studies.map { s in
                group.filter { $0.plan.study == s }.min { ($0.targetStep ?? .max, $0.plan.trial) < ($1.targetStep ?? .max, $1.plan.trial) }!
            }
            let steps = fastest.map { $0.targetStep.map(Double.init) ?? .infinity }
            let median = BenchmarkScores.median(steps)
            let medianStudy = steps.firstIndex(of: median) ?? 0
            let perStep = BenchmarkScores.median(group.filter { $0.steps > 0 && $0.seconds > 0 }.map { $0.seconds / Double($0.steps) })
            return Entry(workload: group[0].plan.workload, optimizer: group[0].plan.optimizer, ruleset: group[0].plan.ruleset,
                         studySteps: fastest.map(\.targetStep), medianSteps: median, secondsPerStep: perStep.isFinite ? perStep : 0,
                         chosen: fastest[medianStudy])
        }
    }

    /// The median (the mean of the middle two for an even count; ∞ counts as largest; NaN for none).
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// The performance profile of `ruleset` over `workloads`, one row per rule in `optimizers`.
    public func profile(_ ruleset: BenchmarkTrial.Ruleset, workloads: [String], optimizers: [String]) throws -> PerformanceProfile {
        let times: [[Double?]] = optimizers.map { o in
            workloads.map { w in
                entries.first { $0.workload == w && $0.optimizer == o && $0.ruleset == ruleset }.map { $0.time > 0 ? $0.time : .infinity }
            }
        }
        return try PerformanceProfile(methods: optimizers, times: times)
    }
}
