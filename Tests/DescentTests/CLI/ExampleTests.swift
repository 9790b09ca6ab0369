import XCTest

/// The library example (Examples/CustomNetwork) builds and learns.
final class ExampleTests: XCTestCase {
    /// One epoch on 2,000 Fashion-MNIST images: the custom Swish network must beat the
    /// 0.10 of chance by far (it reaches about 0.7; a network that does not learn stays
    /// near 0.1).
    func testTheExampleTrainsAndEvaluates() throws {
        let data = try Support.fashionSlice(train: 2000, test: 500)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Support.executable("descent-example"))
        p.arguments = [data, "1"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("layers.0.weight [256, 784]"), text)
        let accuracy = text.split(separator: "\n").last.flatMap { Double($0.split(separator: " ").last ?? "") }
        XCTAssertGreaterThan(try XCTUnwrap(accuracy, text), 0.5, text)
    }
}
