import Descent
import Foundation

/// Scatter plots of labelled 2-D points, side by side, with one legend of class names:
/// the code maps of 2-unit autoencoders next to PCA's first two components (Hinton &
/// Salakhutdinov 2006, Fig. 3).
///
/// ```swift
/// let plot = ScatterPlot(panels: [.init(title: "autoencoder", x: xs, y: ys, classes: labels)],
///                        classNames: ["T-shirt/top", "Trouser", …])
/// try plot.document().write(to: "runs/…/code-map")     // code-map.svg and code-map.png
/// ```
/// Each panel has its own axes (nice ticks around its points' range). Points are drawn in
/// the order given, so classes interleave instead of the last one covering the others;
/// each is a small translucent disc coloured by class (`ScatterPlot.palette`). Text is
/// XML-escaped; non-finite points are left out.
public struct ScatterPlot: Sendable {
    public struct Panel: Sendable {
        public var title: String
        public var xLabel: String
        public var yLabel: String
        public var x: [Double]
        public var y: [Double]
        /// Class index of each point (into `classNames`).
        public var classes: [Int]

        public init(title: String, xLabel: String = "", yLabel: String = "", x: [Double], y: [Double], classes: [Int]) {
            precondition(x.count == y.count && y.count == classes.count, "ScatterPlot.Panel \(title): \(x.count) x, \(y.count) y, \(classes.count) classes")
            self.title = title; self.xLabel = xLabel; self.yLabel = yLabel
            self.x = x; self.y = y; self.classes = classes
        }
    }

    public var panels: [Panel]
    public var classNames: [String]
    public var title: String
    /// Radius of a point's disc, in pixels.
    public var pointRadius = 1.6
    public var pointOpacity = 0.55

