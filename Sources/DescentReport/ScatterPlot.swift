import Descent
import Foundation

/// Scatter plots of labelled 2-D points, side by side, with one legend of class names:
/// the code maps of 2-unit autoencoders next to PCA's first two components (Hinton &
/// Salakhutdinov 2006, Fig. 3).
///
/// ```swift
/// let plot = try ScatterPlot(panels: [.init(title: "autoencoder", x: xs, y: ys, classes: labels)],
///                            classNames: ["T-shirt/top", "Trouser", …])
/// try plot.document().write(to: "runs/…/code-map")     // code-map.svg and code-map.png
/// ```
/// Each panel has its own axes (nice ticks around its points' range). Points are drawn in
/// the order given, so classes interleave instead of the last one covering the others;
/// each is a small translucent disc coloured by class (`ScatterPlot.palette`). Text is
/// XML-escaped; non-finite points are left out.
public struct ScatterPlot: Sendable {
    /// One scatter panel: its title and axis labels, and one point (x[i], y[i]) of class
    /// `classes[i]` per example; the points stay fixed once made.
    public struct Panel: Sendable {
        public var title: String
        public var xLabel: String
        public var yLabel: String
        public let x: [Double]
        public let y: [Double]
        /// Class index of each point (into `classNames`).
        public let classes: [Int]

        /// Throws unless `x`, `y` and `classes` have as many values.
        public init(title: String, xLabel: String = "", yLabel: String = "", x: [Double], y: [Double], classes: [Int]) throws {
            guard x.count == y.count, y.count == classes.count else {
                throw DescentError("scatter panel \(title): \(x.count) x values, \(y.count) y values and \(classes.count) classes")
            }
            self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
            self.x = x; self.y = y; self.classes = classes
        }
    }

    public let panels: [Panel]
    public var classNames: [String]
    public var title: String
    /// Radius of a point's disc, in pixels.
    public var pointRadius = 1.6
    public var pointOpacity = 0.55

    /// Throws when there is no panel.
    public init(panels: [Panel], classNames: [String], title: String = "") throws {
        guard !panels.isEmpty else { throw DescentError("scatter plot: no panel") }
        self.panels = panels
        self.classNames = classNames
        self.title = title
    }

    /// Ten colours that stay apart on white (the "category10" palette), then repeated.
    public static let palette: [ChartColor] = [
        0x1F77B4, 0xFF7F0E, 0x2CA02C, 0xD62728, 0x9467BD, 0x8C564B, 0xE377C2, 0x7F7F7F, 0xBCBD22, 0x17BECF,
    ].map { ChartColor(hex: $0) }

    /// The colour of class `k`.
    public static func color(ofClass k: Int) -> ChartColor { palette[((k % palette.count) + palette.count) % palette.count] }

    /// Indices of at most `perClass` points of each class, the first ones in order (e.g. the
    /// first 500 test images of each class, as Hinton & Salakhutdinov's Fig. 3).
    public static func firstOfEachClass(_ classes: [Int], perClass: Int) -> [Int] {
        var seen: [Int: Int] = [:]
        return classes.indices.filter { i in
            let n = seen[classes[i], default: 0]
            seen[classes[i]] = n + 1
            return n < perClass
        }
    }

    /// The plot as an SVG picture of `panelSize` × `panelSize` panels plus the legend.
    public func document(panelSize: Int = 420) -> SVGDocument {
        let titleSize = 15.0, labelSize = 12.0, legendSize = 12.0
        let margin = (left: 58.0, right: 16.0, top: title.isEmpty ? 34.0 : 58.0, bottom: 46.0)
        let side = Double(panelSize)
        let legendWidth = 24 + (classNames.map { SVGText.width($0, legendSize) }.max() ?? 0) + 16
        let panelWidth = margin.left + side + margin.right
        let width = Int((Double(panels.count) * panelWidth + legendWidth).rounded(.up))
        let height = Int((margin.top + side + margin.bottom).rounded(.up))
        var svg = SVGDocument(width: width, height: height, title: title)
        let classCount = max(classNames.count, (panels.flatMap(\.classes).max() ?? -1) + 1)
        svg.add("<style>" + (0..<classCount).map { ".c\($0){fill:\(ScatterPlot.color(ofClass: $0).hexString)}" }.joined() + "</style>")
        if !title.isEmpty {
            svg.text(title, x: Double(panels.count) * panelWidth / 2, y: 12 + titleSize, size: titleSize, anchor: "middle", bold: true)
        }
        for (p, panel) in panels.enumerated() {
            let left = Double(p) * panelWidth + margin.left, top = margin.top, bottom = top + side
            let finite = panel.x.indices.filter { panel.x[$0].isFinite && panel.y[$0].isFinite }
            let (xTicks, xRange, xStep) = ScatterPlot.axis(finite.map { panel.x[$0] })
            let (yTicks, yRange, yStep) = ScatterPlot.axis(finite.map { panel.y[$0] })
            func px(_ v: Double) -> Double { left + (v - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * side }
            func py(_ v: Double) -> Double { bottom - (v - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * side }
            let axes = PlotAxes(left: left, right: left + side, top: top, bottom: bottom,
                                xTicks: xTicks.map { (px($0), NiceTicks.label($0, step: xStep)) },
                                yTicks: yTicks.map { (py($0), NiceTicks.label($0, step: yStep)) }, tickSize: 11)
            let clipID = "descent-scatter-\(p)-\(SVGText.stableHash(panel.title))"
            axes.clip(clipID, into: &svg)
            axes.drawTicks(into: &svg)
            svg.group(["clip-path": "url(#\(clipID))", "fill-opacity": pointOpacity]) { g in
                for i in finite {
                    g.element("circle", ["class": "c\(panel.classes[i])", "cx": px(panel.x[i]), "cy": py(panel.y[i]), "r": pointRadius])
                }
            }
            axes.drawFrame(into: &svg)
            svg.text(panel.title, x: left + side / 2, y: top - 10, size: labelSize + 1, anchor: "middle", bold: true)
            if !panel.xLabel.isEmpty {
                svg.text(panel.xLabel, x: left + side / 2, y: Double(height) - 8, size: labelSize, anchor: "middle")
            }
            if !panel.yLabel.isEmpty {
                svg.text(panel.yLabel, x: left - 44, y: top + side / 2, size: labelSize, anchor: "middle", rotated: true)
            }
        }
        // Legend: one disc and name per class, right of the panels.
        let x0 = Double(panels.count) * panelWidth + 4, rowHeight = legendSize + 8
        for (k, name) in classNames.enumerated() {
            let cy = margin.top + 8 + Double(k) * rowHeight
            svg.element("circle", ["class": "c\(k)", "cx": x0 + 6, "cy": cy, "r": 5])
            svg.text(name, x: x0 + 18, y: cy + legendSize * 0.35, size: legendSize)
        }
        return svg
    }

    /// Nice ticks covering `values` (a unit range around 0 when there are none or all are equal).
    static func axis(_ values: [Double]) -> (ticks: [Double], range: ClosedRange<Double>, step: Double) {
        var lo = values.min() ?? -1, hi = values.max() ?? 1
        if !(hi > lo) { lo -= 1; hi += 1 }
        let (range, step) = NiceTicks.roundedOut(lo...hi, targetCount: 6)
        return (NiceTicks.ticks(in: range, step: step), range, step)
    }
}
