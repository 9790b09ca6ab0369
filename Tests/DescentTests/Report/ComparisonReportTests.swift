import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
import Descent
@testable import DescentReport

final class ComparisonReportTests: XCTestCase {
    func testSummaryNumbersEqualHandComputedMeans() throws {
        let records = try ResultsStore(path: Support.fixtures.appendingPathComponent("results/results.jsonl").path).read().records
        let report = ComparisonReport(records: records)
        let rows = report.rows
        XCTAssertEqual(rows.map(\.label), ["SGD", "Adam"])
        // Canonical order whatever order the runs finished in.
        XCTAssertEqual(ComparisonReport(records: records.reversed()).rows.map(\.label), ["SGD", "Adam"])
        // SGD finals 0.70, 0.72, 0.74 → mean 0.72, std 0.02; the diverged seed is excluded but counted.
        XCTAssertEqual(rows[0].accuracyMean, 0.72, accuracy: 1e-12)
        XCTAssertEqual(rows[0].accuracyStd, 0.02, accuracy: 1e-12)
        XCTAssertEqual(rows[0].runs, 4)
        XCTAssertEqual(rows[0].diverged, 1)
        // SGD final losses 0.9, 0.8, 0.7 → 0.8 ± 0.1.
        XCTAssertEqual(rows[0].lossMean, 0.8, accuracy: 1e-12)
        XCTAssertEqual(rows[0].lossStd, 0.1, accuracy: 1e-12)
        // Adam finals 0.80, 0.84, 0.88 → 0.84 ± 0.04; its best mean epoch is 2 (0.86 > 0.84).
        XCTAssertEqual(rows[1].accuracyMean, 0.84, accuracy: 1e-12)
        XCTAssertEqual(rows[1].accuracyStd, 0.04, accuracy: 1e-12)
        XCTAssertEqual(rows[1].bestEpoch, 2)
        XCTAssertEqual(rows[1].bestAccuracy, 0.86, accuracy: 1e-12)
        XCTAssertEqual(rows[1].secondsPerRun, 11, accuracy: 1e-12)

        let dir = Support.temporaryFolder()
        let files = try report.write(to: dir)
        XCTAssertTrue(files.contains("summary.csv"))
        let csv = try String(contentsOfFile: dir + "/summary.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 3)
        let sgd = csv[1].split(separator: ",", omittingEmptySubsequences: false)
        XCTAssertEqual(sgd[0], "SGD")
        XCTAssertEqual(Double(sgd[3]), 0.72)
        XCTAssertEqual(Double(sgd[4]), 0.02)
        XCTAssertEqual(Double(sgd[6]), 0.8)
        let md = try String(contentsOfFile: dir + "/summary.md", encoding: .utf8)
        XCTAssertTrue(md.contains("0.7200 ± 0.0200"))
        XCTAssertTrue(md.contains("seed 3: training loss is not finite at epoch 2, step 5"))
        for name in ["accuracy", "loss"] {
            let svg = try Data(contentsOf: URL(fileURLWithPath: dir + "/\(name).svg"))
            XCTAssertTrue(XMLParser(data: svg).parse(), "\(name).svg is not well-formed XML")
            let png = try PNG.read(dir + "/\(name).png")
            let (width, height) = (ComparisonFigure.fullWidth + ComparisonFigure.zoomWidth, ComparisonFigure.height)
            XCTAssertEqual([png.width, png.height], [width, height])
            // The PNG is the SVG file rasterised by librsvg, byte for byte.
            let rasterised = try SVGRasterizer.png(svg: String(decoding: svg, as: UTF8.self), width: width, height: height)
            XCTAssertEqual(try FileBytes.read(dir + "/\(name).png"), rasterised, name)
        }
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<img src=\"accuracy.svg\"") && html.contains("<img src=\"loss.svg\""), html)
        XCTAssertTrue(html.contains("0.7200 ± 0.0200"))
        for file in files {
            let text = (try? String(contentsOfFile: dir + "/" + file, encoding: .utf8)) ?? ""
            XCTAssertFalse(text.contains("nan"), file)
        }
    }

    /// The page names the product kernels of the runs, and says so when they are mixed: oneDNN's
    /// instruction set, or OpenBLAS's kernels in records made before oneDNN; records written
    /// before either was recorded decode and name none. LAPACK's, when a run had loaded them.
    func testTheMachineLineNamesTheProductKernels() throws {
        let old = try ResultsStore(path: Support.fixtures.appendingPathComponent("results/results.jsonl").path).read().records
        XCTAssertTrue(old.allSatisfy { $0.environment.blasCore == nil && $0.environment.kernels == nil })
        XCTAssertFalse(ComparisonReport(records: old).html().contains("kernels"))
        var same = old
        for i in same.indices { same[i].environment.blasCore = "Haswell" }
        XCTAssertTrue(ComparisonReport(records: same).html().contains("1 thread(s) per run, products on OpenBLAS Haswell kernels."))
        same[0].environment.blasCore = "SkylakeX"
        XCTAssertTrue(ComparisonReport(records: same).html().contains("products on kernels OpenBLAS Haswell and OpenBLAS SkylakeX (mixed: they round products differently)"))
        for i in same.indices { (same[i].environment.blasCore, same[i].environment.kernels) = (nil, "oneDNN 2.6.3 avx512_core") }
        XCTAssertTrue(ComparisonReport(records: same).html().contains("products on oneDNN 2.6.3 avx512_core kernels."))
        same[1].environment.blasCore = "Haswell"
        same[1].environment.kernels = nil
        XCTAssertTrue(ComparisonReport(records: same).html().contains("products on kernels OpenBLAS Haswell and oneDNN 2.6.3 avx512_core (mixed"))
        XCTAssertFalse(ComparisonReport(records: same).html().contains("LAPACK"))
        same[2].environment.lapack = "OpenBLAS SkylakeX"
        XCTAssertTrue(ComparisonReport(records: same).html().contains("(mixed: they round products differently), LAPACK (Shampoo, PCA) on OpenBLAS SkylakeX."))
    }
}
