import Descent
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

    /// Writes every file into `folder` as one set (`writeAtomically(files:into:)`: all are
    /// written before any is replaced, `report.html` last); returns their names.
    @discardableResult
    public func write(to folder: String) throws -> [String] {
        let accuracy = try ComparisonFigure(summary: summary, metric: .accuracy)
        let loss = try ComparisonFigure(summary: summary, metric: .loss)
        let files: [(name: String, bytes: [UInt8])] = [
            ("summary.csv", Array(csv().utf8)),
            ("summary.md", Array(markdown().utf8)),
            ("accuracy.svg", Array(accuracy.svg.utf8)),
            ("accuracy.png", try accuracy.png()),
            ("loss.svg", Array(loss.svg.utf8)),
            ("loss.png", try loss.png()),
            ("report.html", Array(html(accuracy: accuracy.svg, loss: loss.svg).utf8)),
        ]
        try writeAtomically(files: files, into: folder)
        return files.map(\.name)
    }

    // MARK: Tables

    /// The best-epoch column's heading: chosen on validation when every group has a
    /// validation split (the test accuracy at that epoch is shown), else on test.
    var bestEpochHeading: String {
        !summary.groups.isEmpty && summary.groups.allSatisfy(\.hasValidation)
            ? "best epoch by validation (mean test acc.)" : "best epoch (mean acc.)"
    }

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

    /// The setup all rows share, e.g. `fashion-mnist, model 784-784-784-10 (relu, dropout 0.1/0.5),
    /// minibatch 128, 20 epochs, all 60000 training images, 3 seed(s)`; fields in which the
    /// rows differ (`SweepSummary.differences`) are left out and named instead.
    var setupLine: String {
        guard let g = summary.groups.first else { return "" }
        let c = g.config
        let varies = Set(summary.differences)
        let counts = Set(summary.groups.map(\.trainImages))
        let images = c.trainLimit.map { "first \($0) training images" }
            ?? (counts.count == 1 ? counts.first!.map { "all \($0) training images" } : nil) ?? "full training set"
        let seeds = Set(summary.groups.flatMap { ($0.finished + $0.diverged).map(\.seed) }).count
        let parts: [(String, String)] = [
            ("dataset", c.dataset.rawValue), ("model", "model \(c.model.summary)"), ("batch size", "minibatch \(c.batchSize)"),
            ("epochs", "\(c.epochs) epochs"), ("train limit", images), ("seeds", "\(seeds) seed(s)"),
        ]
        var line = parts.filter { !varies.contains($0.0) }.map(\.1).joined(separator: ", ")
        if !varies.isEmpty {
            let list = summary.differences.count == 1 ? summary.differences[0]
                : summary.differences.dropLast().joined(separator: ", ") + " and " + summary.differences.last!
            line += ". The runs differ in \(list): each row is labelled with its own."
        }
        return line
    }

    public func markdown() -> String {
        var s = "# Optimizer comparison\n\n\(setupLine)\n\n"
        s += "Final epoch, mean ± std across seeds (95 % CI half-width in brackets).\n\n"
        s += "| optimizer | runs | test accuracy | test loss | \(bestEpochHeading) | s / run |\n|---|---:|---|---|---|---:|\n"
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

    // MARK: HTML

    /// A self-contained page: figures inline, the summary table, every run.
    public func html(accuracy: String, loss: String) -> String {
        let inline = HTMLPage.inline, escape = HTMLPage.escape
        let n = ComparisonReport.number
        var table = ""
        for r in rows {
            let div = r.diverged > 0 ? " <span class=\"bad\">(\(r.diverged) diverged)</span>" : ""
            table += "<tr><td>\(escape(r.label))</td><td>\(r.runs)\(div)</td>"
            table += "<td>\(n(r.accuracyMean, 4)) ± \(n(r.accuracyStd, 4))</td><td>±\(n(r.accuracyCI, 4))</td>"
            table += "<td>\(n(r.lossMean, 4)) ± \(n(r.lossStd, 4))</td><td>±\(n(r.lossCI, 4))</td>"
            table += "<td>\(r.bestEpoch.map(String.init) ?? "–") (\(n(r.bestAccuracy, 4)))</td><td>\(n(r.secondsPerRun, 1))</td></tr>\n"
        }
        var runs = ""
        for g in summary.groups {
            for r in (g.finished + g.diverged).sorted(by: { $0.seed < $1.seed }) {
                let last = r.epochs.last
                runs += "<tr><td>\(escape(g.label))</td><td>\(r.seed)</td><td>\(r.status.rawValue)\(r.divergence.map { ": " + escape($0) } ?? "")</td>"
                runs += "<td>\(r.epochs.count)</td><td>\(last.map { n($0.testAccuracy ?? .nan, 4) } ?? "–")</td><td>\(last.map { n($0.testLoss, 4) } ?? "–")</td>"
                runs += "<td>\(n(r.totalSeconds, 1))</td><td><code>\(r.key)</code></td></tr>\n"
            }
        }
        let env = summary.groups.first?.finished.first?.environment ?? summary.groups.first?.diverged.first?.environment
        let machine = env.map { "Descent \($0.descentVersion) on \(escape($0.cpu)), \($0.cores) cores, \($0.threads) BLAS thread(s) per run" } ?? ""
        return HTMLPage.page(title: "Optimizer comparison", body: """
            <p class="setup">\(escape(setupLine))</p>
            <h2>Final epoch</h2>
            <table>
            <thead><tr><th>optimizer</th><th>runs</th><th>test accuracy (mean ± std)</th><th>95 % CI</th><th>test loss (mean ± std)</th><th>95 % CI</th><th>\(bestEpochHeading)</th><th>s / run</th></tr></thead>
            <tbody>
            \(table)</tbody>
            </table>
            <p class="setup">Statistics over runs that finished; diverged runs are counted and listed below, never averaged. 95 % CI: Student's t half-width of the mean.</p>
            <figure>
            \(inline(accuracy))
            <figcaption>Test accuracy per epoch: mean across seeds, band ± 1 standard deviation; right: the final epochs enlarged.</figcaption>
            </figure>
            <figure>
            \(inline(loss))
            <figcaption>Test loss (cross-entropy) per epoch, same layout.</figcaption>
            </figure>
            <details>
            <summary>Every run</summary>
            <table>
            <thead><tr><th>optimizer</th><th>seed</th><th>status</th><th>epochs</th><th>final acc.</th><th>final loss</th><th>seconds</th><th>run key</th></tr></thead>
            <tbody>
            \(runs)</tbody>
            </table>
            </details>
            <p class="setup">\(machine). Files: accuracy.svg/png, loss.svg/png, summary.md, summary.csv, results.jsonl.</p>
            """)
    }
}