    public init(panels: [Panel], classNames: [String], title: String = "") {
        precondition(!panels.isEmpty, "ScatterPlot: no panel")
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

    /// The plot as a standalone SVG document of `panelSize` × `panelSize` panels plus the
    /// legend (rasterised to PNG at its own size by `SVGDocument.write`).
    public func document(panelSize: Int = 420) -> SVGDocument {
        let titleSize = 15.0, labelSize = 12.0, tickSize = 11.0, legendSize = 12.0, tick = 4.0
        let margin = (left: 58.0, right: 16.0, top: title.isEmpty ? 34.0 : 58.0, bottom: 46.0)
        let side = Double(panelSize)
        let legendWidth = 24 + (classNames.map { SVGText.width($0, legendSize) }.max() ?? 0) + 16
        let panelWidth = margin.left + side + margin.right
        let width = Int((Double(panels.count) * panelWidth + legendWidth).rounded(.up))
        let height = Int((margin.top + side + margin.bottom).rounded(.up))
        var out = ""
        func add(_ line: String) { out += line; out += "\n" }

        add(##"<?xml version="1.0" encoding="UTF-8"?>"##)
        add(##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(width)" height="\##(height)" viewBox="0 0 \##(width) \##(height)" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">"##)
        if !title.isEmpty { add("<title>\(SVGText.escape(title))</title>") }
        let classCount = max(classNames.count, (panels.flatMap(\.classes).max() ?? -1) + 1)
        add("<style>" + (0..<classCount).map { ".c\($0){fill:\(ScatterPlot.color(ofClass: $0).hexString)}" }.joined() + "</style>")
        add(##"<rect x="0" y="0" width="\##(width)" height="\##(height)" fill="#ffffff"/>"##)
        if !title.isEmpty {
            add(##"<text x="\##(f(Double(panels.count) * panelWidth / 2))" y="\##(f(12 + titleSize))" font-size="\##(f(titleSize))" font-weight="bold" text-anchor="middle" fill="#111111">\##(SVGText.escape(title))</text>"##)
        }
        for (p, panel) in panels.enumerated() {
            let left = Double(p) * panelWidth + margin.left, top = margin.top
            let (right, bottom) = (left + side, top + side)
            let finite = panel.x.indices.filter { panel.x[$0].isFinite && panel.y[$0].isFinite }
            let (xTicks, xRange, xStep) = ScatterPlot.axis(finite.map { panel.x[$0] })
            let (yTicks, yRange, yStep) = ScatterPlot.axis(finite.map { panel.y[$0] })
            func px(_ v: Double) -> Double { left + (v - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * side }
            func py(_ v: Double) -> Double { bottom - (v - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * side }
            let clipID = "descent-scatter-\(p)-\(SVGText.stableHash(panel.title))"
            add(##"<defs><clipPath id="\##(clipID)"><rect x="\##(f(left))" y="\##(f(top))" width="\##(f(side))" height="\##(f(side))"/></clipPath></defs>"##)
            add(##"<g stroke="#e3e3e3" stroke-width="1">"##)
            for t in xTicks { add(##"<line x1="\##(f(px(t)))" y1="\##(f(top))" x2="\##(f(px(t)))" y2="\##(f(bottom))"/>"##) }
            for t in yTicks { add(##"<line x1="\##(f(left))" y1="\##(f(py(t)))" x2="\##(f(right))" y2="\##(f(py(t)))"/>"##) }
            add("</g>")
            add(##"<g stroke="#333333" stroke-width="1">"##)
            for t in xTicks { add(##"<line x1="\##(f(px(t)))" y1="\##(f(bottom))" x2="\##(f(px(t)))" y2="\##(f(bottom + tick))"/>"##) }
            for t in yTicks { add(##"<line x1="\##(f(left - tick))" y1="\##(f(py(t)))" x2="\##(f(left))" y2="\##(f(py(t)))"/>"##) }
            add("</g>")
            add(##"<g font-size="\##(f(tickSize))" fill="#333333">"##)
            for t in xTicks {
                add(##"<text x="\##(f(px(t)))" y="\##(f(bottom + tick + 4 + tickSize))" text-anchor="middle">\##(SVGText.escape(NiceTicks.label(t, step: xStep)))</text>"##)
            }
            for t in yTicks {
                add(##"<text x="\##(f(left - tick - 4))" y="\##(f(py(t) + tickSize * 0.35))" text-anchor="end">\##(SVGText.escape(NiceTicks.label(t, step: yStep)))</text>"##)
            }
            add("</g>")
            add(##"<g clip-path="url(#\##(clipID))" fill-opacity="\##(f(pointOpacity))">"##)
            for i in finite {
                add(##"<circle class="c\##(panel.classes[i])" cx="\##(f(px(panel.x[i])))" cy="\##(f(py(panel.y[i])))" r="\##(f(pointRadius))"/>"##)
            }
            add("</g>")
            add(##"<rect x="\##(f(left))" y="\##(f(top))" width="\##(f(side))" height="\##(f(side))" fill="none" stroke="#333333" stroke-width="1"/>"##)
            add(##"<text x="\##(f(left + side / 2))" y="\##(f(top - 10))" font-size="\##(f(labelSize + 1))" font-weight="bold" text-anchor="middle" fill="#111111">\##(SVGText.escape(panel.title))</text>"##)
            if !panel.xLabel.isEmpty {
                add(##"<text x="\##(f(left + side / 2))" y="\##(f(Double(height) - 8))" font-size="\##(f(labelSize))" text-anchor="middle" fill="#111111">\##(SVGText.escape(panel.xLabel))</text>"##)
            }
            if !panel.yLabel.isEmpty {
                let (cx, cy) = (left - 44, top + side / 2)
                add(##"<text x="\##(f(cx))" y="\##(f(cy))" font-size="\##(f(labelSize))" text-anchor="middle" fill="#111111" transform="rotate(-90 \##(f(cx)) \##(f(cy)))">\##(SVGText.escape(panel.yLabel))</text>"##)
            }
        }
        // Legend: one disc and name per class, right of the panels.
        let x0 = Double(panels.count) * panelWidth + 4, rowHeight = legendSize + 8
        add(##"<g font-size="\##(f(legendSize))">"##)
        for (k, name) in classNames.enumerated() {
            let cy = margin.top + 8 + Double(k) * rowHeight
            add(##"<circle class="c\##(k)" cx="\##(f(x0 + 6))" cy="\##(f(cy))" r="5"/>"##)
            add(##"<text x="\##(f(x0 + 18))" y="\##(f(cy + legendSize * 0.35))" fill="#111111">\##(SVGText.escape(name))</text>"##)
        }
        add("</g>")
        add("</svg>")
        return SVGDocument(text: out, width: width, height: height)
    }

    /// Nice ticks covering `values` (a unit range around 0 when there are none or all are equal).
    static func axis(_ values: [Double]) -> (ticks: [Double], range: ClosedRange<Double>, step: Double) {
        var lo = values.min() ?? -1, hi = values.max() ?? 1
        if !(hi > lo) { lo -= 1; hi += 1 }
        let step = NiceTicks.step(span: hi - lo, targetCount: 6)
        let range = (lo / step).rounded(.down) * step...(hi / step).rounded(.up) * step
        return (NiceTicks.ticks(in: range, step: step), range, step)
    }
}
