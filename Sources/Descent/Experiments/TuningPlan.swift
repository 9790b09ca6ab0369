/// A learning-rate search per optimizer, as a deterministic list of ordinary runs
/// (DeepOBS's protocol, Schneider et al. 2019): every base configuration (one per
/// optimizer) at every rate of the grid with one seed (`gridSeed`, the first of `seeds`),
/// every base at its default rate with all `seeds`, and — once the whole grid is known —
/// the chosen rate of each base with all `seeds`. Choices use the validation split
/// only (the base configurations must have one), never test.
///
/// A rate equal to the optimizer's default is written as the default (no `learningRate`),
/// so the grid point and the default-rate run of the grid seed are one run with one key.
/// The plan is stored as `tune.json` beside `results.jsonl`; its runs are
/// `phase1` (grid and defaults) and `phase2(records)` (the reruns of the chosen rates).
public struct TuningPlan: Codable, Equatable, Sendable {
    /// One configuration per optimizer, at its default learning rate, with `validation` set.
    public var base: [ClassifierRunConfig]
    public var rates: [Float]
    public var seeds: [UInt64]
    public var select: Criterion

    /// What a grid point is judged by: its final-epoch validation accuracy (higher is
    /// better) or validation loss (lower is better).
    public enum Criterion: String, Codable, CaseIterable, Sendable {
        case accuracy, loss
    }

    public init(base: [ClassifierRunConfig], rates: [Float], seeds: [UInt64], select: Criterion = .accuracy) throws {
        guard !base.isEmpty, !rates.isEmpty, !seeds.isEmpty else { throw DescentError("a tuning needs optimizers, rates and seeds") }
        guard base.allSatisfy({ ($0.validation ?? 0) > 0 }) else {
            throw DescentError("a tuning chooses on validation data: every configuration needs a validation split")
        }
        guard Set(base.map { $0.optimizer.kind }).count == base.count else { throw DescentError("a tuning lists each optimizer once") }
        (self.base, self.rates, self.seeds, self.select) = (base, rates, seeds, select)
    }

    public var gridSeed: UInt64 { seeds[0] }

    /// `c` at learning rate `rate` (the default written as nil).
    public static func config(_ c: ClassifierRunConfig, rate: Float) -> ClassifierRunConfig {
        var c = c
        c.optimizer.learningRate = rate == c.optimizer.defaultLearningRate ? nil : rate
        return c
    }

    /// The grid: rate-major, one seed.
    public var gridRuns: [RunSpec] {
        rates.flatMap { r in base.map { RunSpec(config: TuningPlan.config($0, rate: r), seed: gridSeed) } }
    }

    /// Every base at its default rate, seed-major.
    public var defaultRuns: [RunSpec] { Sweep(configs: base, seeds: seeds).runs }

    /// Grid and defaults (each run once): they do not depend on any result.
    public var phase1: [RunSpec] { TuningPlan.unique(gridRuns + defaultRuns) }

    /// The reruns of the chosen rates with every seed, minus runs already in `phase1`;
    /// nil while a grid run is missing from `records`.
    public func phase2(_ records: [RunRecord]) -> [RunSpec]? {
        guard let choices = choose(records) else { return nil }
        let first = Set(phase1.map(\.key))
        let configs = choices.compactMap { $0.config }
        return Sweep(configs: configs, seeds: seeds).runs.filter { !first.contains($0.key) }
    }

    /// One grid point of one base: its rate, its record (if run) and its score.
    public struct Point: Sendable {
        public var rate: Float
        public var record: RunRecord?
        /// Final-epoch validation accuracy or loss; nil when the run diverged, stopped early
        /// or measured nothing finite.
        public var score: Double?
        public var diverged: Bool { record?.status == .diverged }
    }

    /// The chosen point of one base.
    public struct Choice: Sendable {
        public var base: ClassifierRunConfig
        public var points: [Point]
        /// Index into `points` of the best score (the lowest rate on ties); nil when no point has one.
        public var best: Int?
        public var rate: Float? { best.map { points[$0].rate } }
        /// The configuration at the chosen rate.
        public var config: ClassifierRunConfig? { rate.map { TuningPlan.config(base, rate: $0) } }
    }

    /// The points of every base as far as `records` go (missing runs have no record).
    public func points(_ records: [RunRecord]) -> [[Point]] {
        let byKey = Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        return base.map { b in
            rates.map { r in
                let record = byKey[RunSpec(config: TuningPlan.config(b, rate: r), seed: gridSeed).key]
                return Point(rate: r, record: record, score: record.flatMap(score))
            }
        }
    }

    /// The choice of every base; nil while a grid run is missing.
    public func choose(_ records: [RunRecord]) -> [Choice]? {
        let all = points(records)
        guard all.allSatisfy({ $0.allSatisfy { $0.record != nil } }) else { return nil }
        return zip(base, all).map { b, points in
            var best: Int?
            for (i, p) in points.enumerated() {
                guard let s = p.score else { continue }
                if let j = best, let t = points[j].score, !(select == .accuracy ? s > t : s < t) { continue }
                best = i
            }
            return Choice(base: b, points: points, best: best)
        }
    }

    /// The score of a finished run that completed its epochs with a finite validation value.
    func score(_ r: RunRecord) -> Double? {
        guard r.status == .finished, r.epochs.count == r.config.epochs, let last = r.epochs.last else { return nil }
        let s = select == .accuracy ? last.validationAccuracy : last.validationLoss
        return s.flatMap { $0.isFinite ? $0 : nil }
    }

    static func unique(_ runs: [RunSpec]) -> [RunSpec] {
        var seen = Set<String>()
        return runs.filter { seen.insert($0.key).inserted }
    }

    /// Named tunings of the seed article's six optimizers on seed-mlp.
    public enum Preset: String, CaseIterable, Codable, Sendable {
        /// 5 rates over 1e-4…1, 2 seeds × 10 epochs on 10,000 training images, 5,000 held out.
        case quick
        /// 9 rates over 1e-4…1 (half decades), 3 seeds × 10 epochs on 50,000 training images, 10,000 held out.
        case standard
        /// DeepOBS's grid: 36 rates over 1e-5…1e2, 10 seeds × 20 epochs, 10,000 held out.
        case deepobs

        public var grid: LearningRateGrid {
            switch self {
            case .quick: try! LearningRateGrid(low: 1e-4, high: 1, count: 5)
            case .standard: try! LearningRateGrid(low: 1e-4, high: 1, count: 9)
            case .deepobs: try! LearningRateGrid(low: 1e-5, high: 1e2, count: 36)
            }
        }
        public var seedCount: Int { switch self { case .quick: 2; case .standard: 3; case .deepobs: 10 } }
        public var epochs: Int { switch self { case .quick, .standard: 10; case .deepobs: 20 } }
        public var trainLimit: Int? { self == .quick ? 10_000 : nil }
        public var validation: Int { self == .quick ? 5_000 : 10_000 }
    }

    /// The plan of a preset on a dataset.
    public static func preset(_ p: Preset, dataset: DatasetName) -> TuningPlan {
        try! TuningPlan(base: OptimizerConfig.seedDefaults.map {
                            .seedMLP($0, dataset: dataset, epochs: p.epochs, trainLimit: p.trainLimit, validation: p.validation)
                        },
                        rates: p.grid.rates, seeds: (0..<UInt64(p.seedCount)).map { $0 })
    }
}

extension OptimizerConfig {
    /// The learning rate `make()` uses when `learningRate` is nil.
    public var defaultLearningRate: Float {
        var c = self
        c.learningRate = nil
        return (try? c.make().learningRate) ?? .nan
    }
}
