import Descent
import Foundation

/// The report of a learning-rate tuning (`descent tune`): the learning-rate sensitivity
/// chart, the tuned table beside the default-rate table, the sentence on the ranking, and
/// every grid point.
///
/// Files: `lr-sensitivity.svg/png` (x: learning rate, log scale; y: final-epoch validation
/// accuracy of the grid seed; one line per optimizer; the chosen rate circled; diverged
/// points as crosses along the bottom), `summary.md`, `summary.csv` (one row per optimizer),
/// `report.html`. No NaN is written as a number: missing values are "–" (empty in CSV).
public struct TuningReport {
    public let summary: TuningSummary

    public init(plan: TuningPlan, records: [RunRecord]) { summary = TuningSummary(plan: plan, records: records) }

    public static let chartWidth = 900, chartHeight = 520

    /// Writes every file into `folder` as one set (`writeAtomically(files:into:)`, `report.html`
    /// last); returns their names.
    @discardableResult
    public func write(to folder: String) throws -> [String] {
        let chart = try self.chart().document(width: Self.chartWidth, height: Self.chartHeight)
        let files: [(name: String, bytes: [UInt8])] = [
            ("summary.csv", Array(csv().utf8)),
            ("summary.md", Array(markdown().utf8)),
            ("lr-sensitivity.svg", Array(chart.text.utf8)),
            ("lr-sensitivity.png", try chart.png()),
            ("report.html", Array(html().utf8)),
        ]
        try writeAtomically(files: files, into: folder)
        return files.map(\.name)
    }

    // MARK: Chart

    /// The sensitivity chart. Diverged points (and finished ones without a finite score)
    /// are crosses at the bottom of the plot, one row per optimizer.
    public func chart() throws -> LineChart {
        let rows = summary.rows
        let metric = summary.plan.select == .accuracy ? "accuracy" : "loss"
        let y = rows.map { r in r.points.map { $0.score ?? .nan } }
        let finite = y.flatMap { $0 }.filter(\.isFinite)
        let lo = finite.min() ?? 0, hi = finite.max() ?? 1
        let span = max(hi - lo, 0.01)
        // Room below the data for one row of crosses per optimizer, when any point failed.
        let rowStep = span * 0.035
        let anyFailed = rows.contains { $0.points.contains { $0.record != nil && $0.score == nil } }
        let bottom = lo - (anyFailed ? rowStep * Double(rows.count + 1) : span * 0.05)
        var series: [Series] = []
        var extras: [Series] = []
        for (k, r) in rows.enumerated() {
            let color = ChartColor.okabeIto[k % ChartColor.okabeIto.count]
            let x = r.points.map { Double($0.rate) }
            series.append(try Series(name: r.label, x: x, y: y[k], color: color, showsMarkers: true))
            if let c = r.chosen, let s = r.points[c].score {
                extras.append(try Series(name: "", x: [x[c]], y: [s], color: color, showsMarkers: true, marker: .ring, showsLine: false))
            }
            let failed = r.points.indices.filter { r.points[$0].record != nil && r.points[$0].score == nil }
            if !failed.isEmpty {
                extras.append(try Series(name: "", x: failed.map { x[$0] }, y: failed.map { _ in bottom + rowStep * Double(k + 1) },
                                     color: color, showsMarkers: true, marker: .cross, showsLine: false))
            }
        }
        let ink = ChartColor(hex: 0x333333)
        let keys = [try Series(name: "chosen rate", x: [], y: [], color: ink, showsMarkers: true, marker: .ring, showsLine: false),
                    try Series(name: "diverged (drawn at the bottom)", x: [], y: [], color: ink, showsMarkers: true, marker: .cross, showsLine: false)]
        var chart = LineChart(title: "Learning-rate sensitivity: final validation \(metric) (seed \(summary.plan.gridSeed))",
                              xLabel: "learning rate (log scale)", yLabel: "final-epoch validation \(metric)",
                              series: series + keys + extras, legend: .outsideRight)
        chart.xLogScale = true
        chart.yRange = bottom...(hi + span * 0.05)
        return chart
    }

    // MARK: Tables

    static func rate(_ r: Float?) -> String { r.map { "\($0)" } ?? "–" }

    private var setupLine: String {
        let p = summary.plan
        guard let c = p.base.first else { return "" }
        let data = c.trainLimit.map { "first \($0) training images" } ?? "the training images"
        return "\(c.dataset.rawValue), model \(c.model.summary), minibatch \(c.batchSize), \(c.epochs) epochs, \(data) left after holding out \(c.validation ?? 0) for validation; \(p.rates.count) rates from \(Self.rate(p.rates.first)) to \(Self.rate(p.rates.last)) with seed \(p.gridSeed); default and chosen rates with \(p.seeds.count) seed(s); chosen by final-epoch validation \(p.select.rawValue)."
    }

