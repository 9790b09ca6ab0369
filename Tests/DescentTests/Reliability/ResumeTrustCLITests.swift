import Foundation
import XCTest
@testable import Descent

/// What `--resume` and `evaluate` accept from a checkpoint, through the binary: other data
/// are refused with both fingerprints named, a stored model too large for memory is refused
/// before anything is allocated, and a damaged checkpoint is one line.
final class ResumeTrustCLITests: XCTestCase {
    typealias Battery = ReliabilityBadInputBatteryTests

    /// A second dataset: the valid one with other training labels.
    func otherData() throws -> String {
        let dir = Support.temporaryFolder("other")
        try MalformedInputs.writeValid(dir)
        let labels = (0..<48).map { UInt8(($0 * 7 + 3) % 10) }
        try IDX.write(IDXArray(dimensions: [48], bytes: labels), to: dir + "/" + MalformedInputs.trainLabels, gzip: true)
        return dir
    }

    func assertOneLineError(_ r: (status: Int32, stdout: String, stderr: String, timedOut: Bool), mentions: [String],
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(r.timedOut, file: file, line: line)
        XCTAssertEqual(r.status, 1, r.stderr, file: file, line: line)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr, file: file, line: line)
        XCTAssertTrue(lines.first?.hasPrefix("descent: error: ") ?? false, r.stderr, file: file, line: line)
        for m in mentions { XCTAssertTrue(r.stderr.contains(m), "\(r.stderr) does not mention \(m)", file: file, line: line) }
    }

    func testResumeOnOtherDataIsRefusedNamingBothFingerprints() throws {
        let mine = Support.temporaryFolder("mine")
        try MalformedInputs.writeValid(mine)
        let other = try otherData()
        for command in [["train", "--model", "784-16-10"], ["autoencoder", "--hidden", "12", "--no-pca", "--probe-epochs", "0"]] {
            let out = Support.temporaryFolder("out")
            let first = try Battery.run(command + ["--data-dir", mine, "--epochs", "1", "--threads", "1", "--out", out])
            XCTAssertEqual(first.status, 0, first.stderr)
            let checkpoint = try XCTUnwrap(FileManager.default.enumerator(atPath: out)?.compactMap { $0 as? String }
                .first { $0.hasSuffix("model.safetensors") }).description
            let saved = try Checkpoint.read(out + "/" + checkpoint)
            let fingerprints = try [mine, other].map { d -> String in
                let (train, test) = try DatasetLoader.load(.fashionMNIST, dataDirectory: d, cacheDirectory: nil, allowDownload: false)
                return DataFingerprint(train: train, test: test).description
            }
            XCTAssertEqual(saved.dataFingerprint.map(DataFingerprint.short), fingerprints[0])
            let metricsBefore = FileManager.default.contents(atPath: out + "/" + checkpoint)
            let r = try Battery.run(command + ["--data-dir", other, "--epochs", "2", "--resume", out + "/" + checkpoint]
                                    + (command[0] == "autoencoder" ? ["--out", out] : []))
            assertOneLineError(r, mentions: ["--resume", fingerprints[0], fingerprints[1], other])
            XCTAssertEqual(FileManager.default.contents(atPath: out + "/" + checkpoint), metricsBefore, "the checkpoint is untouched")
            // On its own data it continues.
            let same = try Battery.run(command + ["--data-dir", mine, "--epochs", "2", "--resume", out + "/" + checkpoint]
                                       + (command[0] == "autoencoder" ? ["--out", out] : []))
            XCTAssertEqual(same.status, 0, same.stderr)
        }
    }

    /// A checkpoint whose stored model asks for 10⁹ hidden units (the weights need not be in
    /// the file for `Network` to allocate them): refused by the memory estimate, by
    /// `evaluate` and by `export`.
    func testEvaluateRefusesAStoredModelTooLargeForMemory() throws {
        let data = Support.temporaryFolder("data")
        try MalformedInputs.writeValid(data)
        let out = Support.temporaryFolder("out")
        XCTAssertEqual(try Battery.run(["train", "--data-dir", data, "--model", "784-16-10", "--epochs", "1", "--threads", "1", "--out", out]).status, 0)
        var (tensors, metadata) = try SafeTensors.read(out + "/model.safetensors")
        metadata["model"] = #"{"input":[784],"layers":[{"kind":"linear","units":1000000000},{"kind":"relu"},{"kind":"linear","units":10}],"loss":"cross-entropy"}"#
        tensors = tensors.filter { !$0.key.hasPrefix("layers.0") }
        let huge = out + "/huge.safetensors"
        try SafeTensors.write(tensors, metadata: metadata, to: huge)
        let r = try Battery.run(["evaluate", huge, "--data-dir", data, "--out", out])
        assertOneLineError(r, mentions: ["checkpoint", huge, "needs about", "available"])
        // export builds the stored network too.
        let onnx = try Battery.run(["export", huge, "--onnx", out + "/huge.onnx"])
        assertOneLineError(onnx, mentions: [huge, "needs about", "available"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/huge.onnx"))
    }

    /// Damaged checkpoints given to `--resume` and `evaluate`: one line naming the file.
    func testDamagedCheckpointsAreOneLine() throws {
        let data = Support.temporaryFolder("data")
        try MalformedInputs.writeValid(data)
        let out = Support.temporaryFolder("out")
        XCTAssertEqual(try Battery.run(["train", "--data-dir", data, "--model", "784-16-10", "--epochs", "1", "--threads", "1", "--out", out]).status, 0)
        let good = try SafeTensors.read(out + "/model.safetensors")
        let cases: [(String, (inout [String: Tensor], inout [String: String]) -> Void, String)] = [
            ("nan weight", { t, _ in t["layers.1.weight"]!.data[0] = .nan }, "NaN or infinite"),
            ("epochs -5", { _, m in m["epochs_done"] = "-5" }, "epochs_done"),
            ("threads 100000", { _, m in m["threads"] = "100000" }, "threads"),
            ("no optimizer", { t, _ in t = t.filter { !$0.key.hasPrefix("optimizer/") } }, "optimizer state is incomplete"),
            ("step NaN", { t, _ in t["optimizer/optimizer.step"] = Tensor(shape: [1], values: [.nan]) }, "optimizer.step"),
            ("no fingerprint", { _, m in m[Checkpoint.dataFingerprintKey] = nil }, "no data fingerprint"),
        ]
        for (name, change, mention) in cases {
            var (t, m) = (good.tensors.mapValues { $0.clone() }, good.metadata)
            change(&t, &m)
            let path = out + "/\(name.replacingOccurrences(of: " ", with: "-")).safetensors"
            try SafeTensors.write(t, metadata: m, to: path)
            let resume = try Battery.run(["train", "--data-dir", data, "--model", "784-16-10", "--epochs", "3", "--resume", path])
            assertOneLineError(resume, mentions: [path, mention])
            if name == "nan weight" {
                let evaluate = try Battery.run(["evaluate", path, "--data-dir", data, "--out", out])
                assertOneLineError(evaluate, mentions: [path, mention])
            }
        }
    }
}
