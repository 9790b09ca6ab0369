import Foundation
import XCTest
@testable import Descent

/// Numbers from files and from the text form that are out of range (kinds 1, 2 and 6 of the
/// reliability battery): each is refused with a sentence before any arithmetic can overflow
/// or anything is allocated, and a checkpoint is used only when it is complete, finite,
/// consistent and of the data it is resumed on.
final class HostileFilesTests: XCTestCase {
    // MARK: - The text form and model JSON

    /// Sizes whose products or sums overflow 64 bits, and sizes that merely do not fit:
    /// each is one `DescentError`, never a trap.
    func testTextFormSizesThatWouldOverflowAreRefused() {
        let texts = [
            "4294967296x4294967296: linear(10)",                              // 2⁶⁴ values
            "3037000500x3037000500x7: linear(10)",
            "65536x65536: linear(3)",                                          // 2³², no overflow, too large
            "1x28x28: conv2d(6, 3, padding=4611686018427387904), flatten, linear(10)",
            "1x28x28: conv2d(6, 3, padding=-4611686018427387904), flatten, linear(10)",
            "1x28x28: conv2d(6, 3, stride=9223372036854775807), flatten, linear(10)",
            "1x28x28: conv2d(70000, 3, padding=700), flatten, linear(10)",      // 70000·1426² values
            "1x28x28: maxpool2d(3, stride=5000000000), flatten, linear(10)",
            "1x28x28: upsample(2147483647), flatten, linear(10)",
            "784: linear(8589934592), linear(10)",
            "784: reshape(2147483647, 2147483647, 2147483647), flatten, linear(10)",
            "1x28x28: convtranspose2d(4, 3, stride=2147483647), flatten, linear(10)",
        ]
        for text in texts {
            XCTAssertThrowsError(try ModelSpec.parse(text), text) { error in
                XCTAssertTrue(error is DescentError, "\(text): \(error)")
            }
        }
        // The limit itself still describes a model.
        XCTAssertNoThrow(try ModelSpec.parse("1x2x1073741823: flatten, linear(2)"))
    }

    /// The same sizes arriving as JSON (a record's or a checkpoint's model) are a decoding
    /// error, which the readers turn into a named, skipped line or a one-line error.
    func testModelJSONWithAbsurdSizesIsADecodingError() {
        let bad = [
            #"{"input": [3037000500, 3037000500], "layers": [{"kind": "linear", "units": 10}], "loss": "cross-entropy"}"#,
            #"{"input": [1, 28, 28], "layers": [{"kind": "conv2d", "out_channels": 4, "kernel": 3, "padding": 9223372036854775807}, {"kind": "flatten"}, {"kind": "linear", "units": 10}], "loss": "cross-entropy"}"#,
            #"{"input": [1, 28, 28], "layers": [{"kind": "linear", "units": -3}], "loss": "cross-entropy"}"#,
            #"{"input": [0], "layers": [{"kind": "linear", "units": 3}], "loss": "cross-entropy"}"#,
            #"{"input": [2, 2, 2, 2], "layers": [{"kind": "linear", "units": 3}], "loss": "cross-entropy"}"#,
        ]
        for json in bad {
            XCTAssertThrowsError(try JSONDecoder().decode(ModelSpec.self, from: Data(json.utf8)), json) { error in
                XCTAssertTrue(error is DecodingError, "\(json): \(error)")
            }
        }
    }

    /// A results file with such lines among good ones: each bad line is named and skipped,
    /// and every good record is still read (one line never disables a folder).
    func testRecordsWithAbsurdModelsAreNamedAndSkipped() throws {
        let fixture = Support.fixtures.appendingPathComponent("results/results.jsonl").path
        let good = try ResultsStore(path: fixture).read().records
        XCTAssertFalse(good.isEmpty)
        let lines = try String(contentsOfFile: fixture, encoding: .utf8).split(separator: "\n").map(String.init)
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        var config = try XCTUnwrap(object["config"] as? [String: Any])
        var text = lines
        for model in [
            ["input": [1, 28, 28], "layers": [["kind": "conv2d", "out_channels": 4, "kernel": 3, "padding": 1 << 62],
                                              ["kind": "flatten"], ["kind": "linear", "units": 10]], "loss": "cross-entropy"] as [String: Any],
            ["input": [1 << 40, 1 << 40], "layers": [["kind": "linear", "units": 10]], "loss": "cross-entropy"],
        ] {
            config["model"] = model
            object["config"] = config
            text.insert(String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self), at: 1)
        }
        let path = Support.temporaryFolder() + "/results.jsonl"
        try (text.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let before = try ResultsStore(path: fixture).read().rejected
        let contents = try ResultsStore(path: path).read()
        XCTAssertEqual(contents.records.map(\.key), good.map(\.key))
        XCTAssertEqual(contents.rejected.map(\.line), [2, 3] + before.map { $0.line + 2 })
        for r in contents.rejected.prefix(2) { XCTAssertTrue(r.reason.contains("config.model"), r.description) }
    }