    /// Default rate against chosen rate, one row per optimizer: the rate, the runs, and the
    /// final-epoch test accuracy and loss (mean ± std [±95 % CI]) on each side.
    var table: ReportTable {
        func side(_ rate: Float?, _ s: TuningSummary.Stats?) -> [String] {
            let runs = s.map { "\($0.runs)" + ($0.diverged > 0 ? " (\($0.diverged) diverged)" : "") } ?? "–"
            guard let s, s.runs > 0 else { return [Self.rate(rate), runs, "–", "–"] }
            return [Self.rate(rate), runs, ReportTable.meanStdCI(s.accuracyMean, s.accuracyStd, s.accuracyCI),
                    ReportTable.meanStdCI(s.lossMean, s.lossStd, s.lossCI)]
        }
        return ReportTable(header: ["optimizer", "default lr", "runs", "test accuracy", "test loss", "chosen lr", "runs", "test accuracy", "test loss"],
                           rows: summary.rows.map { [$0.label] + side($0.defaultRate, $0.atDefault) + side($0.chosenRate, $0.tuned) },
                           ruleBefore: [5])
    }

    /// The grid: the score of the grid seed at every rate (◀ chosen, ✗ diverged, · not run yet).
    var grid: ReportTable {
        ReportTable(header: ["lr"] + summary.rows.map(\.label), rows: summary.plan.rates.indices.map { i in
            ["\(summary.plan.rates[i])"] + summary.rows.map { r in
                let p = r.points[i]
                guard p.record != nil else { return "·" }
                guard let s = p.score else { return "✗" }
                return ReportTable.number(s) + (r.chosen == i ? " ◀" : "")
            }
        })
    }

    public func markdown() -> String {
        """
        # Learning-rate tuning

        \(setupLine)

        \(summary.rankingSentence)

        Final-epoch test accuracy and loss, mean ± std across seeds [95 % CI half-width]; at the default rate (left) and at the rate chosen on validation (right).

        \(table.markdown())
        The grid: final-epoch validation \(summary.plan.select.rawValue) of seed \(summary.plan.gridSeed) at each rate (◀ chosen; ✗ diverged; · not run yet).

        \(grid.markdown())
        """
    }

    /// One row per optimizer, machine-readable: six decimals, empty where missing.
    public func csv() -> String {
        let n = ReportTable.csvNumber
        func stats(_ s: TuningSummary.Stats?) -> [String] {
            guard let s else { return Array(repeating: "", count: 8) }
            return ["\(s.runs)", "\(s.diverged)", n(s.accuracyMean), n(s.accuracyStd), n(s.accuracyCI), n(s.lossMean), n(s.lossStd), n(s.lossCI)]
        }
        let statNames = ["runs", "diverged", "test_accuracy_mean", "test_accuracy_std", "test_accuracy_ci95", "test_loss_mean", "test_loss_std", "test_loss_ci95"]
        return ReportTable(header: ["optimizer", "default_lr"] + statNames.map { "default_" + $0 } + ["chosen_lr", "chosen_validation_score"]
                                   + statNames.map { "tuned_" + $0 },
                           rows: summary.rows.map { r in
            [r.label, "\(r.defaultRate)"] + stats(r.atDefault) + [r.chosenRate.map { "\($0)" } ?? "", n(r.chosen.flatMap { r.points[$0].score } ?? .nan)]
                + stats(r.tuned)
        }).csv()
    }

    // MARK: HTML

    /// The page: the ranking sentence, both tables and the sensitivity chart (`lr-sensitivity.svg` beside it).
    public func html() -> String {
        HTMLPage.page(title: "Learning-rate tuning", body: """
            \(HTMLPage.paragraph(setupLine, class: "setup"))
            <p><strong>\(HTMLPage.escape(summary.rankingSentence))</strong></p>
            <h2>Default rate vs. tuned rate</h2>
            \(table.html())
            <p class="setup">Final epoch, mean ± std across seeds [95 % CI half-width, Student's t]; diverged runs are counted, never averaged. Rates are chosen on the validation split only.</p>
            \(HTMLPage.figure("lr-sensitivity.svg", caption: "Final-epoch validation \(summary.plan.select.rawValue) of the grid seed at every rate; the chosen rate circled; crosses: runs that diverged."))
            <h2>The grid</h2>
            \(grid.html())
            <p class="setup">Files: lr-sensitivity.svg/png, summary.md, summary.csv, tune.json (the plan), results.jsonl (every run).</p>
            """)
    }
}
