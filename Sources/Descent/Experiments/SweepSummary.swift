import Foundation

/// Per-configuration aggregates of a sweep: curves across seeds and final-epoch statistics.
///
/// Runs are grouped by configuration and data (`RunRecord.dataFingerprint`), so runs that
/// differ in anything but the seed are never averaged together. When groups differ in more
/// than the optimizer — records merged from sweeps of other epochs, models, train limits or
/// data — `differences` names those fields and every label carries its values, e.g.
/// `Adam · 10 epochs` and `Adam · 20 epochs`.
public struct SweepSummary {
    /// One configuration (e.g. one optimizer) on one data set, across its seeds.
    public struct Group {
        public var label: String
        public var config: ClassifierRunConfig
        /// The data fingerprint of its runs (nil: not recorded and not the catalogue's).
        public var dataFingerprint: String?
        /// Training images of every run, when all recorded the same number.
        public var trainImages: Int?
        /// Runs that finished all epochs (the statistics use only these).
        public var finished: [RunRecord]
        /// Runs that diverged.
        public var diverged: [RunRecord]
        /// Epoch numbers 1…E.
        public var epochs: [Int]
        /// Mean and sample std over finished runs, per epoch.
        public var accuracyMean: [Double], accuracyStd: [Double]
        public var lossMean: [Double], lossStd: [Double]
        /// Mean validation accuracy and loss per epoch (NaN where a run has no validation split).
        public var validationAccuracyMean: [Double] = [], validationLossMean: [Double] = []

        /// Final-epoch test accuracy of each finished run.
        public var finalAccuracies: [Double] { finished.compactMap { $0.epochs.last?.testAccuracy ?? .nan } }
        /// Final-epoch test loss of each finished run.
        public var finalLosses: [Double] { finished.compactMap { $0.epochs.last?.testLoss } }
        /// True when every finished run measured validation accuracy at every epoch: then
        /// `bestEpoch` is chosen on validation.
        public var hasValidation: Bool { !validationAccuracyMean.isEmpty && validationAccuracyMean.allSatisfy(\.isFinite) }
        /// Epoch with the highest mean validation accuracy — or, for runs without a
        /// validation split, the highest mean test accuracy (nil if nothing finished).
        /// The first such epoch on ties.
        public var bestEpoch: Int? {
            let score = hasValidation ? validationAccuracyMean : accuracyMean
            var best: Int?
            for i in score.indices where score[i].isFinite && (best == nil || score[i] > score[best!]) { best = i }
            return best.map { epochs[$0] }
        }
        /// Mean wall-clock seconds per run (finished runs).
        public var meanRunSeconds: Double { Statistics.mean(finished.map(\.totalSeconds)) }
    }

    public var groups: [Group]
    /// The fields besides the optimizer in which groups differ, in words (`model`, `epochs`,
    /// `train limit`, `data`, …): empty for one sweep.
    public var differences: [String]

    /// What sets a group apart: its configuration and its data.
    struct Setting: Hashable {
        var config: ClassifierRunConfig
        var data: String?
    }

