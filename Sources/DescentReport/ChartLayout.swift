import Foundation

/// "Nice" axis ticks: steps of 1, 2 or 5 times a power of ten.
public enum NiceTicks {
    /// The 1-2-5 step closest to `span / targetCount`.
    public static func step(span: Double, targetCount: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let rough = span / Double(max(targetCount, 1))
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let norm = rough / magnitude
        let nice: Double = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10
        return nice * magnitude
    }

    /// `range` widened to the nearest multiples of its 1-2-5 step (so both ends are ticks),
    /// and that step.
    public static func roundedOut(_ range: ClosedRange<Double>, targetCount: Int) -> (range: ClosedRange<Double>, step: Double) {
        let step = step(span: range.upperBound - range.lowerBound, targetCount: targetCount)
        return (((range.lowerBound / step).rounded(.down) * step)...((range.upperBound / step).rounded(.up) * step), step)
    }

    /// The multiples of `step` inside `range` (with a tiny tolerance at the ends).
    public static func ticks(in range: ClosedRange<Double>, step: Double) -> [Double] {
        guard step > 0, range.lowerBound.isFinite, range.upperBound.isFinite else { return [] }
        let eps = step * 1e-9
        let first = ((range.lowerBound - eps) / step).rounded(.up)
        let last = ((range.upperBound + eps) / step).rounded(.down)
        guard last >= first, last - first < 1000 else { return [] }
        return stride(from: first, through: last, by: 1).map { k in
            let v = k * step
            return abs(v) < eps ? 0 : v
        }
    }

    /// A label for tick `value` on an axis with tick spacing `step`: just enough
    /// decimals to tell ticks apart, exponent notation for very large or small values,
    /// and a typographic minus sign.
    public static func label(_ value: Double, step: Double) -> String {
        let magnitude = max(abs(value), step)
        var text: String
        if value == 0 {
            text = "0"
        } else if magnitude >= 1e6 || step < 1e-4 {
            text = String(format: "%.3g", value)
        } else {
            let decimals = max(0, Int((-log10(step) - 1e-9).rounded(.up)))
            text = String(format: "%.\(decimals)f", value)
        }
        if text.hasPrefix("-") { text = "\u{2212}" + text.dropFirst() }
        return text
    }
}

/// The geometry of a `LineChart`: data domain, ticks, margins and the plot rectangle,
/// in output pixels (y down). Text widths are estimated with `SVGText.width`.
struct ChartLayout {
    let width: Double
    let height: Double
    /// x is drawn on a log₁₀ axis; `xDomain` is then in log₁₀ units.
    let logX: Bool
    let xDomain: ClosedRange<Double>
    let yDomain: ClosedRange<Double>
    let xTicks: [Double]
    let yTicks: [Double]
    let xTickLabels: [String]
    let yTickLabels: [String]
    /// Plot rectangle.
    let left: Double, right: Double, top: Double, bottom: Double

    static let titleSize = 16.0
    static let labelSize = 13.0
    static let tickSize = 12.0
    static let legendSize = 12.0

    /// The layout and legend box of `chart`; an outside legend narrows the plot.
    static func make(chart: LineChart, width: Double, height: Double) -> (ChartLayout, Legend?) {
        let inside = ChartLayout(chart: chart, width: width, height: height)
        let legend = inside.legend(for: chart)
        guard let legend, legend.outside else { return (inside, legend) }
        let narrowed = ChartLayout(chart: chart, width: width, height: height, reservedRight: legend.width + 12)
        let x = width - legend.width - 8
        return (narrowed, Legend(x: x, y: narrowed.top, width: legend.width, height: legend.height,
                                 rowHeight: legend.rowHeight, entries: legend.entries, outside: true))
    }

