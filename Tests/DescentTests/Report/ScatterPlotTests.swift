import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Descent
@testable import DescentReport

final class ScatterPlotTests: XCTestCase {
    func testFirstOfEachClassKeepsOrderAndCaps() {
        XCTAssertEqual(ScatterPlot.firstOfEachClass([3, 1, 3, 3, 1, 0, 3], perClass: 2), [0, 1, 2, 4, 5])
    }

    func testOneDiscPerFinitePointColouredByClassAndAPNGOfTheSameSize() throws {
        let panel = try ScatterPlot.Panel(title: "codes <2-D>", x: [0, 1, .nan, 3], y: [0, -1, 2, .infinity], classes: [0, 1, 2, 1])
        let plot = try ScatterPlot(panels: [panel, panel], classNames: ["a", "b & c", "d"], title: "t")
        let doc = plot.document(panelSize: 200)
        XCTAssertTrue(XMLParser(data: Data(doc.text.utf8)).parse())
        // Two finite points per panel, plus one legend disc per class.
        XCTAssertEqual(doc.text.components(separatedBy: "<circle").count - 1, 2 * 2 + 3)
        XCTAssertEqual(doc.text.components(separatedBy: "class=\"c1\"").count - 1, 2 + 1)
        XCTAssertTrue(doc.text.contains(".c1{fill:\(ScatterPlot.color(ofClass: 1).hexString)}"))
        XCTAssertTrue(doc.text.contains("b &amp; c") && doc.text.contains("codes &lt;2-D&gt;"))
        XCTAssertFalse(doc.text.contains("nan") || doc.text.contains("inf"))
        let png = try PNG.decode(try doc.png())
        XCTAssertEqual([png.width, png.height], [doc.width, doc.height])
    }

    func testMismatchedPointsAndNoPanelThrowOneLine() {
        XCTAssertThrowsError(try ScatterPlot.Panel(title: "codes", x: [0, 1], y: [0], classes: [0, 1])) { error in
            XCTAssertEqual("\(error)", "scatter panel codes: 2 x values, 1 y values and 2 classes")
        }
        XCTAssertThrowsError(try ScatterPlot(panels: [], classNames: ["a"])) { error in
            XCTAssertEqual("\(error)", "scatter plot: no panel")
        }
    }
}