    // MARK: - Checkpoints

    /// A classifier trained for one epoch with Adam, saved as a descent checkpoint.
    func trainedCheckpoint() throws -> (path: String, tensors: [String: Tensor], metadata: [String: String]) {
        let spec = try ModelSpec.parse("784: linear(12), relu, linear(10)")
        let network = try Network(spec, seed: 3)
        let trainer = try Trainer(network, optimizer: try Adam(), loss: SoftmaxCrossEntropy(), batchSize: 16, seed: 3)
        let history = try trainer.fit(train: .images(MalformedInputs.set(count: 48)), test: .images(MalformedInputs.set(count: 24)), epochs: 1)
        let path = Support.temporaryFolder() + "/model.safetensors"
        try Checkpoint.save(network, optimizer: trainer.optimizer, epochsDone: 1, run: "{}", history: history,
                            metadata: [Checkpoint.dataFingerprintKey: "0123456789abcdef"], to: path)
        let (tensors, metadata) = try SafeTensors.read(path)
        return (path, tensors, metadata)
    }

    /// Writes a changed copy and returns what reading and restoring it (into a fresh network
    /// and Adam, as `--resume` does) throws, or nil.
    func problem(_ change: (inout [String: Tensor], inout [String: String]) -> Void) throws -> String? {
        var (path, tensors, metadata) = try trainedCheckpoint()
        change(&tensors, &metadata)
        try SafeTensors.write(tensors, metadata: metadata, to: path)
        do {
            let c = try Checkpoint.read(path)
            let network = try Network(try c.modelSpec(), seed: 0)
            try c.restore(into: network, optimizer: try Adam())
            _ = try c.history()
            return nil
        } catch let e as DescentError {
            XCTAssertTrue(e.message.contains(path), e.message)
            return e.message
        }
    }

    func testCheckpointMetadataIsCheckedNotDefaulted() throws {
        XCTAssertNil(try problem { _, _ in }, "the untouched checkpoint loads")
        for bad in ["-5", "seven", "", "1.5", "99999999999999999999", "2000000"] {
            let m = try problem { _, m in m["epochs_done"] = bad }
            XCTAssertTrue(m?.contains("epochs_done") ?? false, "epochs_done '\(bad)': \(m ?? "accepted")")
        }
        let noEpochs = try problem { _, m in m["epochs_done"] = nil }
        XCTAssertTrue(noEpochs?.contains("no epochs_done") ?? false, noEpochs ?? "accepted")
        for bad in ["0", "100000", "-1", "four", "65"] {
            let m = try problem { _, m in m["threads"] = bad }
            XCTAssertTrue(m?.contains("threads") ?? false, "threads '\(bad)': \(m ?? "accepted")")
        }
        // A history that does not hold exactly epochs 1…epochs_done.
        let longer = try problem { _, m in
            let one = m["history"]!.dropFirst().dropLast()
            m["history"] = "[\(one),\(one),\(one)]"
        }
        XCTAssertTrue(longer?.contains("history holds 3 epoch(s)") ?? false, longer ?? "accepted")
        let shorter = try problem { _, m in m["epochs_done"] = "2" }
        XCTAssertTrue(shorter?.contains("history holds 1 epoch(s)") ?? false, shorter ?? "accepted")
    }

