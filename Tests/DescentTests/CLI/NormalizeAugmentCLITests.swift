import Foundation
import XCTest
@testable import Descent

/// `descent train --normalize --augment crop=2,flip` on colour IDX files: recorded in the run
/// and the checkpoint, a resume equal to the uninterrupted run, `evaluate` and
/// `Tools/descent_checkpoint.py` (torch) applying the recorded normalisation.
final class NormalizeAugmentCLITests: XCTestCase {
    func colourData() throws -> String {
        let dir = try makeTemporaryDirectory(self)
        try writeDataset(train: try DataNormalizeAugmentTests.colourSet(120, seed: 1), test: try DataNormalizeAugmentTests.colourSet(40, seed: 2),
                         to: dir, gzip: true)
        return dir
    }

    func testRecordedResumedAndEvaluated() throws {
        let data = try colourData()
        let out = Support.temporaryFolder()
        let common = ["train", "--data-dir", data, "--model", "3x5x4: conv2d(4, 3, padding=same), relu, flatten, linear(3)", "--batch-size", "16",
                      "--normalize", "--augment", "crop=2,flip", "--threads", "1", "--json"]
        XCTAssertEqual(try Support.descent(common + ["--epochs", "3", "--out", out + "/whole"]).status, 0)
        XCTAssertEqual(try Support.descent(common + ["--epochs", "1", "--out", out + "/resumed"]).status, 0)
        let r = try Support.descent(common + ["--epochs", "3", "--resume", out + "/resumed/model.safetensors"])
        XCTAssertEqual(r.status, 0, r.stderr)
        func metrics(_ run: String) throws -> [String] {
            try String(contentsOfFile: out + "/\(run)/metrics.jsonl", encoding: .utf8).split(separator: "\n")
                .map { $0.replacingOccurrences(of: #""seconds":[0-9.e-]+"#, with: "", options: .regularExpression) }
        }
        XCTAssertEqual(try metrics("resumed"), try metrics("whole"), "resumed = uninterrupted, augmentation included")
        let whole = try Checkpoint.read(out + "/whole/model.safetensors"), resumed = try Checkpoint.read(out + "/resumed/model.safetensors")
        XCTAssertEqual(whole.tensors["layers.0.weight"]?.toArray(), resumed.tensors["layers.0.weight"]?.toArray())
        let run = try XCTUnwrap(whole.metadata["run"])
        let stats = try ChannelNormalization(of: try DataNormalizeAugmentTests.colourSet(120, seed: 1))
        let spec = try JSONDecoder.descent(.builtIn).decode(RunSpec.self, from: Data(run.utf8))
        XCTAssertEqual(spec.config.normalize, stats, "statistics of the training images")
        XCTAssertEqual(spec.config.augment, try Augmentation(crop: 2, flip: true))
        XCTAssertTrue(run.contains(#""augment":"crop=2,flip""#), run)

        // A resume with other flags is refused: both are part of the run.
        let other = try Support.descent(common.filter { $0 != "--normalize" } + ["--epochs", "4", "--resume", out + "/whole/model.safetensors"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.stderr.contains("normalize"), other.stderr)

        // evaluate and the Python loader apply the recorded statistics.
        let e = try Support.descent(["evaluate", out + "/whole/model.safetensors", "--data-dir", data, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let ours = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        let lines = try String(contentsOfFile: out + "/whole/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any])
        XCTAssertEqual(ours["accuracy"] as? Double, last["test_accuracy"] as? Double)
        XCTAssertEqual(try XCTUnwrap(ours["loss"] as? Double), try XCTUnwrap(last["test_loss"] as? Double), accuracy: 1e-6)

        let python = try Support.interopPython()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../Tools/descent_checkpoint.py").standardized.path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script, out + "/whole/model.safetensors", "--data-dir", data, "--backend", "torch", "--json"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, String(decoding: output, as: UTF8.self))
        let theirs = try XCTUnwrap(JSONSerialization.jsonObject(with: output) as? [String: Any])
        XCTAssertEqual(theirs["accuracy"] as? Double, ours["accuracy"] as? Double)
        XCTAssertEqual(theirs["confusion"] as? [[Int]], ours["confusion"] as? [[Int]])
        XCTAssertEqual(try XCTUnwrap(theirs["loss"] as? Double), try XCTUnwrap(ours["loss"] as? Double), accuracy: 1e-5)
    }

    func testBadAugmentIsOneLine() throws {
        let r = try Support.descent(["train", "--augment", "crop=4,spin", "--epochs", "1"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.hasPrefix("descent: error: --augment: 'spin' is not crop=N or flip"), r.stderr)
    }
}
