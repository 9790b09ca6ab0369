import Foundation
import XCTest
@testable import Descent

final class CheckpointTests: XCTestCase {
    func sampleTensors() -> [String: Tensor] {
        ["encoder.weight": Tensor(shape: [2, 3], values: [1, -2, 3.5, 0, 1e-8, -0.25]),
         "encoder.bias": Tensor(shape: [2], values: [0.5, -0.5]),
         "optimizer/encoder.weight.exp_avg": Tensor(shape: [2, 3], values: [6, 5, 4, 3, 2, 1]),
         "optimizer/optimizer.step": Tensor(shape: [1], values: [7])]
    }

    /// The bytes follow the safetensors layout exactly (checked without the library, so
    /// this runs everywhere).
    func testByteLevelFormat() throws {
        let bytes = try SafeTensors.encode(sampleTensors(), metadata: ["epochs_done": "3"])
        var n = 0
        for i in 0..<8 { n |= Int(bytes[i]) << (8 * i) }
        XCTAssertEqual(n % 8, 0)
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as! [String: Any]
        XCTAssertEqual((header["__metadata__"] as? [String: String])?["epochs_done"], "3")
        let bias = header["encoder.bias"] as! [String: Any]
        XCTAssertEqual(bias["dtype"] as? String, "F32")
        XCTAssertEqual(bias["shape"] as? [Int], [2])
        // Tensors are laid out in name order, back to back, from offset 0.
        let names = sampleTensors().keys.sorted()
        var expected = 0
        for name in names {
            let o = (header[name] as! [String: Any])["data_offsets"] as! [Int]
            XCTAssertEqual(o[0], expected, name)
            expected = o[1]
        }
        XCTAssertEqual(bytes.count, 8 + n + expected)
        // encoder.bias comes first: 0.5 little-endian is 00 00 00 3f.
        let o = (bias["data_offsets"] as! [Int])[0]
        XCTAssertEqual(Array(bytes[(8 + n + o)..<(8 + n + o + 4)]), [0x00, 0x00, 0x00, 0x3F])
        // Round trip.
        let (t, m) = try SafeTensors.decode(bytes)
        XCTAssertEqual(m["epochs_done"], "3")
        for (k, v) in sampleTensors() {
            XCTAssertEqual(t[k]?.shape, v.shape)
            XCTAssertEqual(t[k]?.toArray(), v.toArray())
        }
        XCTAssertThrowsError(try SafeTensors.decode(Array(bytes.prefix(bytes.count - 1))))
    }

    /// Python's safetensors + numpy read our file (the Python of `Support.interopPython`).
    func testPythonSafetensorsReadsTheFile() throws {
        let python = try Support.interopPython()
        let dir = Support.temporaryFolder()
        let path = dir + "/model.safetensors"
        try SafeTensors.write(sampleTensors(), metadata: ["epochs_done": "3"], to: path)
        let script = """
            import sys, json
            from safetensors.numpy import load_file
            from safetensors import safe_open
            t = load_file(sys.argv[1])
            with safe_open(sys.argv[1], framework="numpy") as f: meta = f.metadata()
            print(json.dumps({"meta": meta, "tensors": {k: {"shape": list(v.shape), "dtype": str(v.dtype), "values": [float(x) for x in v.ravel()]} for k, v in t.items()}}))
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", script, path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "\(python) cannot read the file (numpy and safetensors installed?)")
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        XCTAssertEqual((object["meta"] as? [String: String])?["epochs_done"], "3")
        let tensors = object["tensors"] as! [String: [String: Any]]
        XCTAssertEqual(Set(tensors.keys), Set(sampleTensors().keys))
        for (k, v) in sampleTensors() {
            XCTAssertEqual(tensors[k]?["dtype"] as? String, "float32")
            XCTAssertEqual(tensors[k]?["shape"] as? [Int], v.shape)
            XCTAssertEqual((tensors[k]?["values"] as? [Double])?.map(Float.init), v.toArray(), k)
        }
    }

    /// Training 2 epochs equals training 1, saving, loading into a fresh model and
    /// optimizer, and training 1 more — bit for bit (noise, dropout and order are derived
    /// from the seed and the epoch; the optimizer state travels in the checkpoint), for an
    /// autoencoder with noise and dropout and for a classifier with dropout.
    func testResumedTrainingEqualsUninterruptedTraining() throws {
        var g = RandomGenerator(seed: 1)
        let pixels = (0..<(300 * 36)).map { _ in UInt8(g.below(256)) }
        let set = try ImageSet(count: 300, height: 6, width: 6, pixels: pixels, labels: (0..<300).map { UInt8($0 % 3) })
        let autoencoder = try ModelSpec.autoencoder(sizes: [36, 8], dropout: 0.2)
        let classifier = try ModelSpec.mlp(sizes: [36, 16, 3], inputDropout: 0.1, hiddenDropout: 0.3)
        for spec in [autoencoder, classifier] {
            func make() throws -> Trainer {
                try Trainer(try Network(spec, seed: 5), optimizer: try OptimizerConfig(kind: .adam).make(), loss: spec.loss.make(),
                            batchSize: 32, corruption: spec.loss == .meanSquaredError ? 0.3 : 0, seed: 5)
            }
            let t1 = try make()
            let straight = try t1.fit(train: .images(set), test: .images(set), epochs: 2)

            let t2 = try make()
            _ = try t2.fit(train: .images(set), test: .images(set), epochs: 1)
            let path = Support.temporaryFolder() + "/model.safetensors"
            try Checkpoint.save(t2.network, optimizer: t2.optimizer, epochsDone: t2.epochsDone, history: [], to: path)

            let t3 = try make()
            let loaded = try Checkpoint.read(path)
            try loaded.restore(into: t3.network, optimizer: t3.optimizer)
            t3.epochsDone = loaded.epochsDone
            XCTAssertEqual(loaded.epochsDone, 1)
            XCTAssertEqual(try loaded.modelSpec(), spec)
            let resumed = try t3.fit(train: .images(set), test: .images(set), epochs: 1)
            XCTAssertEqual(resumed[0].epoch, 2)
            XCTAssertEqual(resumed[0].trainLoss, straight[1].trainLoss)
            XCTAssertEqual(resumed[0].testLoss, straight[1].testLoss)
            XCTAssertEqual(t3.network.parameters.flatMap { $0.value.toArray() }, t1.network.parameters.flatMap { $0.value.toArray() })
            // The checkpoint alone rebuilds the trained network.
            XCTAssertEqual(try loaded.makeNetwork().parameters.flatMap { $0.value.toArray() },
                           t2.network.parameters.flatMap { $0.value.toArray() })
        }
    }
}
