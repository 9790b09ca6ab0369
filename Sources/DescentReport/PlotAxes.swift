/// The axes of one plot, as line charts and scatter panels draw them: the plot rectangle
/// `left…right × top…bottom` (pixels, y down), light gridlines and tick marks at the
/// ticks, tick labels outside, and a frame.
///
/// ```swift
/// let axes = PlotAxes(left: 60, right: 380, top: 30, bottom: 260,
///                     xTicks: [(60, "0"), (220, "5"), (380, "10")], yTicks: [(260, "0"), (30, "1")])
/// axes.drawTicks(into: &svg)     // below the data
/// axes.drawFrame(into: &svg)     // above it
/// ```
struct PlotAxes {
    var left: Double, right: Double, top: Double, bottom: Double
    /// Tick positions in pixels, with their labels.
    var xTicks: [(Double, String)], yTicks: [(Double, String)]
    var tickSize = 12.0
    static let tickLength = 5.0

    /// The baseline of the x tick labels.
    var xTickLabelY: Double { bottom + Self.tickLength + 4 + tickSize }

    /// A `clipPath` of the plot rectangle, named `id`, for the data to be drawn in.
    func clip(_ id: String, into svg: inout SVGDocument) {
        svg.add("<defs><clipPath id=\"\(id)\">" + SVGDocument.markup("rect", frame) + "</clipPath></defs>")
    }

    /// Gridlines, tick marks and tick labels, drawn before the data.
    func drawTicks(into svg: inout SVGDocument) {
        let t = Self.tickLength
        svg.group(["stroke": "#e3e3e3", "stroke-width": 1]) { g in
            for (x, _) in xTicks { g.element("line", ["x1": x, "y1": top, "x2": x, "y2": bottom]) }
            for (y, _) in yTicks { g.element("line", ["x1": left, "y1": y, "x2": right, "y2": y]) }
        }
        svg.group(["stroke": "#333333", "stroke-width": 1]) { g in
            for (x, _) in xTicks { g.element("line", ["x1": x, "y1": bottom, "x2": x, "y2": bottom + t]) }
            for (y, _) in yTicks { g.element("line", ["x1": left - t, "y1": y, "x2": left, "y2": y]) }
        }
        svg.group(["font-size": tickSize, "fill": "#333333"]) { g in
            for (x, label) in xTicks { g.element("text", ["x": x, "y": xTickLabelY, "text-anchor": "middle"], content: label) }
            for (y, label) in yTicks {
                g.element("text", ["x": left - t - 4, "y": y + tickSize * 0.35, "text-anchor": "end"], content: label)
            }
        }
    }

    /// The frame around the plot rectangle, drawn after the data.
    func drawFrame(into svg: inout SVGDocument) {
        svg.add(SVGDocument.markup("rect", frame + [("fill", "none"), ("stroke", "#333333"), ("stroke-width", 1)]))
    }

    private var frame: [(String, any SVGValue)] {
        [("x", left), ("y", top), ("width", right - left), ("height", bottom - top)]
    }
}
