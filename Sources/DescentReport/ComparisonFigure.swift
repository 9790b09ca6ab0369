import Descent

/// The comparison report's figures: for one metric, the full curves and a zoomed panel
/// of the final epochs side by side (the seed article needed a second, zoomed figure
/// to tell the optimizers apart). Each curve is the mean across seeds with a ± 1 std band;
/// the zoom's y axis fits what is drawn in its epochs.
enum ComparisonFigure {
    static let fullWidth = 760, zoomWidth = 560, height = 480

    enum Metric {
        case accuracy, loss
        var title: String { self == .accuracy ? "accuracy" : "loss" }
    }

    /// The figure for `metric` from the summary's groups.
    static func document(summary: SweepSummary, metric: Metric) throws -> SVGDocument {
        let series = try summary.groups.map { g in
            try Series(name: g.label, y: metric == .accuracy ? g.accuracyMean : g.lossMean,
                       band: metric == .accuracy ? g.accuracyStd : g.lossStd, showsMarkers: g.epochs.count <= 30)
        }
        let epochs = summary.groups.map(\.epochs.count).max() ?? 0
        var full = LineChart(title: "Test \(metric.title) (mean ± std across seeds)", xLabel: "epoch",
                             yLabel: "test \(metric.title)", series: series)
        if epochs >= 1 { full.xRange = 1...Double(max(epochs, 2)) }
        // Zoom: the last 40 % of the epochs (at least 3).
        let first = max(1, epochs - max(3, epochs * 2 / 5) + 1)
        var zoom = LineChart(title: "Zoom: epochs \(first)–\(epochs)", xLabel: "epoch", yLabel: "test \(metric.title)",
                             series: series, legend: .none)
        zoom.xRange = Double(first)...Double(max(epochs, first + 1))
        var figure = SVGDocument(width: fullWidth + zoomWidth, height: height)
        figure.embed(full.document(width: fullWidth, height: height), x: 0)
        figure.embed(zoom.document(width: zoomWidth, height: height), x: Double(fullWidth))
        return figure
    }
}
