import Descent
import Foundation

/// The pictures of a variational autoencoder (Kingma & Welling 2014, figs. 4–5): grids of
/// decoded images, each an SVG with the grid embedded as a PNG (pixelated) and its title,
/// axis words and row labels as text, and its PNG from the same SVG.
public enum VariationalPictures {
    /// Φ⁻¹(p), the standard normal quantile, for p in (0, 1): Acklam's rational approximation
    /// (relative error below 1.2·10⁻⁹), the coordinates of a grid "linearly spaced on the unit
    /// square and transformed through the inverse CDF of the Gaussian" (Kingma & Welling, fig. 4).
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normalQuantile: p must be in (0, 1), got \(p)")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
                 -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
                 -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
                 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        func tail(_ q: Double) -> Double {
            (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p < 0.02425 { return tail((-2 * log(p)).squareRoot()) }
        if p > 1 - 0.02425 { return -tail((-2 * log(1 - p)).squareRoot()) }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }

    /// `n` quantiles of the standard normal at the centres of n equal slices of (0, 1):
    /// Φ⁻¹((i + ½)/n), i = 0…n−1.
    public static func quantiles(_ n: Int) -> [Double] { (0..<n).map { normalQuantile((Double($0) + 0.5) / Double(n)) } }

    /// A titled picture of `grid` (e.g. from `AutoEncoderPictures.reconstructions`), with a
    /// label left of each of its `rowLabels.count` rows when given, and a line under the title.
    public static func document(_ grid: PixelImage, title: String, subtitle: String, rowLabels: [String] = [],
                                bottom: String? = nil) throws -> SVGDocument {
        let left = rowLabels.isEmpty ? 10.0 : 16 + (rowLabels.map { SVGText.width($0, 11) }.max() ?? 0)
        let top = 52.0
        let width = max(left + Double(grid.width) + 10, 20 + SVGText.width(title, 16), 20 + SVGText.width(subtitle, 12))
        let height = top + Double(grid.height) + (bottom == nil ? 10 : 30)
        var svg = SVGDocument(width: Int(width.rounded(.up)), height: Int(height.rounded(.up)), title: title)
        svg.text(title, x: 10, y: 24, size: 16, bold: true)
        svg.text(subtitle, x: 10, y: 42, size: 12, fill: "#555555")
        svg.element("image", ["x": left, "y": top, "width": grid.width, "height": grid.height, "style": "image-rendering:pixelated",
                              "preserveAspectRatio": "none", "href": "data:image/png;base64," + Data(try PNG.encode(grid)).base64EncodedString()])
        let rowHeight = Double(grid.height + 1) / Double(max(rowLabels.count, 1))
        for (i, label) in rowLabels.enumerated() {
            svg.text(label, x: left - 6, y: top + rowHeight * (Double(i) + 0.5) + 4, size: 11, anchor: "end")
        }
        if let bottom { svg.text(bottom, x: left, y: top + Double(grid.height) + 20, size: 11, fill: "#555555") }
        return svg
    }

    /// Kingma & Welling's figure: the images decoded over a grid of the prior's quantiles of a
    /// 2-unit code (`manifold`, z₁ rising to the right and z₂ upwards) beside `codes`, the test
    /// images' means E_q[z] coloured by class, on the same two axes.
    public static func manifold(_ manifold: PixelImage, steps: Int, codes: ScatterPlot, title: String) throws -> SVGDocument {
        let picture = try document(manifold, title: "decoded over the prior's quantiles",
                                   subtitle: "z = (Φ⁻¹(u₁), Φ⁻¹(u₂)), u on a \(steps) × \(steps) grid of (0, 1)",
                                   bottom: String(format: "z₁ from %.2f (left) to %.2f (right); z₂ the same, upwards", quantiles(steps).first!, quantiles(steps).last!))
        let plot = codes.document(panelSize: max(320, manifold.height))
        var svg = SVGDocument(width: picture.width + plot.width, height: max(picture.height, plot.height) + 34, title: title)
        svg.text(title, x: 10, y: 22, size: 16, bold: true)
        svg.embed(picture, x: 0, y: 34)
        svg.embed(plot, x: Double(picture.width), y: 34)
        return svg
    }
}
