import Descent
import Foundation

/// Every optimizer's path on one `TestFunction`, one panel per rule: the function as a
/// shaded map of log₁₀(f − f* + 10⁻²) (light: low, dark: high) with contour-like bands, the
/// path as a line from the start (black dot) with a dot at each of the first 20 steps and
/// every tenth after, the global minima as black crosses on white, and in each title the rule, its
/// learning rate and how far above the minimum it ended.
public enum OptimizerPathsFigure {
    /// One panel: a rule's path and how it was made.
    public struct Panel: Sendable {
        public var title: String
        public var path: OptimizerPath
        public init(title: String, path: OptimizerPath) {
            self.title = title
            self.path = path
        }
    }

    static let cells = 60, side = 240.0, margin = 8.0, titleHeight = 34.0
    /// Light to dark (low to high loss), a blue-grey ramp that keeps the coloured paths legible.
    static let ramp: [(Double, Double, Double)] = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]
    /// Path colours (Okabe–Ito), one per panel in turn.
    static let colours = ["#e69f00", "#d55e00", "#cc79a7", "#f0e442", "#00c08b", "#ffffff", "#ff4d4d"]

    public static func draw(_ function: TestFunction, panels: [Panel], steps: Int, noise: String) -> SVGDocument {
        let columns = min(4, max(1, panels.count)), rows = (panels.count + columns - 1) / columns
        let width = Int(Double(columns) * (side + margin) + margin), header = 52.0
        let height = Int(header + Double(rows) * (side + titleHeight + margin) + margin)
        var doc = SVGDocument(width: width, height: height, title: "\(function.displayName): optimizer paths")
        doc.text("\(function.displayName): \(steps) steps from (\(f(function.start.u)), \(f(function.start.v))), \(noise)",
                 x: margin, y: 22, size: 13, bold: true)
        doc.text("each rule at the learning rate of 1e-6…10 (half decades) that ends nearest the minimum (×)", x: margin, y: 40, size: 11)
        // The map is drawn once and used in every panel.
        doc.add("<defs><g id=\"map\">" + shading(function) + "</g></defs>")
        for (i, panel) in panels.enumerated() {
            let x0 = margin + Double(i % columns) * (side + margin)
            let y0 = header + Double(i / columns) * (side + titleHeight + margin)
            let lines = split(panel.title)
            for (k, line) in lines.enumerated() { doc.text(line, x: x0, y: y0 + 13 + Double(k) * 14, size: 11, bold: k == 0) }
            let top = y0 + titleHeight
            doc.group(["transform": "translate(\(f(x0)),\(f(top)))"]) { g in
                g.add("<use href=\"#map\"/>")
                func px(_ u: Double, _ v: Double) -> (Double, Double) {
                    let (lu, lv) = (function.domain.u, function.domain.v)
                    return ((u - lu.lowerBound) / (lu.upperBound - lu.lowerBound) * side,
                            (1 - (v - lv.lowerBound) / (lv.upperBound - lv.lowerBound)) * side)
                }
                g.add("<clipPath id=\"clip\(i)\"><rect x=\"0\" y=\"0\" width=\"\(f(side))\" height=\"\(f(side))\"/></clipPath>")
                let colour = colours[i % colours.count]
                let points = panel.path.points.map { px($0.u, $0.v) }
                g.group(["clip-path": "url(#clip\(i))"]) { c in
                    c.element("polyline", ["points": points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "),
                                           "fill": "none", "stroke": "#000000", "stroke-width": 3.2, "stroke-opacity": 0.35])
                    c.element("polyline", ["points": points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " "),
                                           "fill": "none", "stroke": colour, "stroke-width": 1.6])
                    for (k, p) in points.enumerated().dropFirst() where k <= 20 || k % 10 == 0 {
                        c.element("circle", ["cx": p.0, "cy": p.1, "r": 1.8, "fill": colour, "stroke": "#000000", "stroke-width": 0.4])
                    }
                    for minimum in function.minima {
                    let m = px(minimum.u, minimum.v)
                    let cross = "M\(f(m.0 - 5)),\(f(m.1 - 5))L\(f(m.0 + 5)),\(f(m.1 + 5))M\(f(m.0 - 5)),\(f(m.1 + 5))L\(f(m.0 + 5)),\(f(m.1 - 5))"
                    c.element("path", ["d": cross, "stroke": "#ffffff", "stroke-width": 4])
                    c.element("path", ["d": cross, "stroke": "#000000", "stroke-width": 1.6])
                    }
                    c.element("circle", ["cx": points[0].0, "cy": points[0].1, "r": 3.5, "fill": "#000000"])
                }
                g.element("rect", ["x": 0, "y": 0, "width": side, "height": side, "fill": "none", "stroke": "#444444", "stroke-width": 0.8])
            }
        }
        return doc
    }

    /// A title of up to two lines: "Adam · lr 0.01" / "f − f* 1.2e-3 after 300 steps".
    static func split(_ title: String) -> [String] { title.components(separatedBy: "\n").prefix(2).map { $0 } }

    /// The shaded map, as SVG markup of `cells`² rectangles in a `side`-pixel square.
    static func shading(_ function: TestFunction) -> String {
        let n = cells, cell = side / Double(n)
        var levels: [Double] = []
        for row in 0..<n {
            for col in 0..<n {
                let u = function.domain.u.lowerBound + (Double(col) + 0.5) / Double(n) * (function.domain.u.upperBound - function.domain.u.lowerBound)
                let v = function.domain.v.upperBound - (Double(row) + 0.5) / Double(n) * (function.domain.v.upperBound - function.domain.v.lowerBound)
                levels.append(log10(max(function.value(u, v) - function.minimum.value, 0) + 1e-2))
            }
        }
        let low = levels.min() ?? 0, high = max(levels.max() ?? 1, low + 1e-9)
        var out = ""
        for (k, level) in levels.enumerated() {
            // Bands: the level rounded to a twelfth of the range, so equal levels read as contours.
            let t = (Double(Int((level - low) / (high - low) * 12)) / 12).clamped(to: 0...1)
            out += "<rect x=\"\(f(Double(k % n) * cell))\" y=\"\(f(Double(k / n) * cell))\" width=\"\(f(cell + 0.5))\" height=\"\(f(cell + 0.5))\" fill=\"\(colour(t))\"/>"
        }
        return out
    }

    /// The ramp's colour at t ∈ [0, 1].
    static func colour(_ t: Double) -> String {
        let x = t * Double(ramp.count - 1), i = min(Int(x), ramp.count - 2), w = x - Double(i)
        let (a, b) = (ramp[i], ramp[i + 1])
        func mix(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * w).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}

extension Double {
    fileprivate func clamped(to range: ClosedRange<Double>) -> Double { Swift.min(Swift.max(self, range.lowerBound), range.upperBound) }
}
