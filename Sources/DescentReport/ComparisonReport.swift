import Descent
import Foundation

/// The optimizer-comparison report: curves, a zoomed view of the last epochs, and a
/// table of final-epoch statistics across seeds.
///
/// Files: `accuracy.svg/png`, `loss.svg/png` (each: full curves and a zoomed panel of
/// the final epochs, mean line with a ± 1 std band across seeds), `summary.md`,
/// `summary.csv`, and `report.html`, which shows the SVG figures beside it.
/// Diverged runs are counted and listed, never averaged; no NaN is written as a number.
public struct ComparisonReport {
    public let summary: SweepSummary

    public init(records: [RunRecord]) { summary = SweepSummary(records: records) }

    /// Writes every file into `folder` as one set (`writeAtomically(files:into:)`: all are
    /// written before any is replaced, `report.html` last); returns their names.
    @discardableResult
    public func write(to folder: String) throws -> [String] {
        let accuracy = try ComparisonFigure.document(summary: summary, metric: .accuracy)
        let loss = try ComparisonFigure.document(summary: summary, metric: .loss)
        let files: [(name: String, bytes: [UInt8])] = [
            ("summary.csv", Array(csv().utf8)),
            ("summary.md", Array(markdown().utf8)),
            ("accuracy.svg", Array(accuracy.text.utf8)),
            ("accuracy.png", try accuracy.png()),
            ("loss.svg", Array(loss.text.utf8)),
            ("loss.png", try loss.png()),
            ("report.html", Array(html().utf8)),
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

    /// One row per configuration, machine-readable: six decimals, empty where not finite.
    public func csv() -> String {
        let n = ReportTable.csvNumber
        return ReportTable(header: ["optimizer", "runs", "diverged", "final_test_accuracy_mean", "final_test_accuracy_std",
                                    "final_test_accuracy_ci95", "final_test_loss_mean", "final_test_loss_std",
                                    "final_test_loss_ci95", "best_epoch", "best_epoch_accuracy_mean", "seconds_per_run"],
                           rows: rows.map { r in
            [r.label, "\(r.runs)", "\(r.diverged)", n(r.accuracyMean), n(r.accuracyStd), n(r.accuracyCI), n(r.lossMean),
             n(r.lossStd), n(r.lossCI), r.bestEpoch.map(String.init) ?? "", n(r.bestAccuracy), n(r.secondsPerRun)]
        }).csv()
    }

    /// The final-epoch table of `summary.md` and `report.html`.
    var table: ReportTable {
        ReportTable(header: ["optimizer", "runs", "test accuracy", "test loss", bestEpochHeading, "s / run"], rows: rows.map { r in
            [r.label, "\(r.runs)" + (r.diverged > 0 ? " (\(r.diverged) diverged)" : ""),
             ReportTable.meanStdCI(r.accuracyMean, r.accuracyStd, r.accuracyCI), ReportTable.meanStdCI(r.lossMean, r.lossStd, r.lossCI),
             "\(r.bestEpoch.map(String.init) ?? "–") (\(ReportTable.number(r.bestAccuracy)))", ReportTable.number(r.secondsPerRun, 1)]
        })
    }

    /// Every run, one row each: the details table of `report.html`.
    var runTable: ReportTable {
        let n = { (x: Double?) in x.map { ReportTable.number($0) } ?? "–" }
        return ReportTable(header: ["optimizer", "seed", "status", "epochs", "final acc.", "final loss", "seconds", "run key"],
                           rows: summary.groups.flatMap { g in
            (g.finished + g.diverged).sorted { $0.seed < $1.seed }.map { r in
                [g.label, "\(r.seed)", r.status.rawValue + (r.divergence.map { ": " + $0 } ?? ""), "\(r.epochs.count)",
                 n(r.epochs.last.map { $0.testAccuracy ?? .nan }), n(r.epochs.last?.testLoss), ReportTable.number(r.totalSeconds, 1), r.key]
            }
        })
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
        s += "Final epoch, mean ± std across seeds (95 % CI half-width in brackets).\n\n" + table.markdown()
        let diverged = summary.groups.flatMap(\.diverged)
        if !diverged.isEmpty {
            s += "\nDiverged runs (excluded from the statistics):\n\n"
            for r in diverged { s += "- \(r.config.optimizer.summary), seed \(r.seed): \(r.divergence ?? "diverged")\n" }
        }
        return s
    }

    // MARK: HTML

    /// The page: the summary table, the figures (`accuracy.svg`, `loss.svg` beside it), every run.
    public func html() -> String {
        let env = summary.groups.first?.finished.first?.environment ?? summary.groups.first?.diverged.first?.environment
        let runs = summary.groups.flatMap { $0.finished + $0.diverged }
        let names = Set(runs.compactMap(\.environment.productKernels)).sorted()
        let lapack = Set(runs.compactMap(\.environment.lapack)).sorted()
        let kernels = (names.isEmpty ? "" : names.count == 1 ? ", products on \(names[0]) kernels"
            : ", products on kernels \(names.joined(separator: " and ")) (mixed: they round products differently)")
            + (lapack.isEmpty ? "" : ", LAPACK (Shampoo, PCA) on \(lapack.joined(separator: " and "))")
        let machine = env.map { "Descent \($0.descentVersion) on \($0.cpu), \($0.cores) cores, \($0.threads) thread(s) per run\(kernels). " } ?? ""
        return HTMLPage.page(title: "Optimizer comparison", body: """
            \(HTMLPage.paragraph(setupLine, class: "setup"))
            <h2>Final epoch</h2>
            \(table.html())
            <p class="setup">Mean ± std across seeds [95 % CI: Student's t half-width of the mean], over runs that finished; diverged runs are counted and listed below, never averaged.</p>
            \(HTMLPage.figure("accuracy.svg", caption: "Test accuracy per epoch: mean across seeds, band ± 1 standard deviation; right: the final epochs enlarged."))
            \(HTMLPage.figure("loss.svg", caption: "Test loss (cross-entropy) per epoch, same layout."))
            <details>
            <summary>Every run</summary>
            \(runTable.html())
            </details>
            \(HTMLPage.paragraph(machine + "Files: accuracy.svg/png, loss.svg/png, summary.md, summary.csv, results.jsonl.", class: "setup"))
            """)
    }
}
