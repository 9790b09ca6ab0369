/// How a suite's targets are set, as AlgoPerf sets them: the baseline rule (`baseline`,
/// Adam) is tuned externally on the workload with a target it cannot reach, so every trial
/// spends the whole budget; each study's best validation score (highest accuracy, lowest
/// MSE, over every validation of every trial) is taken, and the target is the median of
/// those over studies. `descent benchmark --calibrate` runs it.
public enum Calibration {
    /// The rule whose tuned best sets the targets.
    public static let baseline = OptimizerKind.adam

    /// `workload` as a calibration runs it: a target no trial can reach, so none stops early.
    public static func unreachable(_ workload: Workload) -> Workload {
        var w = workload
        w.target = w.metric == .accuracy ? 1.01 : 1e-12
        return w
    }

    /// The target the `trials` (one workload's, of any number of studies) set: the median
    /// over studies of each study's best validation score; nil without trials.
    public static func target(from trials: [BenchmarkTrial], metric: Workload.Metric) -> Double? {
        let studies = Dictionary(grouping: trials, by: \.plan.study)
        guard !studies.isEmpty else { return nil }
        let best = studies.keys.sorted().map { s -> Double in
            let values = studies[s]!.flatMap { $0.curve.map(\.value) }
            return (metric == .accuracy ? values.max() : values.min()) ?? .nan
        }
        return BenchmarkScores.median(best)
    }
}
