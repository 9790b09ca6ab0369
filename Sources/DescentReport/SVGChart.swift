import Descent

extension LineChart {
    /// The chart as an SVG picture of `width` × `height` pixels. Mean lines are one
    /// `<path>` per series (NaN points start a new subpath); bands are translucent
    /// `<polygon>`s; markers are `<circle>`s (rings) or crosses. Bands, lines and markers
    /// are clipped to the plot; text is escaped; no non-finite number is ever written.
    public func document(width: Int = 800, height: Int = 500) -> SVGDocument {
        let (layout, legendBox) = ChartLayout.make(chart: self, width: Double(width), height: Double(height))
        let axes = layout.axes
        var svg = SVGDocument(width: width, height: height, title: title)
        // Stable across runs, and the same for two charts of one page only if their plot rectangles are.
        let plot = [layout.left, layout.top, layout.right, layout.bottom].map(f).joined(separator: ",")
        let clipID = "descent-plot-\(SVGText.stableHash(([title, yLabel, plot] + series.map(\.name)).joined(separator: "|")))"
        axes.clip(clipID, into: &svg)
        axes.drawTicks(into: &svg)

        svg.group(["clip-path": "url(#\(clipID))"]) { g in
            for (k, s) in series.enumerated() where s.band != nil {
                for run in ChartLayout.finiteRuns(s, withBand: true) where run.count >= 2 {
                    let upper = run.map { layout.point(s.x[$0], s.y[$0] + abs(s.band![$0])) }
                    let lower = run.reversed().map { layout.point(s.x[$0], s.y[$0] - abs(s.band![$0])) }
                    let points = (upper + lower).map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ")
                    g.element("polygon", ["points": points, "fill": color(ofSeries: k).hexString,
                                          "fill-opacity": bandOpacity, "stroke": "none"])
                }
            }
            for (k, s) in series.enumerated() {
                let color = color(ofSeries: k).hexString
                if s.showsLine {
                    let d = ChartLayout.finiteRuns(s, withBand: false).map { run in
                        run.enumerated().map { j, i in
                            let p = layout.point(s.x[i], s.y[i])
                            return (j == 0 ? "M" : "L") + "\(f(p.0)) \(f(p.1))"
                        }.joined(separator: " ")
                    }.joined(separator: " ")
                    var path: [(String, any SVGValue)] = [("d", d.isEmpty ? "M0 0" : d), ("fill", "none"), ("stroke", color),
                                                          ("stroke-width", lineWidth), ("stroke-linejoin", "round"), ("stroke-linecap", "round")]
                    if let dash = dashArray(ofSeries: k) { path.append(("stroke-dasharray", dash)) }
                    if d.isEmpty { path.append(("visibility", "hidden")) }  // no finite point: an empty path all the same
                    g.add(SVGDocument.opening("path", path) + "><title>\(SVGText.escape(s.name))</title></path>")
                }
                if s.showsMarkers {
                    for i in s.y.indices where s.x[i].isFinite && s.y[i].isFinite {
                        let p = layout.point(s.x[i], s.y[i])
                        marker(s.marker, p.0, p.1, color: color, into: &g)
                    }
                }
            }
        }
        axes.drawFrame(into: &svg)

        if !title.isEmpty {
            svg.text(title, x: Double(width) / 2, y: 10 + ChartLayout.titleSize, size: ChartLayout.titleSize, anchor: "middle", bold: true)
        }
        if !xLabel.isEmpty {
            svg.text(xLabel, x: (layout.left + layout.right) / 2, y: Double(height) - 10, size: ChartLayout.labelSize, anchor: "middle")
        }
        if !yLabel.isEmpty {
            svg.text(yLabel, x: 10 + ChartLayout.labelSize, y: (layout.top + layout.bottom) / 2, size: ChartLayout.labelSize,
                     anchor: "middle", rotated: true)
        }
        if let legend = legendBox {
            svg.group(["font-size": ChartLayout.legendSize]) { g in
                g.element("rect", ["x": legend.x, "y": legend.y, "width": legend.width, "height": legend.height, "fill": "#ffffff",
                                   "fill-opacity": 0.85, "stroke": "#bbbbbb", "stroke-width": 1, "rx": 3])
                for (row, k) in legend.entries.enumerated() {
                    let s = series[k], color = color(ofSeries: k).hexString, swatch = ChartLayout.Legend.swatch
                    let cy = legend.y + ChartLayout.Legend.padding + 1 + Double(row) * legend.rowHeight + ChartLayout.legendSize / 2
                    let x0 = legend.x + ChartLayout.Legend.padding
                    if s.band != nil {
                        g.element("rect", ["x": x0, "y": cy - 5, "width": swatch, "height": 10, "fill": color, "fill-opacity": bandOpacity])
                    }
                    if s.showsLine {
                        var line: [(String, any SVGValue)] = [("x1", x0), ("y1", cy), ("x2", x0 + swatch), ("y2", cy), ("stroke", color),
                                                              ("stroke-width", lineWidth)]
                        if let dash = dashArray(ofSeries: k) { line.append(("stroke-dasharray", dash)) }
                        g.add(SVGDocument.opening("line", line) + "/>")
                    }
                    if s.showsMarkers { marker(s.marker, x0 + swatch / 2, cy, color: color, into: &g) }
                    g.text(s.name, x: x0 + swatch + 6, y: cy + ChartLayout.legendSize * 0.35, size: ChartLayout.legendSize)
                }
            }
        }
        return svg
    }

    /// `dashPattern(ofSeries:)` in pixels (its units are line widths).
    private func dashArray(ofSeries k: Int) -> String? {
        dashPattern(ofSeries: k).map { $0.split(separator: " ").map { f(Double($0)! * lineWidth) }.joined(separator: " ") }
    }

    /// One marker centred at (x, y): a disc of radius lineWidth + 1.5, a ring of twice
    /// that, or a cross of that half-size.
    private func marker(_ m: Series.Marker, _ x: Double, _ y: Double, color: String, into svg: inout SVGDocument) {
        let r = lineWidth + 1.5
        switch m {
        case .disc: svg.element("circle", ["cx": x, "cy": y, "r": r, "fill": color])
        case .ring: svg.element("circle", ["cx": x, "cy": y, "r": 2 * r, "fill": "none", "stroke": color, "stroke-width": 2])
        case .cross:
            let d = "M\(f(x - r)) \(f(y - r))L\(f(x + r)) \(f(y + r))M\(f(x - r)) \(f(y + r))L\(f(x + r)) \(f(y - r))"
            svg.element("path", ["d": d, "stroke": color, "stroke-width": 2, "fill": "none"])
        }
    }

    /// The SVG text of `document(width:height:)`.
    public func svg(width: Int = 800, height: Int = 500) -> String { document(width: width, height: height).text }

    /// The chart as PNG bytes: `document(width:height:)` rasterised by `SVGRasterizer`.
    public func png(width: Int = 800, height: Int = 500) throws -> [UInt8] { try document(width: width, height: height).png() }
}
