import Foundation
import XCTest
@testable import Descent

/// Same seed and thread count ⇒ bit-identical results across separate processes.
/// (seed-ae determinism comes with the autoencoder command.)
final class ReliabilityDeterminismTests: XCTestCase {
    /// Real Fashion-MNIST images if installed, else the synthetic battery dataset.
    func dataFolder() throws -> String {
        if Support.fashionMNIST != nil { return try Support.fashionSlice(train: 1000, test: 300) }
        let dir = Support.temporaryFolder("determinism-data")
        try MalformedInputs.writeValid(dir)
        return dir
    }

    /// JSON lines without the wall-clock `seconds` field. JSONEncoder prints the shortest
    /// text that round-trips a Double, so equal text means equal bits.
    static func withoutSeconds(_ text: String) -> [String] {
        text.split(separator: "\n").map {
            $0.replacingOccurrences(of: #""seconds":[^,}]*,?"#, with: "", options: .regularExpression)
        }
    }

    /// A short seed-mlp-shaped run (dropout on, reshuffled epochs) in two processes, per thread count.
    func testTrainIsBitIdenticalAcrossProcesses() throws {
        let data = try dataFolder()
        for threads in [1, 2] {
            var outputs: [(stdout: [String], metrics: [String])] = []
            for _ in 0..<2 {
                let out = Support.temporaryFolder("det\(threads)")
                let r = try Support.descent(["train", "--data-dir", data, "--model", "784-64-64-10", "--optimizer", "adam",
                                             "--epochs", "3", "--batch-size", "64", "--json", "--threads", "\(threads)",
                                             "--seed", "5", "--out", out])
                XCTAssertEqual(r.status, 0, r.stderr)
                let metrics = try String(contentsOfFile: out + "/metrics.jsonl", encoding: .utf8)
                outputs.append((Self.withoutSeconds(r.stdout), Self.withoutSeconds(metrics)))
            }
            XCTAssertEqual(outputs[0].stdout.count, 3)
            XCTAssertEqual(outputs[0].stdout, outputs[1].stdout, "threads \(threads)")
            XCTAssertEqual(outputs[0].metrics, outputs[1].metrics, "threads \(threads)")
            XCTAssertEqual(outputs[0].stdout, outputs[0].metrics)
            print("determinism: --threads \(threads): 2 processes, \(outputs[0].stdout.count) epochs bit-identical")
        }
        // A different seed gives different numbers (the comparison can fail).
        let other = try Support.descent(["train", "--data-dir", data, "--model", "784-64-64-10", "--optimizer", "adam",
                                         "--epochs", "1", "--batch-size", "64", "--json", "--threads", "1", "--seed", "6"])
        let first = try Support.descent(["train", "--data-dir", data, "--model", "784-64-64-10", "--optimizer", "adam",
                                         "--epochs", "1", "--batch-size", "64", "--json", "--threads", "1", "--seed", "5"])
        XCTAssertNotEqual(Self.withoutSeconds(other.stdout), Self.withoutSeconds(first.stdout))
    }

    /// A sweep resumed run by run (or split into shards) gives the same numbers as one
    /// uninterrupted: each run's BLAS thread count must not depend on how many runs are pending.
    func testResumedSweepMatchesUninterruptedOneWithAllCores() throws {
        let data = try dataFolder()
        func sweep(_ out: String, _ extra: [String] = []) throws {
            let r = try Support.descent(["compare", "--data-dir", data, "--out", out, "--optimizers", "adam", "--seeds", "3",
                                         "--epochs", "1", "--train-limit", "600", "--model", "784-256-10", "--threads", "2",
                                         "--no-report"] + extra)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        func comparable(_ folder: String) throws -> [String: [EpochMetrics]] {
            Dictionary(uniqueKeysWithValues: try ResultsStore(path: folder + "/results.jsonl").read().records.map { r in
                (r.key, r.epochs.map { var m = $0; m.seconds = 0; return m })
            })
        }
        let whole = Support.temporaryFolder("whole")
        try sweep(whole)
        let pieces = Support.temporaryFolder("pieces")
        try sweep(pieces, ["--shard", "0/3"])   // one run pending: it used to get both cores
        try sweep(pieces, ["--shard", "2/3"])
        try sweep(pieces)                        // resumes the last one alone
        XCTAssertEqual(try comparable(pieces).count, 3)
        XCTAssertEqual(try comparable(pieces), try comparable(whole))
    }

    /// Weights after training, compared across two processes: `determinism-probe` (an
    /// executable of this package) trains a small MLP and writes the raw Float bits; seed 5
    /// twice, then seed 6, which must differ (so the comparison can fail).
    func testWeightsAreBitIdenticalAcrossProcesses() throws {
        let folder = Support.temporaryFolder("weights")
        var digests: [String] = []
        for (i, seed) in ["5", "5", "6"].enumerated() {
            let file = folder + "/weights-\(i).bin"
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Support.executable("determinism-probe"))
            p.arguments = [file, seed]
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
            let bytes = try XCTUnwrap(FileManager.default.contents(atPath: file), "the probe wrote no weights")
            XCTAssertEqual(bytes.count, 4 * (784 * 128 + 128 + 128 * 10 + 10))
            digests.append(SHA256.hex(of: Array(bytes)))
        }
        XCTAssertEqual(digests[0], digests[1])
        XCTAssertNotEqual(digests[0], digests[2])
    }

    /// seed-ae (784-100-784 sigmoid, masking noise 0.3, minibatch 100) in two separate
    /// processes, on 1 and on 2 threads: bit-identical per-epoch metrics and weights.
    func testSeedAEIsBitIdenticalAcrossProcesses() throws {
        for threads in [1, 2] { try checkSeedAE(threads: threads) }
    }

    /// LeNet-5 (convolutions, pooling, products split over the pool) in two separate
    /// processes, on 1 and on 2 threads: bit-identical per-epoch metrics and weights.
    func testLeNet5IsBitIdenticalAcrossProcesses() throws {
        let data = try dataFolder()
        for threads in [1, 2] {
            var runs: [(stdout: [String], weights: [String: [Float]])] = []
            for _ in 0..<2 {
                let out = Support.temporaryFolder("lenet\(threads)")
                let r = try Support.descent(["train", "--data-dir", data, "--model", "lenet5", "--optimizer", "adam",
                                             "--epochs", "2", "--train-limit", "512", "--batch-size", "64", "--json",
                                             "--threads", "\(threads)", "--seed", "4", "--out", out])
                XCTAssertEqual(r.status, 0, r.stderr)
                let (tensors, _) = try SafeTensors.read(out + "/model.safetensors")
                runs.append((Self.withoutSeconds(r.stdout), tensors.mapValues { $0.toArray() }))
            }
            XCTAssertEqual(runs[0].stdout.count, 2)
            XCTAssertEqual(runs[0].stdout, runs[1].stdout, "threads \(threads)")
            XCTAssertFalse(runs[0].weights.isEmpty)
            for (name, w) in runs[0].weights {
                XCTAssertTrue(w.elementsEqual(runs[1].weights[name]!) { $0.bitPattern == $1.bitPattern }, "\(name), threads \(threads)")
            }
        }
    }

    func checkSeedAE(threads: Int) throws {
        let data = try Support.fashionSlice(train: 1000, test: 200)
        var runs: [(history: [[String: Double]], weights: [String: [Float]])] = []
        for _ in 0..<2 {
            let out = Support.temporaryFolder("seedae")
            let r = try Support.descent(["autoencoder", "--data-dir", data, "--hidden", "100", "--activation", "sigmoid",
                                         "--corruption", "0.3", "--dropout", "0", "--optimizer", "adam", "--epochs", "2",
                                         "--seed", "7", "--threads", "\(threads)", "--probe-epochs", "0", "--no-pca", "--no-pictures",
                                         "--out", out])
            XCTAssertEqual(r.status, 0, r.stderr)
            let folder = try FileManager.default.contentsOfDirectory(atPath: out).first { $0.hasPrefix("ae_") }!
            let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(out)/\(folder)/metrics.json"))) as! [String: Any]
            let history = (metrics["history"] as! [[String: Any]]).map { epoch in
                epoch.compactMapValues { $0 as? Double }.filter { !$0.key.contains("second") }
            }
            let (tensors, _) = try SafeTensors.read("\(out)/\(folder)/model.safetensors")
            runs.append((history, tensors.mapValues { $0.toArray() }))
        }
        XCTAssertEqual(runs[0].history.count, 2)
        XCTAssertEqual(runs[0].history, runs[1].history, "threads \(threads)")
        XCTAssertEqual(Set(runs[0].weights.keys), Set(runs[1].weights.keys))
        XCTAssertFalse(runs[0].weights.isEmpty)
        for (name, w) in runs[0].weights {
            XCTAssertTrue(w.elementsEqual(runs[1].weights[name]!) { $0.bitPattern == $1.bitPattern }, name)
        }
    }
}