    func testCheckpointOptimizerStateMustBeCompleteAndValid() throws {
        let none = try problem { t, _ in t = t.filter { !$0.key.hasPrefix(Checkpoint.optimizerPrefix) } }
        XCTAssertTrue(none?.contains("optimizer state is incomplete") ?? false, none ?? "accepted")
        let one = try problem { t, _ in t["optimizer/layers.2.bias.step"] = nil }
        XCTAssertTrue(one?.contains("layers.2.bias.step") ?? false, one ?? "accepted")
        let slot = try problem { t, _ in t["optimizer/layers.0.weight.exp_avg"] = nil }
        XCTAssertTrue(slot?.contains("exp_avg") ?? false, slot ?? "accepted")
        for bad: Float in [.nan, -3, 2.5, .infinity, 1e9] {
            let m = try problem { t, _ in t["optimizer/layers.0.bias.step"] = Tensor(shape: [1], values: [bad]) }
            XCTAssertTrue(m?.contains("layers.0.bias.step") ?? false, "step \(bad): \(m ?? "accepted")")
            let total = try problem { t, _ in t["optimizer/optimizer.step"] = Tensor(shape: [1], values: [bad]) }
            XCTAssertNotNil(total, "optimizer.step \(bad) accepted")
        }
        let negative = try problem { t, _ in t["optimizer/layers.2.weight.exp_avg_sq"]!.data[5] = -1e-6 }
        XCTAssertTrue(negative?.contains("negative") ?? false, negative ?? "accepted")
    }

    func testCheckpointWithNonFiniteValuesIsRefused() throws {
        for (name, value) in [("layers.0.weight", Float.nan), ("layers.2.bias", -.infinity),
                              ("optimizer/layers.0.weight.exp_avg", .nan), ("optimizer/layers.2.weight.exp_avg_sq", .infinity)] {
            let m = try problem { t, _ in t[name]!.data[1] = value }
            XCTAssertTrue(m?.contains("'\(name)'") ?? false, "\(name) = \(value): \(m ?? "accepted")")
            XCTAssertTrue(m?.contains("NaN or infinite") ?? false, m ?? "accepted")
        }
    }

    /// A header naming one tensor twice (JSON keeps the last; a reader must not guess).
    func testDuplicateTensorNamesAreRefused() throws {
        let bytes = try SafeTensors.encode(["a": Tensor(shape: [1], values: [1]), "b": Tensor(shape: [1], values: [2])])
        var n = 0
        for i in 0..<8 { n |= Int(bytes[i]) << (8 * i) }
        for (from, to) in [("\"b\"", "\"a\""), ("\"b\"", "\"\\u0061\"")] {
            var header = String(decoding: bytes[8..<(8 + n)], as: UTF8.self).replacingOccurrences(of: from, with: to)
            while header.utf8.count % 8 != 0 { header += " " }
            var changed: [UInt8] = []
            withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { changed += $0 }
            changed += Array(header.utf8) + bytes[(8 + n)...]
            XCTAssertThrowsError(try SafeTensors.decode(changed)) { error in
                XCTAssertTrue("\(error)".contains("names 'a' more than once"), "\(error)")
            }
        }
        XCTAssertNil(JSONKeys.firstRepeatedTopLevelKey(Array(#"{"a": {"a": 1, "x": "a"}, "b": ["a", "a"], "c": "a"}"#.utf8)))
        XCTAssertEqual(JSONKeys.firstRepeatedTopLevelKey(Array(#"{"x\"y": 1, "z": {}, "x\"y" : 2}"#.utf8)), "x\"y")
    }

    /// A NaN weight behind a ReLU: the forward pass turns it into 0, so neither the loss
    /// nor any gradient is ever NaN; the weights' own check at the end of the epoch stops
    /// the run.
    func testNaNWeightBehindAReLUStopsTheEpoch() throws {
        let spec = try ModelSpec.parse("784: linear(12), relu, linear(10)")
        let network = try Network(spec, seed: 5)
        let trainer = try Trainer(network, optimizer: try SGD(learningRate: 0.01), loss: SoftmaxCrossEntropy(), batchSize: 16, seed: 5)
        // Unit 3 of the hidden layer: a NaN bias (its pre-activation is NaN for every image).
        let bias = network.parameters.first { $0.name == "layers.0.bias" }!
        bias.value.data[3] = .nan
        XCTAssertThrowsError(try trainer.trainEpoch(.images(MalformedInputs.set(count: 48)))) { error in
            XCTAssertEqual((error as? DivergenceError)?.what, "weights of layers.0.bias", "\(error)")
            XCTAssertEqual((error as? DivergenceError)?.epoch, 1)
        }
    }
}
