import XCTest
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Descent
@testable import DescentReport

/// Counts elements while parsing; records whether the XML was well-formed.
final class ElementCounter: NSObject, XMLParserDelegate {
    var counts = [String: Int]()
    var attributes = [String: [[String: String]]]()
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        counts[name, default: 0] += 1
        self.attributes[name, default: []].append(attributes)
    }
}

func sampleChart(seriesCount: Int = 3, epochs: Int = 50) throws -> LineChart {
    var series = [Series]()
    let names = ["SGD", "Momentum SGD", "AdaGrad", "RMSprop", "AdaDelta", "Adam"]
    for k in 0..<seriesCount {
        var y = [Double](), band = [Double]()
        for e in 1...epochs {
            let t = Double(e)
            y.append(0.05 + 2.3 / (1 + Double(k + 1) * t * 0.3) + 0.01 * sin(t + Double(k)))
            band.append(0.02 + 0.1 / t)
        }
        if k == 1 { y[10] = .nan; y[11] = .infinity }  // a gap
        series.append(try Series(name: names[k % names.count] + " (lr 0.01)", y: y,
                             band: k == seriesCount - 1 ? nil : band, showsMarkers: k == 2))
    }
    return LineChart(title: "Training loss <seed-mlp> & friends", xLabel: "epoch",
                     yLabel: "cross-entropy ± std", series: series)
}

final class ReportChartTests: XCTestCase {
    func testNiceTicks() {
        XCTAssertEqual(NiceTicks.step(span: 1, targetCount: 5), 0.2)
        XCTAssertEqual(NiceTicks.step(span: 49, targetCount: 10), 5)
        XCTAssertEqual(NiceTicks.step(span: 0.03, targetCount: 6), 0.005)
        XCTAssertEqual(NiceTicks.ticks(in: 0...1, step: 0.2).count, 6)
        XCTAssertEqual(NiceTicks.ticks(in: 0.3...0.9, step: 0.2), [0.4, 0.6000000000000001, 0.8])
        XCTAssertEqual(NiceTicks.label(0.6000000000000001, step: 0.2), "0.6")
        XCTAssertEqual(NiceTicks.label(-1, step: 0.5), "\u{2212}1.0")
        XCTAssertEqual(NiceTicks.label(25, step: 5), "25")
        XCTAssertEqual(NiceTicks.label(41, step: 1), "41")
        XCTAssertEqual(NiceTicks.label(0.05, step: 0.01), "0.05")
        XCTAssertEqual(NiceTicks.label(2e7, step: 1e7), "2e+07")
    }

    func testSVGIsWellFormedWithOnePathPerSeries() throws {
        let chart = try sampleChart(seriesCount: 4)
        let svg = chart.svg(width: 900, height: 560)
        let counter = ElementCounter()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = counter
        XCTAssertTrue(parser.parse(), "SVG is not well-formed: \(String(describing: parser.parserError))")
        XCTAssertEqual(counter.counts["svg"], 1)
        XCTAssertEqual(counter.counts["path"], 4)
        XCTAssertEqual(counter.attributes["svg"]?.first?["viewBox"], "0 0 900 560")
        XCTAssertEqual(counter.attributes["svg"]?.first?["width"], "900")
        XCTAssertGreaterThanOrEqual(counter.counts["polygon"] ?? 0, 3)  // bands (one series has a gap)
        for bad in ["nan", "NaN", "inf"] { XCTAssertFalse(svg.contains(bad), "SVG contains \(bad)") }
        XCTAssertTrue(svg.contains("&lt;seed-mlp&gt; &amp; friends"))
        // The broken series' path has two subpaths.
        let paths = counter.attributes["path"]!.map { $0["d"]! }
        XCTAssertEqual(paths[1].filter { $0 == "M" }.count, 2)
    }

    /// More series than palette colours: a colour comes back only with another dash
    /// pattern, on the line and on its legend swatch.
    func testSeriesBeyondThePaletteAreDashed() throws {
        let n = ChartColor.okabeIto.count * 2 + 1
        var chart = try sampleChart(seriesCount: n, epochs: 20)
        chart.legend = .outsideRight
        let counter = ElementCounter()
        let parser = XMLParser(data: Data(chart.svg().utf8))
        parser.delegate = counter
        XCTAssertTrue(parser.parse())
        let paths = counter.attributes["path"]!.filter { $0["stroke-width"] != nil && $0["d"]?.hasPrefix("M") == true }
        XCTAssertEqual(paths.count, n)
        let styles = paths.map { [$0["stroke"] ?? "", $0["stroke-dasharray"] ?? "solid"] }
        XCTAssertEqual(Set(styles).count, n, "two series share a colour and a dash pattern")
        XCTAssertEqual(styles.prefix(ChartColor.okabeIto.count).filter { $0[1] != "solid" }.count, 0)
        XCTAssertEqual(paths[ChartColor.okabeIto.count]["stroke-dasharray"], "8 4")  // 4 2 line widths of 2 px
        let swatches = counter.attributes["line"]!.filter { $0["stroke-dasharray"] != nil }
        XCTAssertEqual(swatches.count, n - ChartColor.okabeIto.count)
    }

    func testSVGZoomedRangeAndDegenerateInput() throws {
        var chart = try sampleChart()
        chart.xRange = 40...50
        chart.yRange = 0...0.3
        chart.legend = .bottomLeft
        let svg = chart.svg(width: 400, height: 300)
        let parser = XMLParser(data: Data(svg.utf8))
        XCTAssertTrue(parser.parse())
        // Empty, all-NaN and constant series still give valid documents.
        let odd = try LineChart(title: "", series: [Series(name: "nan", y: [.nan, .nan]),
                                                     Series(name: "flat", y: [1, 1, 1])])
        let oddSVG = odd.svg()
        XCTAssertTrue(XMLParser(data: Data(oddSVG.utf8)).parse())
        XCTAssertFalse(oddSVG.lowercased().contains("nan\""))
        XCTAssertTrue(XMLParser(data: Data(LineChart().svg().utf8)).parse())
    }

    func testChartPNGIsRasterisedSVGOfTheRequestedSize() throws {
        let chart = try sampleChart()
        let bytes = try chart.png(width: 320, height: 200)
        XCTAssertEqual(bytes, try SVGRasterizer.png(svg: chart.svg(width: 320, height: 200), width: 320, height: 200))
        let image = try PNG.decode(bytes)
        XCTAssertEqual([image.width, image.height, image.channels], [320, 200, 3])
        // Not blank: the background is white, and many colours (series, anti-aliasing) appear.
        XCTAssertEqual(image[0, 0], [255, 255, 255])
        let colours = Set(stride(from: 0, to: image.pixels.count, by: 3).map { Array(image.pixels[$0..<($0 + 3)]) })
        XCTAssertGreaterThan(colours.count, 50)
        for c in [ChartColor.okabeIto[0], ChartColor.okabeIto[1]] {  // a pixel in each of the first two series' colours
            XCTAssertTrue(colours.contains([c.red, c.green, c.blue]), "no pixel of \(c.hexString)")
        }
        XCTAssertEqual(try PNG.decode(LineChart().png(width: 50, height: 40)).width, 50)
    }
}