    /// `reservedRight` keeps that many pixels free at the right (for an outside legend).
    init(chart: LineChart, width: Double, height: Double, reservedRight: Double = 0) {
        self.width = width
        self.height = height

        // x domain: given, or the finite data (on a log axis: log₁₀ of both, padded by a quarter decade).
        let logX = chart.xLogScale
        self.logX = logX
        let tx: (Double) -> Double = { logX ? (($0 > 0) ? log10($0) : .nan) : $0 }
        var xs = [Double]()
        for s in chart.series { for (x, y) in zip(s.x, s.y) where tx(x).isFinite && y.isFinite { xs.append(tx(x)) } }
        var xDomain: ClosedRange<Double>
        if let r = chart.xRange, tx(r.lowerBound).isFinite, tx(r.upperBound).isFinite, r.upperBound > r.lowerBound {
            xDomain = tx(r.lowerBound)...tx(r.upperBound)
        } else if let lo = xs.min(), let hi = xs.max() {
            let pad = logX ? 0.25 : 0
            xDomain = lo < hi ? (lo - pad)...(hi + pad) : (lo - 0.5)...(hi + 0.5)
        } else {
            xDomain = 0...1
        }
        // y domain: given, or the finite data (and bands) inside the x domain, rounded out to ticks.
        let yTarget = max(3, min(10, Int(height / 70)))
        var yDomain: ClosedRange<Double>, yStep: Double
        if let r = chart.yRange, r.lowerBound.isFinite, r.upperBound.isFinite, r.upperBound > r.lowerBound {
            yDomain = r
            yStep = NiceTicks.step(span: r.upperBound - r.lowerBound, targetCount: yTarget)
        } else {
            var lo = Double.infinity, hi = -Double.infinity
            for s in chart.series {
                for i in s.y.indices where tx(s.x[i]).isFinite && s.y[i].isFinite && xDomain.contains(tx(s.x[i])) {
                    lo = min(lo, s.y[i]); hi = max(hi, s.y[i])
                    if let b = s.band?[i], b.isFinite {
                        lo = min(lo, s.y[i] - abs(b)); hi = max(hi, s.y[i] + abs(b))
                    }
                }
            }
            if !(lo <= hi) { lo = 0; hi = 1 }
            if lo == hi { let pad = lo == 0 ? 1 : abs(lo) * 0.1; lo -= pad; hi += pad }
            (yDomain, yStep) = NiceTicks.roundedOut(lo...hi, targetCount: yTarget)
        }
        yTicks = NiceTicks.ticks(in: yDomain, step: yStep)
        yTickLabels = yTicks.map { NiceTicks.label($0, step: yStep) }

        let xTarget = max(3, min(12, Int(width / 100)))
        if logX {
            // Powers of ten (every k-th decade when there are many), labelled 0.001 … 1000 or 1e-05.
            let decades = Int(xDomain.upperBound.rounded(.down)) - Int(xDomain.lowerBound.rounded(.up)) + 1
            let every = max(1, (decades + xTarget - 1) / xTarget)
            let exponents = NiceTicks.ticks(in: xDomain, step: Double(every))
            xTicks = exponents.map { pow(10, $0) }
            xTickLabels = exponents.map { e in
                let k = Int(e.rounded())
                let text = (-3...3).contains(k) ? NiceTicks.label(pow(10, e), step: pow(10, Double(min(k, 0)))) : "1e\(k)"
                return text.replacingOccurrences(of: "-", with: "\u{2212}")
            }
        } else {
            var xStep = NiceTicks.step(span: xDomain.upperBound - xDomain.lowerBound, targetCount: xTarget)
            if xStep < 1, !xs.isEmpty, xs.allSatisfy({ $0 == $0.rounded() }),
               xDomain.upperBound - xDomain.lowerBound >= 2 { xStep = 1 }  // integer data (epochs)
            xTicks = NiceTicks.ticks(in: xDomain, step: xStep)
            xTickLabels = xTicks.map { NiceTicks.label($0, step: xStep) }
        }
        self.xDomain = xDomain
        self.yDomain = yDomain

        let widestY = yTickLabels.map { SVGText.width($0, Self.tickSize) }.max() ?? 0
        let lastX = xTickLabels.last.map { SVGText.width($0, Self.tickSize) } ?? 0
        left = 12 + (chart.yLabel.isEmpty ? 0 : Self.labelSize * 1.6) + widestY + PlotAxes.tickLength + 6
        right = width - max(20, lastX / 2 + 8) - reservedRight
        top = chart.title.isEmpty ? 16 : 14 + Self.titleSize * 1.6
        bottom = height - (PlotAxes.tickLength + 6 + Self.tickSize * 1.3
                           + (chart.xLabel.isEmpty ? 8 : Self.labelSize * 1.9 + 4))
    }

    /// The plot's axes: the rectangle and the ticks in pixels.
    var axes: PlotAxes {
        PlotAxes(left: left, right: right, top: top, bottom: bottom,
                 xTicks: Array(zip(xTicks.map(px), xTickLabels)), yTicks: Array(zip(yTicks.map(py), yTickLabels)),
                 tickSize: Self.tickSize)
    }

    /// Pixel column of data x (unclamped; on a log axis, of log₁₀ x).
    func px(_ x: Double) -> Double {
        let t = logX ? log10(x) : x
        return left + (t - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound) * (right - left)
    }

