import Descent
import Foundation

extension LineChart {
    /// The chart as a standalone SVG document (`width` × `height` pixels, with a
    /// matching viewBox). Mean lines are one `<path>` per series (NaN points start a
    /// new subpath); bands are translucent `<polygon>`s; markers are `<circle>`s.
    /// Text is XML-escaped; no non-finite number is ever written.
    public func svg(width: Int = 800, height: Int = 500) -> String {
        let (layout, legendBox) = ChartLayout.make(chart: self, width: Double(width), height: Double(height))
        var out = ""
        func add(_ line: String) { out += line; out += "\n" }
        // Stable across runs, and the same for two charts of one page only if their plot rectangles are.
        let plot = [layout.left, layout.top, layout.right, layout.bottom].map(f).joined(separator: ",")
        let clipID = "descent-plot-\(SVGText.stableHash(([title, yLabel, plot] + series.map(\.name)).joined(separator: "|")))"

        add(##"<?xml version="1.0" encoding="UTF-8"?>"##)
        add(##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(width)" height="\##(height)" viewBox="0 0 \##(width) \##(height)" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">"##)
        if !title.isEmpty { add("<title>\(SVGText.escape(title))</title>") }
        add(##"<rect x="0" y="0" width="\##(width)" height="\##(height)" fill="#ffffff"/>"##)
        add(##"<defs><clipPath id="\##(clipID)"><rect x="\##(f(layout.left))" y="\##(f(layout.top))" width="\##(f(layout.right - layout.left))" height="\##(f(layout.bottom - layout.top))"/></clipPath></defs>"##)

        // Gridlines and ticks.
        add(##"<g stroke="#e3e3e3" stroke-width="1">"##)
        for t in layout.xTicks { let x = f(layout.px(t)); add(##"<line x1="\##(x)" y1="\##(f(layout.top))" x2="\##(x)" y2="\##(f(layout.bottom))"/>"##) }
        for t in layout.yTicks { let y = f(layout.py(t)); add(##"<line x1="\##(f(layout.left))" y1="\##(y)" x2="\##(f(layout.right))" y2="\##(y)"/>"##) }
        add("</g>")
        add(##"<g stroke="#333333" stroke-width="1">"##)
        for t in layout.xTicks { let x = f(layout.px(t)); add(##"<line x1="\##(x)" y1="\##(f(layout.bottom))" x2="\##(x)" y2="\##(f(layout.bottom + ChartLayout.tickLength))"/>"##) }
        for t in layout.yTicks { let y = f(layout.py(t)); add(##"<line x1="\##(f(layout.left - ChartLayout.tickLength))" y1="\##(y)" x2="\##(f(layout.left))" y2="\##(y)"/>"##) }
        add("</g>")

        // Tick labels.
        add(##"<g font-size="\##(f(ChartLayout.tickSize))" fill="#333333">"##)
        let xLabelY = layout.bottom + ChartLayout.tickLength + 4 + ChartLayout.tickSize
        for (t, label) in zip(layout.xTicks, layout.xTickLabels) {
            add(##"<text x="\##(f(layout.px(t)))" y="\##(f(xLabelY))" text-anchor="middle">\##(SVGText.escape(label))</text>"##)
        }
        for (t, label) in zip(layout.yTicks, layout.yTickLabels) {
            add(##"<text x="\##(f(layout.left - ChartLayout.tickLength - 4))" y="\##(f(layout.py(t) + ChartLayout.tickSize * 0.35))" text-anchor="end">\##(SVGText.escape(label))</text>"##)
        }
        add("</g>")

        // Bands, then lines, then markers — clipped to the plot area.
        add(##"<g clip-path="url(#\##(clipID))">"##)
        for (k, s) in series.enumerated() where s.band != nil {
            let color = color(ofSeries: k).hexString
            for run in ChartLayout.finiteRuns(s, withBand: true) where run.count >= 2 {
                let upper = run.map { layout.point(s.x[$0], s.y[$0] + abs(s.band![$0])) }
                let lower = run.reversed().map { layout.point(s.x[$0], s.y[$0] - abs(s.band![$0])) }
                let points = (upper + lower).map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
                add(##"<polygon points="\##(points)" fill="\##(color)" fill-opacity="\##(f(bandOpacity))" stroke="none"/>"##)
            }
        }
        for (k, s) in series.enumerated() {
            if !s.showsLine {
                if s.showsMarkers { add(markers(s, color: color(ofSeries: k).hexString, layout: layout)) }
                continue
            }
            var d = ""
            for run in ChartLayout.finiteRuns(s, withBand: false) {
                for (j, i) in run.enumerated() {
                    let p = layout.point(s.x[i], s.y[i])
                    d += (j == 0 ? "M" : "L") + "\(f(p.0)) \(f(p.1)) "
                }
            }
            if d.isEmpty { d = "M0 0" }  // a series without finite points still gets its (empty) path
            add(##"<path d="\##(d.trimmingCharacters(in: .whitespaces))" fill="none" stroke="\##(color(ofSeries: k).hexString)" stroke-width="\##(f(lineWidth))" stroke-linejoin="round" stroke-linecap="round"\##(d == "M0 0" ? ##" visibility="hidden""## : "")><title>\##(SVGText.escape(s.name))</title></path>"##)
            if s.showsMarkers { add(markers(s, color: color(ofSeries: k).hexString, layout: layout)) }
        }
        add("</g>")

        // Axes frame.
        add(##"<rect x="\##(f(layout.left))" y="\##(f(layout.top))" width="\##(f(layout.right - layout.left))" height="\##(f(layout.bottom - layout.top))" fill="none" stroke="#333333" stroke-width="1"/>"##)

        // Title and axis labels.
        if !title.isEmpty {
            add(##"<text x="\##(f(Double(width) / 2))" y="\##(f(10 + ChartLayout.titleSize))" font-size="\##(f(ChartLayout.titleSize))" font-weight="bold" text-anchor="middle" fill="#111111">\##(SVGText.escape(title))</text>"##)
        }
        if !xLabel.isEmpty {
            add(##"<text x="\##(f((layout.left + layout.right) / 2))" y="\##(f(Double(height) - 10))" font-size="\##(f(ChartLayout.labelSize))" text-anchor="middle" fill="#111111">\##(SVGText.escape(xLabel))</text>"##)
        }
        if !yLabel.isEmpty {
            let cx = 10 + ChartLayout.labelSize, cy = (layout.top + layout.bottom) / 2
            add(##"<text x="\##(f(cx))" y="\##(f(cy))" font-size="\##(f(ChartLayout.labelSize))" text-anchor="middle" fill="#111111" transform="rotate(-90 \##(f(cx)) \##(f(cy)))">\##(SVGText.escape(yLabel))</text>"##)
        }

        // Legend.
        if let legend = legendBox {
            add(##"<g font-size="\##(f(ChartLayout.legendSize))">"##)
            add(##"<rect x="\##(f(legend.x))" y="\##(f(legend.y))" width="\##(f(legend.width))" height="\##(f(legend.height))" fill="#ffffff" fill-opacity="0.85" stroke="#bbbbbb" stroke-width="1" rx="3"/>"##)
            for (row, k) in legend.entries.enumerated() {
                let s = series[k]
                let color = color(ofSeries: k).hexString
                let cy = legend.y + ChartLayout.Legend.padding + 1 + Double(row) * legend.rowHeight + ChartLayout.legendSize / 2
                let x0 = legend.x + ChartLayout.Legend.padding
                if s.band != nil {
                    add(##"<rect x="\##(f(x0))" y="\##(f(cy - 5))" width="\##(f(ChartLayout.Legend.swatch))" height="10" fill="\##(color)" fill-opacity="\##(f(bandOpacity))"/>"##)
                }
                if s.showsLine {
                    add(##"<line x1="\##(f(x0))" y1="\##(f(cy))" x2="\##(f(x0 + ChartLayout.Legend.swatch))" y2="\##(f(cy))" stroke="\##(color)" stroke-width="\##(f(lineWidth))"/>"##)
                }
                if s.showsMarkers { add(marker(s.marker, x0 + ChartLayout.Legend.swatch / 2, cy, color: color)) }
                add(##"<text x="\##(f(x0 + ChartLayout.Legend.swatch + 6))" y="\##(f(cy + ChartLayout.legendSize * 0.35))" fill="#111111">\##(SVGText.escape(s.name))</text>"##)
            }
            add("</g>")
        }
        add("</svg>")
        return out
    }

    /// The markers of `s` at its finite points, as one group (discs take the group's fill).
    private func markers(_ s: Series, color: String, layout: ChartLayout) -> String {
        var g = s.marker == .disc ? ##"<g fill="\##(color)">"## : "<g>"
        for i in s.y.indices where s.x[i].isFinite && s.y[i].isFinite {
            let p = layout.point(s.x[i], s.y[i])
            g += "\n" + (s.marker == .disc ? ##"<circle cx="\##(f(p.0))" cy="\##(f(p.1))" r="\##(f(lineWidth + 1.5))"/>"##
                                            : marker(s.marker, p.0, p.1, color: color))
        }
        return g + "\n</g>"
    }

    /// One marker centred at (x, y): a disc of radius lineWidth + 1.5, a ring of twice
    /// that, or a cross of that half-size.
    private func marker(_ m: Series.Marker, _ x: Double, _ y: Double, color: String) -> String {
        let r = lineWidth + 1.5
        switch m {
        case .disc:
            return ##"<circle cx="\##(f(x))" cy="\##(f(y))" r="\##(f(r))" fill="\##(color)"/>"##
        case .ring:
            return ##"<circle cx="\##(f(x))" cy="\##(f(y))" r="\##(f(2 * r))" fill="none" stroke="\##(color)" stroke-width="2"/>"##
        case .cross:
            return ##"<path d="M\##(f(x - r)) \##(f(y - r))L\##(f(x + r)) \##(f(y + r))M\##(f(x - r)) \##(f(y + r))L\##(f(x + r)) \##(f(y - r))" stroke="\##(color)" stroke-width="2" fill="none"/>"##
        }
    }

    /// Writes `svg(width:height:)` atomically to `path`.
    public func writeSVG(to path: String, width: Int = 800, height: Int = 500) throws {
        try writeAtomically(svg(width: width, height: height), to: path)
    }

    /// The chart as PNG bytes: `svg(width:height:)` rasterised by `SVGRasterizer`.
    public func png(width: Int = 800, height: Int = 500) throws -> [UInt8] {
        try SVGRasterizer.png(svg: svg(width: width, height: height), width: width, height: height)
    }

    /// Writes `png(width:height:)` atomically to `path`.
    public func writePNG(to path: String, width: Int = 800, height: Int = 500) throws {
        try writeAtomically(try png(width: width, height: height), to: path)
    }
}

/// A coordinate with two decimals (never non-finite: callers clamp, this guards); the
/// SVG pictures of this module share it.
func f(_ v: Double) -> String {
    guard v.isFinite else { return "0" }
    let s = String(format: "%.2f", v)
    var t = Substring(s)
    while t.hasSuffix("0") { t = t.dropLast() }
    if t.hasSuffix(".") { t = t.dropLast() }
    return t == "-0" ? "0" : String(t)
}

enum SVGText {
    /// Escapes `& < > " '` for XML text and attributes and drops characters XML 1.0 forbids.
    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if u.value < 0x20 && u != "\t" && u != "\n" && u != "\r" { continue }
                if u.value == 0xFFFE || u.value == 0xFFFF { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// The width of `s` at font size `size` in DejaVu Sans (the font the charts name
    /// first), estimated from classes of its advance widths in em (`i` 0.28, `t` 0.39,
    /// `a` 0.61, `D` 0.77, `m` 0.97), not measured, so the SVG is the same on every machine.
    static func width(_ s: String, _ size: Double) -> Double {
        s.reduce(0) { total, c in
            switch c {
            case "i", "j", "l", "'", "|": total + 0.28
            case " ", ".", ",", ":", ";", "!", "(", ")", "[", "]", "f", "t", "r", "I": total + 0.37
            case "m", "w", "M", "W", "%", "—": total + 0.92
            case _ where c.isUppercase: total + 0.72
            default: total + 0.63
            }
        } * size
    }

    /// FNV-1a, so ids are stable across runs (Swift's `hashValue` is seeded per process).
    static func stableHash(_ s: String) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }
        return String(h & 0xffffffff, radix: 16)
    }
}
