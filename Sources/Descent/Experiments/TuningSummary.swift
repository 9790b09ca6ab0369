/// What a tuning found, per optimizer: the grid (final validation score of each rate),
/// the chosen rate, and final-epoch test statistics across seeds at the default rate
/// and at the chosen rate; and whether tuning changed the ranking.
public struct TuningSummary {
    /// Final-epoch test statistics of the runs of one configuration over the plan's seeds.
    public struct Stats {
        /// Runs found (finished or diverged) and how many diverged.
        public var runs: Int, diverged: Int
        public var accuracyMean, accuracyStd, accuracyCI: Double
        public var lossMean, lossStd, lossCI: Double

        init(_ records: [RunRecord]) {
            let finished = records.filter { $0.status == .finished }
            let acc = finished.compactMap { $0.epochs.last?.testAccuracy }.filter(\.isFinite)
            let loss = finished.compactMap { $0.epochs.last?.testLoss }.filter(\.isFinite)
            runs = records.count
            diverged = records.count - finished.count
            accuracyMean = Statistics.mean(acc); accuracyStd = Statistics.standardDeviation(acc)
            accuracyCI = Statistics.confidenceHalfWidth95(acc)
            lossMean = Statistics.mean(loss); lossStd = Statistics.standardDeviation(loss)
            lossCI = Statistics.confidenceHalfWidth95(loss)
        }
    }

    /// One optimizer of the tuning: its grid of rates with their scores, the rate chosen on
    /// validation, and the test statistics at the default and at the chosen rate.
    public struct Row {
        public var label: String
        public var kind: OptimizerKind
        public var defaultRate: Float
        /// The grid points; `choice.best` indexes them (nil while the grid is incomplete or nothing finished).
        public var points: [TuningPlan.Point]
        public var chosen: Int?
        public var chosenRate: Float? { chosen.map { points[$0].rate } }
        public var atDefault: Stats
        /// nil until a rate is chosen.
        public var tuned: Stats?
    }

    public let plan: TuningPlan
    public let rows: [Row]
    /// Every grid run has a record (so choices are final).
    public let gridComplete: Bool

    public init(plan: TuningPlan, records: [RunRecord]) {
        self.plan = plan
        let byKey = Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        func runs(_ c: ClassifierRunConfig) -> [RunRecord] {
            plan.seeds.compactMap { byKey[RunSpec(config: c, seed: $0).key] }
        }
        let choices = plan.choose(records)
        gridComplete = choices != nil
        let points = plan.points(records)
        let labels = SweepSummary.labels(for: plan.base.map { SweepSummary.Setting(config: $0, data: nil) }, fields: [])
        rows = plan.base.indices.map { i in
            let b = plan.base[i]
            let choice = choices?[i]
            return Row(label: labels[i], kind: b.optimizer.kind, defaultRate: b.optimizer.defaultLearningRate,
                       points: points[i], chosen: choice?.best,
                       atDefault: Stats(runs(b)), tuned: choice?.config.map { Stats(runs($0)) })
        }
    }

    /// Labels ordered by mean final test accuracy, best first (rows without a finite mean last).
    public static func ranking(_ rows: [Row], _ stats: (Row) -> Stats?) -> [String] {
        let scored = rows.enumerated().map { (i, r) in (i, r.label, stats(r)?.accuracyMean ?? .nan) }
        return scored.sorted { a, b in
            switch (a.2.isFinite, b.2.isFinite) {
            case (true, true): return a.2 != b.2 ? a.2 > b.2 : a.0 < b.0
            case (true, false): return true
            case (false, true): return false
            default: return a.0 < b.0
            }
        }.map(\.1)
    }

    public var defaultRanking: [String] { TuningSummary.ranking(rows) { $0.atDefault } }
    public var tunedRanking: [String] { TuningSummary.ranking(rows) { $0.tuned } }

    /// Every chosen rate has all its seeds finished, so the tuned ranking is final.
    public var tunedComplete: Bool {
        gridComplete && rows.allSatisfy { r in r.chosen == nil || (r.tuned?.runs ?? 0) == plan.seeds.count }
    }

    /// One sentence: whether and how the ranking by mean final test accuracy changed.
    public var rankingSentence: String {
        guard tunedComplete else {
            return "The tuned ranking is not known yet: \(gridComplete ? "the chosen rates are still being rerun" : "the grid is incomplete")."
        }
        let before = defaultRanking, after = tunedRanking
        let order = { (r: [String]) in r.joined(separator: " > ") }
        if before == after {
            return "Tuning the learning rate did not change the ranking by mean final test accuracy (\(order(after)))."
        }
        let moves = after.enumerated().compactMap { (i, name) -> String? in
            let j = before.firstIndex(of: name)!
            return i == j ? nil : "\(name) \(TuningSummary.ordinal(j + 1)) → \(TuningSummary.ordinal(i + 1))"
        }
        return "Tuning the learning rate changed the ranking by mean final test accuracy from \(order(before)) at the default rates to \(order(after)) at the tuned rates (\(moves.joined(separator: ", "))); \(swapNoise)."
    }

    /// Whether the pairs that swapped places are told apart by their tuned 95 % CIs.
    var swapNoise: String {
        let before = defaultRanking, after = tunedRanking
        let stats = Dictionary(rows.map { ($0.label, $0.tuned) }, uniquingKeysWith: { a, _ in a })
        var pairs = 0, overlapping = 0
        for i in after.indices { for j in after.indices where j > i {
            guard before.firstIndex(of: after[i])! > before.firstIndex(of: after[j])!,
                  let a = stats[after[i]] ?? nil, let b = stats[after[j]] ?? nil else { continue }
            pairs += 1
            // Intervals of the means that touch (a missing CI, from one seed, counts as overlapping).
            if !(a.accuracyMean - a.accuracyCI > b.accuracyMean + b.accuracyCI) { overlapping += 1 }
        } }
        if overlapping == pairs { return "the 95 % CIs of every pair that swapped places overlap, so the new order is within the seed-to-seed spread" }
        if overlapping == 0 { return "every pair that swapped places is separated by its 95 % CIs" }
        return "\(overlapping) of the \(pairs) pairs that swapped places have overlapping 95 % CIs"
    }

    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }
}
