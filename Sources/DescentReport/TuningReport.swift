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

    /// Writes every file (atomically) into `folder`; returns their names.
    @discardableResult
    public func write(to folder: String) throws -> [String] {
        var written: [String] = []
        func put(_ name: String, _ bytes: [UInt8]) throws {
            try writeAtomically(bytes, to: folder + "/" + name)
            written.append(name)
        }
        let chart = try self.chart()
        let svg = chart.svg(width: Self.chartWidth, height: Self.chartHeight)
        try put("summary.csv", Array(csv().utf8))
        try put("summary.md", Array(markdown().utf8))
        try put("lr-sensitivity.svg", Array(svg.utf8))
        try put("lr-sensitivity.png", try SVGRasterizer.png(svg: svg, width: Self.chartWidth, height: Self.chartHeight))
        try put("report.html", Array(html(chart: svg).utf8))
        return written
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

    static let number = ComparisonReport.number

    static func rate(_ r: Float?) -> String { r.map { "\($0)" } ?? "–" }

    static func stats(_ s: TuningSummary.Stats?, _ f: (TuningSummary.Stats) -> (Double, Double, Double)) -> String {
        guard let s, s.runs > 0 else { return "–" }
        let (m, sd, ci) = f(s)
        return "\(number(m, 4)) ± \(number(sd, 4)) [±\(number(ci, 4))]"
    }

    static func runs(_ s: TuningSummary.Stats?) -> String {
        guard let s else { return "–" }
        return "\(s.runs)" + (s.diverged > 0 ? " (\(s.diverged) diverged)" : "")
    }

    private var setupLine: String {
        let p = summary.plan
        guard let c = p.base.first else { return "" }
        let data = c.trainLimit.map { "first \($0) training images" } ?? "the training images"
        return "\(c.dataset.rawValue), model \(c.model.summary), minibatch \(c.batchSize), \(c.epochs) epochs, \(data) left after holding out \(c.validation ?? 0) for validation; \(p.rates.count) rates from \(Self.rate(p.rates.first)) to \(Self.rate(p.rates.last)) with seed \(p.gridSeed); default and chosen rates with \(p.seeds.count) seed(s); chosen by final-epoch validation \(p.select.rawValue)"
    }

    public func markdown() -> String {
        var s = "# Learning-rate tuning\n\n\(setupLine).\n\n\(summary.rankingSentence)\n\n"
        s += "Final-epoch test accuracy and loss, mean ± std across seeds [95 % CI half-width]; at the default rate (left) and at the rate chosen on validation (right).\n\n"
        s += "| optimizer | default lr | runs | test accuracy | test loss | chosen lr | runs | test accuracy | test loss |\n"
        s += "|---|---:|---:|---|---|---:|---:|---|---|\n"
        for r in summary.rows { s += "| " + Self.cells(r).joined(separator: " | ") + " |\n" }
        s += "\nThe grid: final-epoch validation \(summary.plan.select.rawValue) of seed \(summary.plan.gridSeed) at each rate (**chosen**; ✗ diverged; · not run yet).\n\n"
        s += "| lr | " + summary.rows.map(\.label).joined(separator: " | ") + " |\n"
        s += "|---:|" + String(repeating: "---:|", count: summary.rows.count) + "\n"
        for (i, rate) in summary.plan.rates.enumerated() {
            s += "| \(rate) | " + summary.rows.map { Self.cell($0, i) }.joined(separator: " | ") + " |\n"
        }
        return s
    }

    /// The cells of a row of the default-vs-tuned table: optimizer, default rate, runs,
    /// test accuracy, test loss, then the same for the chosen rate.
    static func cells(_ r: TuningSummary.Row) -> [String] {
        func side(_ rate: Float?, _ s: TuningSummary.Stats?) -> [String] {
            [Self.rate(rate), runs(s), stats(s) { ($0.accuracyMean, $0.accuracyStd, $0.accuracyCI) },
             stats(s) { ($0.lossMean, $0.lossStd, $0.lossCI) }]
        }
        return [r.label] + side(r.defaultRate, r.atDefault) + side(r.chosenRate, r.tuned)
    }

    /// A grid cell: the score, bold when chosen, ✗ when diverged, · when missing.
    static func cell(_ r: TuningSummary.Row, _ i: Int) -> String {
        let p = r.points[i]
        guard p.record != nil else { return "·" }
        guard let s = p.score else { return "✗" }
        return r.chosen == i ? "**\(number(s, 4))**" : number(s, 4)
    }

    public func csv() -> String {
        var lines = ["optimizer,default_lr,default_runs,default_diverged,default_test_accuracy_mean,default_test_accuracy_std,default_test_accuracy_ci95,default_test_loss_mean,default_test_loss_std,default_test_loss_ci95,chosen_lr,chosen_validation_score,tuned_runs,tuned_diverged,tuned_test_accuracy_mean,tuned_test_accuracy_std,tuned_test_accuracy_ci95,tuned_test_loss_mean,tuned_test_loss_std,tuned_test_loss_ci95"]
        let f = { (x: Double) in x.isFinite ? String(format: "%.6f", x) : "" }
        func stats(_ s: TuningSummary.Stats?) -> [String] {
            guard let s else { return ["", "", "", "", "", "", "", ""] }
            return ["\(s.runs)", "\(s.diverged)", f(s.accuracyMean), f(s.accuracyStd), f(s.accuracyCI), f(s.lossMean), f(s.lossStd), f(s.lossCI)]
        }
        for r in summary.rows {
            let score = r.chosen.flatMap { r.points[$0].score } ?? .nan
            lines.append(([r.label, "\(r.defaultRate)"] + stats(r.atDefault) + [r.chosenRate.map { "\($0)" } ?? "", f(score)] + stats(r.tuned))
                .joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: HTML

    public func html(chart svg: String) -> String {
        let e = HTMLPage.escape
        let inline = HTMLPage.inline(svg)
        var table = ""
        for r in summary.rows {
            table += "<tr>" + Self.cells(r).enumerated().map { i, c in "<td\(i == 5 ? " class=\"sep\"" : "")>\(e(c))</td>" }.joined() + "</tr>\n"
        }
        var grid = "<tr><th>lr</th>" + summary.rows.map { "<th>\(e($0.label))</th>" }.joined() + "</tr>\n"
        for (i, rate) in summary.plan.rates.enumerated() {
            grid += "<tr><td>\(rate)</td>" + summary.rows.map { r in
                "<td>\(Self.cell(r, i).replacingOccurrences(of: "**", with: ""))\(r.chosen == i ? " ◀" : "")</td>"
            }.joined() + "</tr>\n"
        }
        return HTMLPage.page(title: "Learning-rate tuning", style: ".sep { border-left: 2px solid #999; }", body: """
            <p class="setup">\(e(setupLine)).</p>
            <p><strong>\(e(summary.rankingSentence))</strong></p>
            <h2>Default rate vs. tuned rate</h2>
            <table>
            <thead><tr><th>optimizer</th><th>default lr</th><th>runs</th><th>test accuracy</th><th>test loss</th><th class="sep">chosen lr</th><th>runs</th><th>test accuracy</th><th>test loss</th></tr></thead>
            <tbody>
            \(table)</tbody>
            </table>
            <p class="setup">Final epoch, mean ± std across seeds [95 % CI half-width, Student's t]; diverged runs are counted, never averaged. Rates are chosen on the validation split only.</p>
            <figure>
            \(inline)
            <figcaption>Final-epoch validation \(summary.plan.select.rawValue) of the grid seed at every rate; the chosen rate circled; crosses: runs that diverged.</figcaption>
            </figure>
            <h2>The grid</h2>
            <table>
            \(grid)</table>
            <p class="setup">Files: lr-sensitivity.svg/png, summary.md, summary.csv, tune.json (the plan), results.jsonl (every run).</p>
            """)
    }
}
