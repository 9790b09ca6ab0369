import Foundation

/// The optimizer-comparison report: curves, a zoomed view of the last epochs, and a
/// table of final-epoch statistics across seeds.
///
/// Files: `report.html` (self-contained: charts inline), `accuracy.svg/png`,
/// `loss.svg/png` (each: full curves and a zoomed panel of the final epochs, mean
/// line with a ± 1 std band across seeds), `summary.md`, `summary.csv`.
/// Diverged runs are counted and listed, never averaged; no NaN is written as a number.
public struct ComparisonReport {
    public let summary: SweepSummary

    public init(records: [RunRecord]) { summary = SweepSummary(records: records) }

    /// Writes every file (atomically) into `folder`; returns their names.
    @discardableResult
    public func write(to folder: String) throws -> [String] {
        var written: [String] = []
        func put(_ name: String, _ bytes: [UInt8]) throws {
            try writeAtomically(bytes, to: folder + "/" + name)
            written.append(name)
        }
        try put("summary.csv", Array(csv().utf8))
        try put("summary.md", Array(markdown().utf8))
        return written
    }

    // MARK: Tables

    /// Formats a number, or "–" when it is not finite (never "nan").
    static func number(_ x: Double, _ digits: Int = 4) -> String {
        x.isFinite ? String(format: "%.\(digits)f", x) : "–"
    }

    /// One row per configuration: final-epoch statistics.
    public struct Row {
        public var label: String
        public var runs: Int
        public var diverged: Int
        public var accuracyMean, accuracyStd, accuracyCI: Double
        public var lossMean, lossStd, lossCI: Double
        public var bestEpoch: Int?
        public var bestAccuracy: Double
        public var secondsPerRun: Double
    }

    public var rows: [Row] {
        summary.groups.map { g in
            let acc = g.finalAccuracies, loss = g.finalLosses
            let best = g.bestEpoch
            return Row(label: g.label, runs: g.finished.count + g.diverged.count, diverged: g.diverged.count,
                       accuracyMean: Statistics.mean(acc), accuracyStd: Statistics.standardDeviation(acc),
                       accuracyCI: Statistics.confidenceHalfWidth95(acc),
                       lossMean: Statistics.mean(loss), lossStd: Statistics.standardDeviation(loss),
                       lossCI: Statistics.confidenceHalfWidth95(loss),
                       bestEpoch: best, bestAccuracy: best.map { g.accuracyMean[$0 - 1] } ?? .nan,
                       secondsPerRun: g.meanRunSeconds)
        }
    }

    public func csv() -> String {
        var lines = ["optimizer,runs,diverged,final_test_accuracy_mean,final_test_accuracy_std,final_test_accuracy_ci95,final_test_loss_mean,final_test_loss_std,final_test_loss_ci95,best_epoch,best_epoch_accuracy_mean,seconds_per_run"]
        for r in rows {
            let f = { (x: Double) in x.isFinite ? String(format: "%.6f", x) : "" }
            lines.append([csvField(r.label), "\(r.runs)", "\(r.diverged)", f(r.accuracyMean), f(r.accuracyStd), f(r.accuracyCI),
                          f(r.lossMean), f(r.lossStd), f(r.lossCI), r.bestEpoch.map(String.init) ?? "",
                          f(r.bestAccuracy), f(r.secondsPerRun)].joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    private var setupLine: String {
        guard let g = summary.groups.first else { return "" }
        let c = g.config
        let data = c.trainLimit.map { "first \($0) training images" } ?? "full training set"
        let seeds = Set(summary.groups.flatMap { ($0.finished + $0.diverged).map(\.seed) }).count
        return "\(c.dataset.rawValue), model \(c.model.map(String.init).joined(separator: "-")) (\(c.activation.rawValue), dropout \(c.inputDropout)/\(c.hiddenDropout)), minibatch \(c.batchSize), \(c.epochs) epochs, \(data), \(seeds) seed(s)"
    }

    public func markdown() -> String {
        var s = "# Optimizer comparison\n\n\(setupLine)\n\n"
        s += "Final epoch, mean ± std across seeds (95 % CI half-width in brackets).\n\n"
        s += "| optimizer | runs | test accuracy | test loss | best epoch (mean acc.) | s / run |\n|---|---:|---|---|---|---:|\n"
        for r in rows {
            let div = r.diverged > 0 ? " (\(r.diverged) diverged)" : ""
            s += "| \(r.label) | \(r.runs)\(div) | \(ComparisonReport.number(r.accuracyMean)) ± \(ComparisonReport.number(r.accuracyStd)) [±\(ComparisonReport.number(r.accuracyCI))] "
            s += "| \(ComparisonReport.number(r.lossMean)) ± \(ComparisonReport.number(r.lossStd)) [±\(ComparisonReport.number(r.lossCI))] "
            s += "| \(r.bestEpoch.map(String.init) ?? "–") (\(ComparisonReport.number(r.bestAccuracy))) | \(ComparisonReport.number(r.secondsPerRun, 1)) |\n"
        }
        let diverged = summary.groups.flatMap(\.diverged)
        if !diverged.isEmpty {
            s += "\nDiverged runs (excluded from the statistics):\n\n"
            for r in diverged { s += "- \(r.config.optimizer.summary), seed \(r.seed): \(r.divergence ?? "diverged")\n" }
        }
        return s
    }
}
