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
        var out = svgHeader(width: width, height: height, title: title)
        out += "<text x=\"10\" y=\"26\" font-size=\"16\" font-weight=\"bold\">\(SVGText.escape(title))</text>\n"
        out += "<text x=\"10\" y=\"46\" font-size=\"12\" fill=\"#555\">\(SVGText.escape(subtitle))</text>\n"
        let middle = top + cell * Double(k) / 2
        out += "<text x=\"16\" y=\"\(middle)\" font-size=\"13\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(middle))\">true class</text>\n"
        out += "<text x=\"\(left + cell * Double(k) / 2)\" y=\"\(height - 10)\" font-size=\"13\" text-anchor=\"middle\">predicted class</text>\n"
        for t in 0..<k {
            let rowTotal = max(e.confusion[t].reduce(0, +), 1)
            let y = top + cell * Double(t)
            out += "<text x=\"\(left - 8)\" y=\"\(y + cell / 2 + 4)\" font-size=\"12\" text-anchor=\"end\">\(SVGText.escape(names[t]))</text>\n"
            for p in 0..<k {
                let share = Double(e.confusion[t][p]) / Double(rowTotal)
                let x = left + cell * Double(p)
                let color = t == p ? mix(share, to: (33, 102, 172)) : mix(min(1, share * 3), to: (178, 24, 43))
                out += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(color)\" stroke=\"#ffffff\"/>\n"
                let dark = (t == p ? share : min(1, share * 3)) > 0.55
                out += "<text x=\"\(x + cell / 2)\" y=\"\(y + cell / 2 + 4)\" font-size=\"12\" text-anchor=\"middle\" fill=\"\(dark ? "#ffffff" : "#222222")\">\(e.confusion[t][p])</text>\n"
            }
            let acc = e.perClassAccuracy[t]
            out += "<text x=\"\(left + cell * Double(k) + 10)\" y=\"\(y + cell / 2 + 4)\" font-size=\"12\" fill=\"#333\">\(acc.isFinite ? String(format: "%.3f", acc) : "–")</text>\n"
        }
        out += "<text x=\"\(left + cell * Double(k) + 10)\" y=\"\(top - 10)\" font-size=\"11\" fill=\"#555\">accuracy</text>\n"
        let labelY = top + cell * Double(k) + 12
        for p in 0..<k {
            let x = left + cell * (Double(p) + 0.5)
            out += "<text x=\"\(x)\" y=\"\(labelY)\" font-size=\"12\" text-anchor=\"end\" transform=\"rotate(-45 \(x) \(labelY))\">\(SVGText.escape(names[p]))</text>\n"
        }
        return SVGDocument(text: out + "</svg>\n", width: Int(width.rounded(.up)), height: Int(height.rounded(.up)))
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
        var out = svgHeader(width: width, height: height, title: title)
        out += "<text x=\"10\" y=\"26\" font-size=\"16\" font-weight=\"bold\">\(SVGText.escape(title))</text>\n"
        out += "<text x=\"10\" y=\"44\" font-size=\"12\" fill=\"#555\">the \(shown.count) test images misclassified with the highest probability</text>\n"
        func name(_ c: Int) -> String { c < classNames.count ? classNames[c] : "\(c)" }
        for (i, m) in shown.enumerated() {
            let x = 10 + cellW * Double(i % columns), y = 56 + cellH * Double(i / columns)
            let f = set.featureCount
            let image = try PixelImage(width: set.width, height: set.height, channels: 1,
                                   pixels: Array(set.pixels[(m.index * f)..<(m.index * f + set.width * set.height)]))
            let png = Data(try PNG.encode(image)).base64EncodedString()
            out += "<image x=\"\(x + (cellW - 12 - w) / 2)\" y=\"\(y)\" width=\"\(w)\" height=\"\(h)\" style=\"image-rendering:pixelated\" preserveAspectRatio=\"none\" href=\"data:image/png;base64,\(png)\"/>\n"
            out += "<text x=\"\(x + (cellW - 12) / 2)\" y=\"\(y + h + 15)\" font-size=\"11\" text-anchor=\"middle\">true: \(SVGText.escape(name(m.label)))</text>\n"
            out += "<text x=\"\(x + (cellW - 12) / 2)\" y=\"\(y + h + 30)\" font-size=\"11\" text-anchor=\"middle\" fill=\"#b2182b\">said: \(SVGText.escape(name(m.predicted))) \(String(format: "%.3f", m.confidence))</text>\n"
            out += "<text x=\"\(x + (cellW - 12) / 2)\" y=\"\(y + h + 44)\" font-size=\"10\" text-anchor=\"middle\" fill=\"#777\">test image \(m.index)</text>\n"
        }
        return SVGDocument(text: out + "</svg>\n", width: Int(width.rounded(.up)), height: Int(height.rounded(.up)))
    }

    private static func svgHeader(width: Double, height: Double, title: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width.rounded(.up)))" height="\(Int(height.rounded(.up)))" viewBox="0 0 \(Int(width.rounded(.up))) \(Int(height.rounded(.up)))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
        <title>\(SVGText.escape(title))</title>
        <rect x="0" y="0" width="100%" height="100%" fill="#ffffff"/>

        """
    }

    /// White mixed with `color` by `t` ∈ [0, 1], as `#rrggbb`.
    private static func mix(_ t: Double, to color: (Int, Int, Int)) -> String {
        func c(_ v: Int) -> Int { Int((255 - Double(255 - v) * max(0, min(1, t))).rounded()) }
        return String(format: "#%02x%02x%02x", c(color.0), c(color.1), c(color.2))
    }
}
