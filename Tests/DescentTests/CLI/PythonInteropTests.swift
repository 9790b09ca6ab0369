import XCTest
@testable import Descent

/// A Descent classifier checkpoint evaluated by `Tools/descent_checkpoint.py` with numpy
/// alone (no torch needed) gives `descent evaluate`'s accuracy, confusion matrix and loss
/// (InteropTests checks the torch path).
final class PythonInteropTests: XCTestCase {
    func testNumpyReproducesDescentEvaluate() throws {
        let python = try Support.interopPython()
        let data = try Support.fashionSlice(train: 500, test: 300)
        let out = Support.temporaryFolder()
        for model in ["784-24-10", "linear(20), tanh, dropout(0.3), linear(16), sigmoid, linear(10)"] {
            let r = try Support.descent(["train", "--data-dir", data, "--model", model, "--epochs", "2", "--threads", "1", "--out", out + "/\(model.count)"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let checkpoint = out + "/\(model.count)/model.safetensors"
            let e = try Support.descent(["evaluate", checkpoint, "--data-dir", data, "--json"])
            XCTAssertEqual(e.status, 0, e.stderr)
            let ours = try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as! [String: Any]

            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../../Tools/descent_checkpoint.py").standardized.path
            let p = Process()
            p.executableURL = URL(fileURLWithPath: python)
            p.arguments = [script, checkpoint, "--data-dir", data, "--backend", "numpy", "--json"]
            let pipe = Pipe()
            p.standardOutput = pipe
            try p.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, String(decoding: output, as: UTF8.self))
            let theirs = try JSONSerialization.jsonObject(with: output) as! [String: Any]
            XCTAssertEqual(theirs["accuracy"] as? Double, ours["accuracy"] as? Double, model)
            XCTAssertEqual(theirs["confusion"] as? [[Int]], ours["confusion"] as? [[Int]], model)
            XCTAssertEqual(try XCTUnwrap(theirs["loss"] as? Double), try XCTUnwrap(ours["loss"] as? Double), accuracy: 1e-5, model)
            XCTAssertEqual(theirs["test_images"] as? Int, 300)
            let names = try XCTUnwrap(theirs["parameters"] as? [String])
            XCTAssertTrue(names.allSatisfy { $0.hasPrefix("layers.") }, "\(names)")
        }
    }
}