    /// Groups records by configuration and data, ordered as the optimizers are registered in
    /// `Registry.builtIn` (the seed article's order; others after them), then by first appearance — not by the
    /// order in which runs happened to finish.
    public init(records: [RunRecord]) {
        var order: [Setting] = []
        var bySetting: [Setting: [RunRecord]] = [:]
        for r in records {
            let s = Setting(config: r.config, data: r.dataFingerprint)
            if bySetting[s] == nil { order.append(s) }
            bySetting[s, default: []].append(r)
        }
        let rank = { (s: Setting) in Registry.builtIn.optimizers.firstIndex(of: s.config.optimizer.kind) ?? .max }
        order = order.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
        let fields = SweepSummary.fieldsDiffering(order)
        differences = fields.map(SweepSummary.fieldName)
        let labels = SweepSummary.labels(for: order, fields: fields)
        groups = zip(order, labels).map { setting, label in
            let runs = bySetting[setting]!.sorted { $0.seed < $1.seed }
            let finished = runs.filter { $0.status == .finished }
            let diverged = runs.filter { $0.status == .diverged }
            let e = finished.map(\.epochs.count).min() ?? 0
            func column(_ f: (EpochMetrics) -> Double?, _ i: Int) -> [Double] { finished.map { f($0.epochs[i]) ?? .nan } }
            let epochs = Array(1...max(e, 1)).prefix(e)
            let counts = Set(runs.map { $0.data?.trainImages })
            return Group(label: label, config: setting.config, dataFingerprint: setting.data,
                         trainImages: counts.count == 1 ? counts.first! : nil,
                         finished: finished, diverged: diverged,
                         epochs: Array(epochs),
                         accuracyMean: (0..<e).map { Statistics.mean(column(\.testAccuracy, $0)) },
                         accuracyStd: (0..<e).map { Statistics.standardDeviation(column(\.testAccuracy, $0)) },
                         lossMean: (0..<e).map { Statistics.mean(column(\.testLoss, $0)) },
                         lossStd: (0..<e).map { Statistics.standardDeviation(column(\.testLoss, $0)) },
                         validationAccuracyMean: (0..<e).map { Statistics.mean(column(\.validationAccuracy, $0)) },
                         validationLossMean: (0..<e).map { Statistics.mean(column(\.validationLoss, $0)) })
        }
    }

    /// The configuration's JSON keys (and `data`) in which the settings differ, besides the
    /// optimizer; the keys of a plain MLP (`model`, `activation`, the dropouts) count as `model`.
    static func fieldsDiffering(_ settings: [Setting]) -> [String] {
        let mlpKeys: Set = ["activation", "input_dropout", "hidden_dropout"]
        var fields = differingFields(settings.map(\.config), ignoring: ["optimizer"]).map { mlpKeys.contains($0) ? "model" : $0 }
        fields = fields.enumerated().filter { fields.firstIndex(of: $0.element) == $0.offset }.map(\.element)
        // Other data under one dataset name (each dataset's own files differ anyway).
        if Dictionary(grouping: settings, by: \.config.dataset).values.contains(where: { Set($0.map(\.data)).count > 1 }) {
            fields.append("data")
        }
        return fields
    }

    /// `train_limit` → `train limit`.
    static func fieldName(_ key: String) -> String { key.replacingOccurrences(of: "_", with: " ") }

    /// How a setting shows the value of one differing field in a label.
    static func fieldValue(_ setting: Setting, _ field: String) -> String {
        let c = setting.config
        switch field {
        case "dataset": return c.dataset.rawValue
        case "model": return c.model.summary
        case "batch_size": return "batch \(c.batchSize)"
        case "epochs": return "\(c.epochs) epochs"
        case "train_limit": return c.trainLimit.map { "first \($0) images" } ?? "all images"
        case "data": return setting.data.map { "data \($0.prefix(12))" } ?? "data unknown"
        default:
            let json = (try? JSONEncoder().encode(c)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            let value = json?[field].flatMap { v in
                (try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
            }
            return "\(fieldName(field)) \(value ?? "none")"
        }
    }

    /// Display names: the optimizer's name when it runs with its defaults and is the only
    /// variant of its rule (else its full summary, `sgd(lr=0.1)`), then the value of each
    /// differing field.
    static func labels(for settings: [Setting], fields: [String]) -> [String] {
        settings.map { s in
            let optimizer = s.config.optimizer
            let variants = Set(settings.filter { $0.config.optimizer.kind == optimizer.kind }.map(\.config.optimizer.summary))
            let name = variants.count == 1 && optimizer.summary == OptimizerConfig(kind: optimizer.kind).summary
                ? optimizer.kind.displayName : optimizer.summary
            return ([name] + fields.map { fieldValue(s, $0) }).joined(separator: " · ")
        }
    }
}
