extension LineChart {
    /// The chart drawn by our own rasteriser into an RGB image of `width` × `height`
    /// pixels (3× supersampled for anti-aliasing), with the same layout as `svg`.
    /// Text uses the built-in 5 × 7 bitmap font. Save it with `PNG.write`.
    public func raster(width: Int = 800, height: Int = 500) -> PixelImage {
        var canvas = RasterCanvas(width: max(width, 1), height: max(height, 1))
        let measure: (String, Double) -> Double = { [canvas] text, size in canvas.textWidth(text, size: size) }
        let (layout, legendBox) = ChartLayout.make(chart: self, width: Double(width), height: Double(height),
                                                   textWidth: measure)
        let grid = ChartColor(hex: 0xe3e3e3), ink = ChartColor(hex: 0x333333), dark = ChartColor(hex: 0x111111)
        let plot = (x0: layout.left, y0: layout.top, x1: layout.right, y1: layout.bottom)

        // Gridlines.
        canvas.setClip(plot)
        for t in layout.xTicks { let x = layout.px(t); canvas.line(x, layout.top, x, layout.bottom, width: 1, grid) }
        for t in layout.yTicks { let y = layout.py(t); canvas.line(layout.left, y, layout.right, y, width: 1, grid) }

        // Bands, lines, markers (clipped to the plot area).
        for (k, s) in series.enumerated() where s.band != nil {
            for run in ChartLayout.finiteRuns(s, withBand: true) where run.count >= 2 {
                let upper = run.map { layout.point(s.x[$0], s.y[$0] + abs(s.band![$0])) }
                let lower = run.reversed().map { layout.point(s.x[$0], s.y[$0] - abs(s.band![$0])) }
                canvas.fillPolygon(upper + lower, color(ofSeries: k), alpha: bandOpacity)
            }
        }
        for (k, s) in series.enumerated() {
            for run in ChartLayout.finiteRuns(s, withBand: false) {
                canvas.polyline(run.map { layout.point(s.x[$0], s.y[$0]) }, width: lineWidth, color(ofSeries: k))
            }
            if s.showsMarkers {
                for i in s.y.indices where s.x[i].isFinite && s.y[i].isFinite {
                    let p = layout.point(s.x[i], s.y[i])
                    canvas.disc(p.0, p.1, radius: lineWidth + 1.5, color(ofSeries: k))
                }
            }
        }
        canvas.setClip(nil)

        // Frame and ticks.
        canvas.line(layout.left, layout.top, layout.right, layout.top, width: 1, ink)
        canvas.line(layout.left, layout.bottom, layout.right, layout.bottom, width: 1, ink)
        canvas.line(layout.left, layout.top, layout.left, layout.bottom, width: 1, ink)
        canvas.line(layout.right, layout.top, layout.right, layout.bottom, width: 1, ink)
        let xLabelY = layout.bottom + ChartLayout.tickLength + 5 + ChartLayout.tickSize * 0.75
        for (t, label) in zip(layout.xTicks, layout.xTickLabels) {
            let x = layout.px(t)
            canvas.line(x, layout.bottom, x, layout.bottom + ChartLayout.tickLength, width: 1, ink)
            canvas.text(label, x: x, y: xLabelY, size: ChartLayout.tickSize, ink, anchor: .middle)
        }
        for (t, label) in zip(layout.yTicks, layout.yTickLabels) {
            let y = layout.py(t)
            canvas.line(layout.left - ChartLayout.tickLength, y, layout.left, y, width: 1, ink)
            canvas.text(label, x: layout.left - ChartLayout.tickLength - 5, y: y + ChartLayout.tickSize * 0.35,
                        size: ChartLayout.tickSize, ink, anchor: .end)
        }

        // Title and axis labels.
        if !title.isEmpty {
            canvas.text(title, x: Double(width) / 2, y: 10 + ChartLayout.titleSize * 0.9, size: ChartLayout.titleSize,
                        dark, anchor: .middle, bold: true)
        }
        if !xLabel.isEmpty {
            canvas.text(xLabel, x: (layout.left + layout.right) / 2, y: Double(height) - 12,
                        size: ChartLayout.labelSize, dark, anchor: .middle)
        }
        if !yLabel.isEmpty {
            canvas.text(yLabel, x: 10 + ChartLayout.labelSize * 0.8, y: (layout.top + layout.bottom) / 2,
                        size: ChartLayout.labelSize, dark, anchor: .middle, rotated: true)
        }

        // Legend.
        if let legend = legendBox {
            canvas.fillRect(legend.x, legend.y, legend.x + legend.width, legend.y + legend.height,
                            ChartColor(hex: 0xffffff), alpha: 0.85)
            let edge = ChartColor(hex: 0xbbbbbb)
            let (x0, y0, x1, y1) = (legend.x, legend.y, legend.x + legend.width, legend.y + legend.height)
            canvas.line(x0, y0, x1, y0, width: 1, edge); canvas.line(x0, y1, x1, y1, width: 1, edge)
            canvas.line(x0, y0, x0, y1, width: 1, edge); canvas.line(x1, y0, x1, y1, width: 1, edge)
            for (row, k) in legend.entries.enumerated() {
                let s = series[k]
                let c = color(ofSeries: k)
                let cy = legend.y + ChartLayout.Legend.padding + 1 + Double(row) * legend.rowHeight + ChartLayout.legendSize / 2
                let sx = legend.x + ChartLayout.Legend.padding
                if s.band != nil {
                    canvas.fillRect(sx, cy - 5, sx + ChartLayout.Legend.swatch, cy + 5, c, alpha: bandOpacity)
                }
                canvas.line(sx, cy, sx + ChartLayout.Legend.swatch, cy, width: lineWidth, c)
                if s.showsMarkers { canvas.disc(sx + ChartLayout.Legend.swatch / 2, cy, radius: lineWidth + 1.5, c) }
                canvas.text(s.name, x: sx + ChartLayout.Legend.swatch + 6, y: cy + ChartLayout.legendSize * 0.35,
                            size: ChartLayout.legendSize, dark)
            }
        }
        return canvas.image()
    }

    /// Rasterises the chart and writes it atomically as a PNG.
    public func writePNG(to path: String, width: Int = 800, height: Int = 500) throws {
        try PNG.write(raster(width: width, height: height), to: path)
    }
}
