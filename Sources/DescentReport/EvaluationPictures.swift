import Descent
import Foundation

/// The pictures of `descent evaluate`, as SVG documents.
public enum EvaluationPictures {
    /// The confusion matrix as a heat map: rows are true classes, columns predictions, each
    /// cell shaded by its share of the row (so every class reads alike however many
    /// examples it has) and labelled with its count; the diagonal in blue, mistakes in red.
    public static func confusionMatrix(_ e: ClassifierEvaluation, classNames: [String], title: String) -> SVGDocument {
        let k = e.classCount
        let names = (0..<k).map { $0 < classNames.count ? classNames[$0] : "\($0)" }
        let longest = Double(names.map(\.count).max() ?? 1)
        let cell = 52.0, left = 44 + 7.2 * longest, top = 84.0
        let subtitle = "accuracy \(String(format: "%.4f", e.accuracy)), loss \(String(format: "%.4f", e.loss)); shade: share of the true class's images"
        let width = max(left + cell * Double(k) + 80, 20 + max(SVGText.width(title, 16) * 1.05, SVGText.width(subtitle, 12)))
        let height = top + cell * Double(k) + 30 + 7.2 * longest * 0.75 + 28
        var svg = SVGDocument(width: Int(width.rounded(.up)), height: Int(height.rounded(.up)), title: title)
        svg.text(title, x: 10, y: 26, size: 16, bold: true)
        svg.text(subtitle, x: 10, y: 46, size: 12, fill: "#555555")
        svg.text("true class", x: 16, y: top + cell * Double(k) / 2, size: 13, anchor: "middle", rotated: true)
        svg.text("predicted class", x: left + cell * Double(k) / 2, y: height - 10, size: 13, anchor: "middle")
        for t in 0..<k {
            let rowTotal = max(e.confusion[t].reduce(0, +), 1)
            let y = top + cell * Double(t)
            svg.text(names[t], x: left - 8, y: y + cell / 2 + 4, size: 12, anchor: "end")
            for p in 0..<k {
                let share = Double(e.confusion[t][p]) / Double(rowTotal)
                let x = left + cell * Double(p), shade = t == p ? share : min(1, share * 3)
                svg.element("rect", ["x": x, "y": y, "width": cell, "height": cell,
                                     "fill": mix(shade, to: t == p ? (33, 102, 172) : (178, 24, 43)), "stroke": "#ffffff"])
                svg.text("\(e.confusion[t][p])", x: x + cell / 2, y: y + cell / 2 + 4, size: 12, anchor: "middle",
                         fill: shade > 0.55 ? "#ffffff" : "#222222")
            }
            let acc = e.perClassAccuracy[t]
            svg.text(acc.isFinite ? String(format: "%.3f", acc) : "–", x: left + cell * Double(k) + 10, y: y + cell / 2 + 4, size: 12, fill: "#333333")
        }
        svg.text("accuracy", x: left + cell * Double(k) + 10, y: top - 10, size: 11, fill: "#555555")
        let labelY = top + cell * Double(k) + 12
        for p in 0..<k {
            let x = left + cell * (Double(p) + 0.5)
            svg.add(SVGDocument.markup("text", [("x", x), ("y", labelY), ("font-size", 12), ("text-anchor", "end"),
                                                ("transform", "rotate(-45 \(f(x)) \(f(labelY)))")], content: names[p]))
        }
        return svg
    }

    /// The most confident mistakes: each image (pixels of `set`, enlarged) with its true
    /// and predicted class and the predicted probability.
    /// Throws when a mistake's index is not an image of `set` (an evaluation of other data).
    public static func mistakes(_ e: ClassifierEvaluation, set: ImageSet, classNames: [String], title: String,
                                columns: Int = 8, scale: Int = 3) throws -> SVGDocument {
        let shown = e.mistakes
        if let bad = shown.first(where: { !(0..<set.count).contains($0.index) }) {
            throw DescentError("mistakes: image \(bad.index) is not in a set of \(set.count) images")
        }
        let w = Double(set.width * scale), h = Double(set.height * scale)
        let cellW = max(w, 120) + 12, cellH = h + 52
        let rows = max(1, (shown.count + columns - 1) / columns)
        let width = cellW * Double(columns) + 20, height = 56 + cellH * Double(rows)
        var svg = SVGDocument(width: Int(width.rounded(.up)), height: Int(height.rounded(.up)), title: title)
        svg.text(title, x: 10, y: 26, size: 16, bold: true)
        svg.text("the \(shown.count) test images misclassified with the highest probability", x: 10, y: 44, size: 12, fill: "#555555")
        func name(_ c: Int) -> String { c < classNames.count ? classNames[c] : "\(c)" }
        for (i, m) in shown.enumerated() {
            let x = 10 + cellW * Double(i % columns), y = 56 + cellH * Double(i / columns), middle = x + (cellW - 12) / 2
            let image = try PixelImage(image: m.index, of: set)  // in colour for colour data
            svg.element("image", ["x": x + (cellW - 12 - w) / 2, "y": y, "width": w, "height": h, "style": "image-rendering:pixelated",
                                  "preserveAspectRatio": "none", "href": "data:image/png;base64," + Data(try PNG.encode(image)).base64EncodedString()])
            svg.text("true: \(name(m.label))", x: middle, y: y + h + 15, size: 11, anchor: "middle")
            svg.text("said: \(name(m.predicted)) \(String(format: "%.3f", m.confidence))", x: middle, y: y + h + 30, size: 11,
                     anchor: "middle", fill: "#b2182b")
            svg.text("test image \(m.index)", x: middle, y: y + h + 44, size: 10, anchor: "middle", fill: "#777777")
        }
        return svg
    }

    /// White mixed with `color` by `t` ∈ [0, 1], as `#rrggbb`.
    private static func mix(_ t: Double, to color: (Int, Int, Int)) -> String {
        func c(_ v: Int) -> UInt8 { UInt8((255 - Double(255 - v) * max(0, min(1, t))).rounded()) }
        return ChartColor(red: c(color.0), green: c(color.1), blue: c(color.2)).hexString
    }
}
