import Descent

/// The comparison report's figures: for one metric, the full curves and a zoomed panel
/// of the final epochs side by side (the seed article needed a second, zoomed figure
/// to tell the optimizers apart). Each curve is the mean across seeds with a ± 1 std band.
/// Drawn as one SVG document; `png()` rasterises it.
struct ComparisonFigure {
    let svg: String

    static let fullWidth = 760, zoomWidth = 560, height = 480

    /// Builds the figure for `metric` from the summary's groups.
    init(summary: SweepSummary, metric: Metric) throws {
        let series = try summary.groups.map { g in
            try Series(name: g.label, y: metric == .accuracy ? g.accuracyMean : g.lossMean,
                   band: metric == .accuracy ? g.accuracyStd : g.lossStd, showsMarkers: g.epochs.count <= 30)
        }
        let epochs = summary.groups.map(\.epochs.count).max() ?? 0
        var full = LineChart(title: "Test \(metric.title) (mean ± std across seeds)", xLabel: "epoch",
                             yLabel: "test \(metric.title)", series: series)
        if epochs >= 1 { full.xRange = 1...Double(max(epochs, 2)) }
        // Zoom: the last 40 % of the epochs (at least 3), y fitted to what is drawn there.
        let first = max(1, epochs - max(3, epochs * 2 / 5) + 1)
        var zoom = LineChart(title: "Zoom: epochs \(first)–\(epochs)", xLabel: "epoch", yLabel: "test \(metric.title)",
                             series: series, legend: .none)
        zoom.xRange = Double(first)...Double(max(epochs, first + 1))
        zoom.yRange = ComparisonFigure.fittedRange(series, from: first, to: epochs)
        svg = ComparisonFigure.sideBySide(full.svg(width: Self.fullWidth, height: Self.height),
                                          zoom.svg(width: Self.zoomWidth, height: Self.height))
    }

    /// The figure as PNG bytes, rasterised from `svg` at its own size.
    func png() throws -> [UInt8] {
        try SVGRasterizer.png(svg: svg, width: Self.fullWidth + Self.zoomWidth, height: Self.height)
    }

    enum Metric {
        case accuracy, loss
        var title: String { self == .accuracy ? "accuracy" : "loss" }
    }

    /// The range of mean ± band over epochs `first…last` of every series, padded by 8 %.
    static func fittedRange(_ series: [Series], from first: Int, to last: Int) -> ClosedRange<Double>? {
        var lo = Double.infinity, hi = -Double.infinity
        for s in series {
            for i in s.y.indices where i + 1 >= first && i + 1 <= last && s.y[i].isFinite {
                let b = s.band.map { $0[i].isFinite ? $0[i] : 0 } ?? 0
                lo = min(lo, s.y[i] - b)
                hi = max(hi, s.y[i] + b)
            }
        }
        guard lo.isFinite, hi.isFinite else { return nil }
        let pad = max((hi - lo) * 0.08, 1e-4)
        return (lo - pad)...(hi + pad)
    }

    /// Two SVG documents as one, side by side.
    static func sideBySide(_ left: String, _ right: String) -> String {
        func body(_ svg: String, x: Int) -> String {
            var s = svg
            if let prolog = s.range(of: "?>") { s = String(s[prolog.upperBound...]) }
            if let open = s.range(of: "<svg ") { s.replaceSubrange(open, with: "<svg x=\"\(x)\" y=\"0\" ") }
            return s.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let width = fullWidth + zoomWidth
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
            <rect width="\(width)" height="\(height)" fill="white"/>
            \(body(left, x: 0))
            \(body(right, x: fullWidth))
            </svg>

            """
    }
}
