import Descent
import Foundation

/// An sRGB colour for charts.
public struct ChartColor: Equatable, Hashable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red; self.green = green; self.blue = blue
    }

    /// A colour from a 24-bit hex value such as `0xE69F00`.
    public init(hex: UInt32) {
        self.init(red: UInt8((hex >> 16) & 0xff), green: UInt8((hex >> 8) & 0xff), blue: UInt8(hex & 0xff))
    }

    /// `#rrggbb`.
    public var hexString: String { String(format: "#%02x%02x%02x", red, green, blue) }

    /// The Okabe–Ito palette (distinguishable with the common colour-vision
    /// deficiencies), ordered for charts on white: orange, sky blue, bluish green,
    /// blue, vermillion, reddish purple, black, yellow.
    public static let okabeIto: [ChartColor] = [
        ChartColor(hex: 0xE69F00), ChartColor(hex: 0x56B4E9), ChartColor(hex: 0x009E73),
        ChartColor(hex: 0x0072B2), ChartColor(hex: 0xD55E00), ChartColor(hex: 0xCC79A7),
        ChartColor(hex: 0x000000), ChartColor(hex: 0xF0E442),
    ]
}

/// One curve of a `LineChart`: a mean line through (`x[i]`, `y[i]`) and an optional
/// shaded band `y[i] ± band[i]` (e.g. the standard deviation over seeds).
/// Points where x, y (or, for the band, the band value) are not finite are skipped
/// and break the line.
public struct Series: Sendable {
    /// The legend's label; a series with an empty name is left out of the legend.
    public var name: String
    public let x: [Double]
    public let y: [Double]
    /// Half-width of the shaded band around `y` (e.g. one standard deviation), or nil.
    public let band: [Double]?
    /// The colour; nil takes the next Okabe–Ito colour by series index.
    public var color: ChartColor?
    /// Draw a marker at every point.
    public var showsMarkers: Bool
    /// The marker's shape.
    public var marker: Marker
    /// Draw the line through the points (false: markers only, e.g. highlighted points).
    public var showsLine: Bool

    /// Marker shapes: a filled disc, a ring around the point (larger, to circle a point
    /// of another series), a cross (×).
    public enum Marker: Sendable { case disc, ring, cross }

    /// Throws unless `x`, `y` (and `band`) have as many values; they stay fixed afterwards,
    /// so a chart can read them side by side.
    public init(name: String, x: [Double], y: [Double], band: [Double]? = nil,
                color: ChartColor? = nil, showsMarkers: Bool = false, marker: Marker = .disc, showsLine: Bool = true) throws {
        guard x.count == y.count else { throw DescentError("series \(name): \(x.count) x values for \(y.count) y values") }
        if let band, band.count != y.count {
            throw DescentError("series \(name): the band has \(band.count) values for \(y.count) y values")
        }
        self.name = name; self.x = x; self.y = y; self.band = band
        self.color = color; self.showsMarkers = showsMarkers; self.marker = marker; self.showsLine = showsLine
    }

    /// A series over x = 1, 2, 3, … (e.g. epochs).
    public init(name: String, y: [Double], band: [Double]? = nil, color: ChartColor? = nil,
                showsMarkers: Bool = false) throws {
        try self.init(name: name, x: y.indices.map { Double($0 + 1) }, y: y, band: band,
                  color: color, showsMarkers: showsMarkers)
    }
}

/// Where the legend goes: a corner inside the plot area, to the right of it
/// (`outsideRight`, which narrows the plot), or nowhere. `automatic` picks a free
/// inside corner (fewest line and band points covered; ties: top right first) and
/// moves the legend outside when every corner would hide data and the legend is
/// narrower than 40% of the chart.
public enum LegendPosition: String, Sendable, CaseIterable {
    case automatic, topRight, topLeft, bottomRight, bottomLeft, outsideRight, none
}

/// A line chart with a title, labelled axes with "nice" 1-2-5 ticks, gridlines, a
/// legend and any number of series with optional ±band shading. It is drawn once,
/// as SVG (`svg(width:height:)`); `png(width:height:)` rasterises that SVG with
/// `SVGRasterizer`.
///
/// `xRange` / `yRange` fix an axis (e.g. a zoomed panel on the final epochs); by
/// default x spans the data and y spans the data and bands, rounded out to ticks.
/// `xLogScale` draws x on a log₁₀ axis with ticks at powers of ten (x must be positive;
/// other points are skipped), e.g. learning rates.
public struct LineChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var legend: LegendPosition
    /// Opacity of the ±band shading.
    public var bandOpacity: Double
    /// Width of the mean lines in pixels.
    public var lineWidth: Double
    /// A log₁₀ x axis.
    public var xLogScale = false

    public init(title: String = "", xLabel: String = "", yLabel: String = "", series: [Series] = [],
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
                legend: LegendPosition = .automatic, bandOpacity: Double = 0.2, lineWidth: Double = 2) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.xRange = xRange; self.yRange = yRange; self.legend = legend
        self.bandOpacity = bandOpacity; self.lineWidth = lineWidth
    }

    /// The colour series `index` is drawn in.
    public func color(ofSeries index: Int) -> ChartColor {
        series[index].color ?? ChartColor.okabeIto[index % ChartColor.okabeIto.count]
    }

    /// The SVG `stroke-dasharray` of series `index`'s line, so that more series than
    /// colours stay apart: solid for the first pass through the palette, then dashed,
    /// dotted and dash-dotted, in turn (nil: solid).
    public func dashPattern(ofSeries index: Int) -> String? {
        let pass = (index / ChartColor.okabeIto.count) % LineChart.dashPatterns.count
        return LineChart.dashPatterns[pass]
    }

    /// Solid, dashed, dotted, dash-dotted, in units of the line width.
    static let dashPatterns: [String?] = [nil, "4 2", "0.5 2", "4 2 0.5 2"]
}
