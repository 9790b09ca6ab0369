/// The time a benchmark's pending trials will take, estimated trial by trial from what
/// trials of the same rule on the same workload cost. Trials differ a hundredfold (Muon's
/// step on seed-mlp costs about 30× an element-wise rule's, and the workloads' budgets
/// differ), so an average over whatever ran first is far off.
///
/// A pending trial is expected to train for the mean training seconds of the recorded
/// trials (earlier runs of the folder included) of its rule, ruleset and workload; with
/// none, the median over its workload's recorded trials; with none, the median over all.
/// The wall time is that × the ratio of wall to training seconds of the trials finished in
/// this process (validation and set-up come on top of training), at least 1.
public struct TimeLeftEstimate: Sendable {
    private var byTrialKind: [String: (sum: Double, count: Int)] = [:]
    private var byWorkload: [String: [Double]] = [:]
    private var all: [Double] = []
    private var wall = 0.0, training = 0.0

    /// An estimate that knows the `recorded` trials' costs.
    public init(recorded: [BenchmarkTrial] = []) {
        for t in recorded { add(t) }
    }

    private static func kind(_ p: BenchmarkTrial.Plan) -> String { "\(p.workload)·\(p.optimizer)·\(p.ruleset.rawValue)" }

    private mutating func add(_ t: BenchmarkTrial) {
        guard t.seconds.isFinite, t.seconds >= 0 else { return }
        byTrialKind[Self.kind(t.plan), default: (0, 0)].sum += t.seconds
        byTrialKind[Self.kind(t.plan), default: (0, 0)].count += 1
        byWorkload[t.plan.workload, default: []].append(t.seconds)
        all.append(t.seconds)
    }

    /// Records `trial`, finished in this process after `wallSeconds`.
    public mutating func finished(_ trial: BenchmarkTrial, wallSeconds: Double) {
        add(trial)
        if wallSeconds.isFinite, wallSeconds >= 0, trial.seconds.isFinite { wall += wallSeconds; training += trial.seconds }
    }

    /// The training seconds a trial of `plan` is expected to take; nil with nothing recorded.
    public func expectedTrainingSeconds(_ plan: BenchmarkTrial.Plan) -> Double? {
        if let k = byTrialKind[Self.kind(plan)], k.count > 0 { return k.sum / Double(k.count) }
        if let w = byWorkload[plan.workload], !w.isEmpty { return BenchmarkScores.median(w) }
        return all.isEmpty ? nil : BenchmarkScores.median(all)
    }

    /// The wall seconds the `pending` trials are expected to take; nil with nothing recorded.
    public func secondsLeft(_ pending: [BenchmarkTrial.Plan]) -> Double? {
        let ratio = training > 0 ? Swift.max(1, wall / training) : 1
        var sum = 0.0
        for p in pending {
            guard let s = expectedTrainingSeconds(p) else { return nil }
            sum += s
        }
        return sum * ratio
    }
}