    /// Pixel row of data y (unclamped; y grows upwards in data, downwards in pixels).
    func py(_ y: Double) -> Double {
        bottom - (y - yDomain.lowerBound) / (yDomain.upperBound - yDomain.lowerBound) * (bottom - top)
    }

    /// A data point in pixels, clamped far outside the canvas so huge values stay
    /// representable (clipping hides the rest).
    func point(_ x: Double, _ y: Double) -> (Double, Double) {
        let limit = 10 * max(width, height)
        return (min(max(px(x), -limit), limit), min(max(py(y), -limit), limit))
    }

    /// Runs of consecutive indices where x, y (and the band, if `withBand`) are finite.
    static func finiteRuns(_ s: Series, withBand: Bool) -> [[Int]] {
        var runs = [[Int]](), current = [Int]()
        for i in s.y.indices {
            var ok = s.x[i].isFinite && s.y[i].isFinite
            if withBand { ok = ok && (s.band?[i].isFinite ?? false) }
            if ok { current.append(i) } else if !current.isEmpty { runs.append(current); current = [] }
        }
        if !current.isEmpty { runs.append(current) }
        return runs
    }

    /// Legend box: origin, size and row height, or nil when there is nothing to show.
    struct Legend {
        let x: Double, y: Double, width: Double, height: Double, rowHeight: Double
        let entries: [Int]  // series indices
        var outside = false
        static let swatch = 24.0
        static let padding = 8.0
    }

    func legend(for chart: LineChart) -> Legend? {
        let entries = chart.series.indices.filter { !chart.series[$0].name.isEmpty }
        guard chart.legend != .none, !entries.isEmpty else { return nil }
        let rowHeight = Self.legendSize * 1.5
        let widest = entries.map { SVGText.width(chart.series[$0].name, Self.legendSize) }.max() ?? 0
        let w = Legend.padding * 2 + Legend.swatch + 6 + widest
        let h = Legend.padding * 2 + rowHeight * Double(entries.count) - (rowHeight - Self.legendSize) + 2
        let inset = 10.0
        func origin(_ position: LegendPosition) -> (Double, Double) {
            switch position {
            case .topLeft: return (left + inset, top + inset)
            case .bottomLeft: return (left + inset, bottom - inset - h)
            case .bottomRight: return (right - inset - w, bottom - inset - h)
            default: return (right - inset - w, top + inset)
            }
        }
        var position = chart.legend
        if position == .automatic {
            let samples = dataSamples(chart)
            var best = (LegendPosition.topRight, Int.max)
            for candidate in [LegendPosition.topRight, .topLeft, .bottomRight, .bottomLeft] {
                let (x, y) = origin(candidate)
                let covered = samples.reduce(0) { n, p in
                    n + (p.0 >= x - 4 && p.0 <= x + w + 4 && p.1 >= y - 4 && p.1 <= y + h + 4 ? 1 : 0)
                }
                if covered < best.1 { best = (candidate, covered) }
            }
            position = best.0
            if best.1 > 0 && w < 0.4 * width { position = .outsideRight }
        }
        if position == .outsideRight {
            return Legend(x: width - w - 8, y: top, width: w, height: h, rowHeight: rowHeight,
                          entries: entries, outside: true)
        }
        let (x, y) = origin(position)
        return Legend(x: x, y: y, width: w, height: h, rowHeight: rowHeight, entries: entries)
    }

    /// Pixel points along every line and band edge (segments subdivided), used to
    /// find a free corner for the legend.
    func dataSamples(_ chart: LineChart) -> [(Double, Double)] {
        var out = [(Double, Double)]()
        func addRun(_ pts: [(Double, Double)]) {
            guard var previous = pts.first else { return }
            out.append(previous)
            for p in pts.dropFirst() {
                let steps = max(1, min(50, Int(max(abs(p.0 - previous.0), abs(p.1 - previous.1)) / 4)))
                for k in 1...steps {
                    let t = Double(k) / Double(steps)
                    out.append((previous.0 + t * (p.0 - previous.0), previous.1 + t * (p.1 - previous.1)))
                }
                previous = p
            }
        }
        for s in chart.series {
            for run in Self.finiteRuns(s, withBand: false) { addRun(run.map { point(s.x[$0], s.y[$0]) }) }
            guard let band = s.band else { continue }
            for run in Self.finiteRuns(s, withBand: true) {
                addRun(run.map { point(s.x[$0], s.y[$0] + abs(band[$0])) })
                addRun(run.map { point(s.x[$0], s.y[$0] - abs(band[$0])) })
            }
        }
        return out
    }
}
