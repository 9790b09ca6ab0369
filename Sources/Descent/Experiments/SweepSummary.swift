/// Per-configuration aggregates of a sweep: curves across seeds and final-epoch statistics.
public struct SweepSummary {
    /// One configuration (e.g. one optimizer) across its seeds.
    public struct Group {
        public var label: String
        public var config: ClassifierRunConfig
        /// Runs that finished all epochs (the statistics use only these).
        public var finished: [RunRecord]
        /// Runs that diverged.
        public var diverged: [RunRecord]
        /// Epoch numbers 1…E.
        public var epochs: [Int]
        /// Mean and sample std over finished runs, per epoch.
        public var accuracyMean: [Double], accuracyStd: [Double]
        public var lossMean: [Double], lossStd: [Double]

        /// Final-epoch test accuracy of each finished run.
        public var finalAccuracies: [Double] { finished.compactMap { $0.epochs.last?.testAccuracy ?? .nan } }
        /// Final-epoch test loss of each finished run.
        public var finalLosses: [Double] { finished.compactMap { $0.epochs.last?.testLoss } }
        /// Epoch with the highest mean test accuracy (nil if nothing finished).
        public var bestEpoch: Int? {
            guard let i = accuracyMean.indices.filter({ accuracyMean[$0].isFinite }).max(by: { accuracyMean[$0] < accuracyMean[$1] }) else { return nil }
            return epochs[i]
        }
        /// Mean wall-clock seconds per run (finished runs).
        public var meanRunSeconds: Double { Statistics.mean(finished.map(\.totalSeconds)) }
    }

    public var groups: [Group]

    /// Groups records by configuration, ordered as the optimizers are listed in
    /// `OptimizerKind` (the seed article's order), then by first appearance — not by the
    /// order in which runs happened to finish.
    public init(records: [RunRecord]) {
        var order: [ClassifierRunConfig] = []
        var byConfig: [ClassifierRunConfig: [RunRecord]] = [:]
        for r in records {
            if byConfig[r.config] == nil { order.append(r.config) }
            byConfig[r.config, default: []].append(r)
        }
        let rank = { (c: ClassifierRunConfig) in OptimizerKind.allCases.firstIndex(of: c.optimizer.kind)! }
        order = order.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
        let labels = SweepSummary.labels(for: order)
        groups = zip(order, labels).map { config, label in
            let runs = byConfig[config]!.sorted { $0.seed < $1.seed }
            let finished = runs.filter { $0.status == .finished }
            let diverged = runs.filter { $0.status == .diverged }
            let e = finished.map(\.epochs.count).min() ?? 0
            func column(_ f: (EpochMetrics) -> Double?, _ i: Int) -> [Double] { finished.map { f($0.epochs[i]) ?? .nan } }
            let epochs = Array(1...max(e, 1)).prefix(e)
            return Group(label: label, config: config, finished: finished, diverged: diverged,
                         epochs: Array(epochs),
                         accuracyMean: (0..<e).map { Statistics.mean(column(\.testAccuracy, $0)) },
                         accuracyStd: (0..<e).map { Statistics.standardDeviation(column(\.testAccuracy, $0)) },
                         lossMean: (0..<e).map { Statistics.mean(column(\.testLoss, $0)) },
                         lossStd: (0..<e).map { Statistics.standardDeviation(column(\.testLoss, $0)) })
        }
    }

    /// Display names: the optimizer's name when that is unambiguous, else its full summary.
    static func labels(for configs: [ClassifierRunConfig]) -> [String] {
        let short = configs.map { $0.optimizer.kind.displayName }
        return configs.indices.map { i in
            short.filter { $0 == short[i] }.count == 1 ? short[i] : configs[i].optimizer.summary
        }
    }
}
