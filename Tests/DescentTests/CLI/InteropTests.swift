import XCTest
@testable import Descent

/// Models that leave Descent, checked by the real consumers (`Tools/interop_check.py` in the
/// virtualenv of `Tools/python-venv.sh`): PyTorch rebuilds lenet5, seed-mlp, a CNN with batch normalisation, resnet-fmnist, conv-ae and a
/// network holding every layer kind from their checkpoints, ONNX Runtime runs their
/// `descent export`, and both give Descent's outputs on 1,000 Fashion-MNIST test images
/// within 1e-5, with the same predicted class; PyTorch's evaluation gives `descent evaluate`'s
/// accuracy exactly.
final class InteropTests: XCTestCase {
    static let tolerance = 1e-5
    static let testImages = 1000

    /// Every built-in kind at least once: tied decoder, tanh, masking, sparsity, dropout, conv
    /// with padding=same and without bias, average pooling with padding, upsampling, reshape,
    /// transposed convolution with output_padding, leakyrelu, gelu and silu (fused into the
    /// layer before them, and standing alone after a flatten and a sparsity layer), batchnorm2d
    /// and batchnorm1d (their running statistics moved by two training passes), residual
    /// blocks with an identity and a projection shortcut.
    static let everyKind = """
        1x28x28: masking(0.2), conv2d(4, 4, padding=same, bias=false, init=he), tanh, avgpool2d(3, stride=2, padding=1),
        conv2d(6, 3, stride=2), batchnorm2d, relu, residual(conv2d(6, 3, padding=same), batchnorm2d, relu, conv2d(6, 3, padding=same)),
        residual(conv2d(8, 3, stride=2, padding=1)), maxpool2d(2, stride=1, padding=1), flatten, gelu, dropout(0.2), linear(64),
        batchnorm1d(momentum=0.5, eps=0.001), sigmoid, sparsity(0.05, 0.1), silu, linear(30), tanh | linear(64, tied=18), leakyrelu,
        reshape(4, 4, 4), upsample(2),
        convtranspose2d(2, 3, stride=2, padding=1, output_padding=1), gelu, convtranspose2d(1, 4, stride=2, padding=3), silu,
        conv2d(1, 3, padding=same), leakyrelu, conv2d(1, 1), relu, sigmoid; loss=mse
        """

    /// A classifier with batch normalisation, trained: its running statistics are those of the data.
    static let batchNormCNN = "1x28x28: conv2d(6, 5), batchnorm2d, relu, maxpool2d(2), flatten, linear(32), batchnorm1d, relu, linear(10)"

    /// The checkpoints, written once: trained one epoch on 500 images (lenet5, seed-mlp,
    /// bn-cnn, resnet-fmnist, conv-ae) or freshly initialised (every kind, its running statistics moved).
    struct Fixture {
        let data: String
        let checkpoints: [(name: String, path: String, classifier: Bool)]
    }

    nonisolated(unsafe) static var fixture: Fixture?

    static func makeFixture() throws -> Fixture {
        if let fixture { return fixture }
        let data = try Support.fashionSlice(train: 500, test: testImages)
        let out = Support.temporaryFolder("interop")
        var checkpoints: [(String, String, Bool)] = []
        for (name, model) in [("lenet5", "lenet5"), ("seed-mlp", "seed-mlp"), ("bn-cnn", batchNormCNN), ("resnet-fmnist", "resnet-fmnist")] {
            let r = try Support.descent(["train", "--data-dir", data, "--model", model, "--epochs", "1", "--threads", "1", "--out", out + "/" + name])
            XCTAssertEqual(r.status, 0, r.stderr)
            checkpoints.append((name, out + "/\(name)/model.safetensors", true))
        }
        let r = try Support.descent(["autoencoder", "--data-dir", data, "--model", "conv-ae", "--epochs", "1", "--threads", "1",
                                     "--probe-epochs", "0", "--no-pca", "--no-pictures", "--out", out + "/conv-ae"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // autoencoder writes its run into a folder named after the run, inside --out
        let run = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: out + "/conv-ae").first)
        checkpoints.append(("conv-ae", out + "/conv-ae/\(run)/model.safetensors", false))
        let every = try Network(try ModelSpec.parse(everyKind), seed: 3)
        for seed in UInt64(1)...2 { _ = every.forward(GradientCheck.random([16, 1, 28, 28], seed: seed, low: 0, high: 1), training: true) }
        try Checkpoint.save(every, optimizer: nil, epochsDone: 0, to: out + "/every-kind.safetensors")
        checkpoints.append(("every-kind", out + "/every-kind.safetensors", false))
        let f = Fixture(data: data, checkpoints: checkpoints)
        fixture = f
        return f
    }

    /// Descent's outputs on the test images of `data`: writes the images' bytes, the
    /// network's float32 outputs (evaluation mode) and, for an autoencoder, its codes (the
    /// encoder's outputs) for `interop_check.py`.
    static func descentOutputs(_ checkpoint: String, data: String, into folder: String) throws -> (inputs: String, outputs: String, codes: String?) {
        let network = try Checkpoint.read(checkpoint).makeNetwork()
        let test = try XCTUnwrap(Support.fashionMNIST).test.prefix(testImages)
        var outputs: [Float] = [], codes: [Float] = []
        let batch = 250
        for start in stride(from: 0, to: test.count, by: batch) {
            let n = min(batch, test.count - start)
            let bytes = test.pixels[(start * test.featureCount)..<((start + n) * test.featureCount)]
            let x = Tensor(shape: [n] + test.shape, values: bytes.map { Float($0) / 255 })
            outputs += network.forward(x, training: false).toArray()
            if network.encoderLayerCount != nil { codes += network.encode(x).toArray() }
        }
        let (inputs, outputsPath, codesPath) = (folder + "/inputs.u8", folder + "/outputs.f32", folder + "/codes.f32")
        try Data(test.pixels).write(to: URL(fileURLWithPath: inputs))
        try outputs.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: outputsPath)) }
        guard network.encoderLayerCount != nil else { return (inputs, outputsPath, nil) }
        try codes.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: codesPath)) }
        return (inputs, outputsPath, codesPath)
    }

    /// TensorBoard's reader on the run folder (under `board`) of one sweep record, checked
    /// against the record's epochs written as a metrics.jsonl into `scratch`, and the record's
    /// learning rate: `interop_check.py tensorboard`'s answer.
    static func readBack(_ record: RunRecord, runs: [String], in board: String, scratch: String) throws -> [String: Any] {
        let run = try XCTUnwrap(runs.first { $0.hasSuffix("-" + record.key) })
        let metrics = scratch + "/\(record.key).jsonl"
        let lines = try record.epochs.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: metrics, atomically: true, encoding: .utf8)
        let rate = try record.config.optimizer.make().learningRate
        return try python("interop_check.py", ["tensorboard", board + "/" + run, metrics, "--learning-rate", "\(rate)"])
    }

    /// Runs `Tools/<script>` with the interop Python and returns the JSON object it prints.
    static func python(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let python = try Support.interopPython()
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../Tools/\(script)").standardized.path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [path] + arguments
        let pipe = Pipe(), errors = Pipe()
        p.standardOutput = pipe
        p.standardError = errors
        try p.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let object = try? JSONSerialization.jsonObject(with: output) as? [String: Any] else {
            throw DescentError("\(script) \(arguments.joined(separator: " ")) failed: " + String(decoding: stderr, as: UTF8.self).suffix(2000))
        }
        return object
    }

    /// Checks one consumer's comparison against Descent's outputs.
    func assertMatches(_ result: [String: Any], _ name: String, classifier: Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(result["count"] as? Int, Self.testImages, name, file: file, line: line)
        XCTAssertEqual(result["finite"] as? Bool, true, name, file: file, line: line)
        let diff = try XCTUnwrap(result["max_abs_diff"] as? Double, file: file, line: line)
        XCTAssertLessThanOrEqual(diff, Self.tolerance, "\(name): max |difference| \(diff)", file: file, line: line)
        if classifier { XCTAssertEqual(result["argmax_differences"] as? Int, 0, name, file: file, line: line) }
        print("\(name) \(result["backend"] ?? ""): max |difference| \(diff) over \(result["count"] ?? 0)×\(result["outputs"] ?? 0) outputs, \(result["argmax_differences"] ?? "?") argmax differences")
    }

    func testEveryLayerKindHasAnONNXForm() throws {
        let kinds = Registry.builtIn.layers
        let missing = kinds.filter { $0.onnx == nil }.map(\.name)
        XCTAssertEqual(missing, [], "layer kinds without an ONNX form (give their LayerKind an onnx form, and add them to descent_checkpoint.py)")
        let used = Set(try ModelSpec.parse(Self.everyKind).layers.map(\.kind))
        XCTAssertEqual(kinds.map(\.name).filter { !used.contains($0) }, [], "layer kinds missing from InteropTests.everyKind")
    }

    func testPyTorchRebuildsEveryCheckpoint() throws {
        let f = try Self.makeFixture()
        for (name, checkpoint, classifier) in f.checkpoints {
            let folder = Support.temporaryFolder("torch-\(name)")
            let (inputs, outputs, _) = try Self.descentOutputs(checkpoint, data: f.data, into: folder)
            let result = try Self.python("interop_check.py", ["torch", checkpoint, "--inputs", inputs, "--outputs", outputs])
            try assertMatches(result, name, classifier: classifier)
        }
    }

    /// PyTorch's evaluation of the classifiers is `descent evaluate`'s: the same accuracy and
    /// confusion matrix exactly, the loss within 1e-5, and every mistake evaluate lists
    /// (the 32 most confident) a mistake of torch's too, with its probability within 1e-5.
    func testPyTorchGivesDescentEvaluateAccuracy() throws {
        let f = try Self.makeFixture()
        for (name, checkpoint, classifier) in f.checkpoints where classifier {
            let e = try Support.descent(["evaluate", checkpoint, "--data-dir", f.data, "--out", Support.temporaryFolder("eval-\(name)"), "--json"])
            XCTAssertEqual(e.status, 0, e.stderr)
            let ours = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
            let theirs = try Self.python("descent_checkpoint.py", [checkpoint, "--data-dir", f.data, "--backend", "torch", "--json"])
            XCTAssertEqual(ours["test_images"] as? Int, Self.testImages)
            XCTAssertEqual(theirs["test_images"] as? Int, Self.testImages)
            XCTAssertEqual(try XCTUnwrap(theirs["accuracy"] as? Double), try XCTUnwrap(ours["accuracy"] as? Double), name)
            let confusion = try XCTUnwrap(ours["confusion"] as? [[Int]])
            XCTAssertEqual(theirs["confusion"] as? [[Int]], confusion, name)
            XCTAssertEqual(try XCTUnwrap(theirs["loss"] as? Double), try XCTUnwrap(ours["loss"] as? Double), accuracy: Self.tolerance, name)
            let listed = try XCTUnwrap(ours["mistakes"] as? [[String: Any]])
            let torch = try XCTUnwrap(theirs["mistakes"] as? [[Any]]).map { $0.map { ($0 as? NSNumber)?.doubleValue ?? .nan } }
            let wrong = confusion.enumerated().reduce(0) { $0 + $1.element.reduce(0, +) - $1.element[$1.offset] }
            XCTAssertEqual(torch.count, wrong, name)
            XCTAssertEqual(listed.count, min(32, wrong), name)
            let byIndex = Dictionary(uniqueKeysWithValues: torch.map { (Int($0[0]), $0) })
            var largest = 0.0
            for m in listed {
                let index = try XCTUnwrap(m["index"] as? Int)
                let t = try XCTUnwrap(byIndex[index], "\(name): image \(index) is a mistake of descent evaluate's, not of torch's")
                XCTAssertEqual(Int(t[1]), m["label"] as? Int, name)
                XCTAssertEqual(Int(t[2]), m["predicted"] as? Int, name)
                let confidence = try XCTUnwrap(m["confidence"] as? Double)
                XCTAssertEqual(t[3], confidence, accuracy: Self.tolerance, "\(name): image \(index)")
                largest = max(largest, abs(t[3] - confidence))
            }
            print("\(name): accuracy \(ours["accuracy"]!) (descent evaluate) = \(theirs["accuracy"]!) (\(theirs["backend"]!)), same confusion matrix; loss \(ours["loss"]!) vs \(theirs["loss"]!); \(listed.count) mistakes' probabilities within \(largest)")
        }
    }

    func testONNXRuntimeRunsEveryExport() throws {
        let f = try Self.makeFixture()
        for (name, checkpoint, classifier) in f.checkpoints {
            let folder = Support.temporaryFolder("onnx-\(name)")
            let onnx = folder + "/\(name).onnx"
            let r = try Support.descent(["export", checkpoint, "--onnx", onnx])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stdout.contains("opset 17"), r.stdout)
            let (inputs, outputs, codes) = try Self.descentOutputs(checkpoint, data: f.data, into: folder)
            let result = try Self.python("interop_check.py", ["onnx", onnx, "--inputs", inputs, "--outputs", outputs] + (codes.map { ["--codes", $0] } ?? []))
            XCTAssertEqual(result["checker"] as? String, "passed", name)
            XCTAssertEqual(result["opset"] as? Int, ONNX.opset, name)
            XCTAssertEqual(result["input"] as? String, "input", name)
            XCTAssertEqual(result["output"] as? String, "output", name)
            try assertMatches(result, name, classifier: classifier)
            // The names and shapes docs/interop.md states: input N × the model's input shape,
            // output N × the last layer's shape, code (autoencoders) N × the code's shape.
            let spec = try Checkpoint.read(checkpoint).modelSpec()
            let shapes = try spec.shapesAfterEachLayer()
            var expected = ["output": shapes.last!]
            if let k = spec.encoderLayers { expected["code"] = shapes[k - 1] }
            func described(_ values: Any?) -> [String] {
                (values as? [[String: Any]] ?? []).map { "\($0["name"] ?? "?") " + ($0["shape"] as? [Any] ?? []).map { "\($0)" }.joined(separator: "×") }
            }
            XCTAssertEqual(described(result["graph_inputs"]), ["input " + (["N"] + spec.inputShape.map(String.init)).joined(separator: "×")], name)
            XCTAssertEqual(described(result["graph_outputs"]), ["output", "code"].compactMap { o in
                expected[o].map { "\(o) " + (["N"] + $0.map(String.init)).joined(separator: "×") } }, name)
            XCTAssertEqual((result["run_shapes"] as? [String: [Int]])?.mapValues { $0 }, expected.mapValues { [Self.testImages] + $0 }, name)
            if codes != nil {
                let code = try XCTUnwrap(result["code"] as? [String: Any], name)
                XCTAssertEqual(code["count"] as? Int, Self.testImages, name)
                let diff = try XCTUnwrap(code["max_abs_diff"] as? Double)
                XCTAssertLessThanOrEqual(diff, Self.tolerance, "\(name) code: max |difference| \(diff)")
                print("\(name) code: max |difference| \(diff) over \(code["count"] ?? 0)×\(code["outputs"] ?? 0)")
            }
        }
    }

    /// Parameters of a checkpoint, as arrays by name (optimizer state left out).
    static func parameters(_ path: String) throws -> [String: [Float]] {
        try Checkpoint.read(path).tensors.filter { !$0.key.hasPrefix(Checkpoint.optimizerPrefix) }.mapValues { $0.toArray() }
    }

    /// Descent → torch → `--init-from`: lenet5's seed-0 initial weights, saved by torch as a
    /// state_dict, start a `train` run that ends bit for bit where the plain seed-0 run ends;
    /// conv-ae's and every-kind's trained or initial weights come back unchanged through
    /// `autoencoder --epochs 0`.
    func testInitFromRoundTripThroughTorch() throws {
        let f = try Self.makeFixture()
        let folder = Support.temporaryFolder()
        let lenet = try Network(try XCTUnwrap(ModelSpec.preset(named: "lenet5")), seed: 0)
        try Checkpoint.save(lenet, optimizer: nil, epochsDone: 0, to: folder + "/lenet-init.safetensors")
        let sd = folder + "/lenet-state-dict.safetensors"
        _ = try Self.python("interop_check.py", ["state-dict", folder + "/lenet-init.safetensors", sd])
        let r = try Support.descent(["train", "--data-dir", f.data, "--model", "lenet5", "--epochs", "1", "--threads", "1",
                                     "--init-from", sd, "--out", folder + "/lenet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let plain = try XCTUnwrap(f.checkpoints.first { $0.name == "lenet5" }).path
        XCTAssertEqual(try Self.parameters(folder + "/lenet/model.safetensors"), try Self.parameters(plain))
        XCTAssertEqual(try Checkpoint.read(folder + "/lenet/model.safetensors").metadata["init_from"], sd)

        // A Descent checkpoint is a state_dict too: its optimizer/… tensors are left out.
        let convAE = try XCTUnwrap(f.checkpoints.first { $0.name == "conv-ae" }).path
        XCTAssertFalse(try Checkpoint.read(convAE).tensors.keys.filter { $0.hasPrefix(Checkpoint.optimizerPrefix) }.isEmpty)
        let again = try Support.descent(["autoencoder", "--data-dir", f.data, "--model", "conv-ae", "--epochs", "0", "--threads", "1",
                                         "--probe-epochs", "0", "--no-pca", "--no-pictures", "--init-from", convAE, "--out", folder + "/again"])
        XCTAssertEqual(again.status, 0, again.stderr)
        let run = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: folder + "/again").first)
        XCTAssertEqual(try Self.parameters(folder + "/again/\(run)/model.safetensors"), try Self.parameters(convAE))

        for (name, model) in [("conv-ae", "conv-ae"), ("every-kind", Self.everyKind)] {
            let original = try XCTUnwrap(f.checkpoints.first { $0.name == name }).path
            let sd = folder + "/\(name)-state-dict.safetensors"
            _ = try Self.python("interop_check.py", ["state-dict", original, sd])
            let r = try Support.descent(["autoencoder", "--data-dir", f.data, "--model", model, "--epochs", "0", "--threads", "1",
                                         "--probe-epochs", "0", "--no-pca", "--no-pictures", "--init-from", sd, "--out", folder + "/" + name])
            XCTAssertEqual(r.status, 0, r.stderr)
            let run = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: folder + "/" + name).first)
            XCTAssertEqual(try Self.parameters(folder + "/\(name)/\(run)/model.safetensors"), try Self.parameters(original), name)
        }
    }

    /// A state_dict that does not fit the model: one line naming the first difference.
    func testInitFromMismatchNamesTheFirstDifference() throws {
        let f = try Self.makeFixture()
        let folder = Support.temporaryFolder()
        let small = try Network(try ModelSpec.parse("784: linear(50), relu, linear(10)"), seed: 1)
        var tensors = Dictionary(uniqueKeysWithValues: small.parameters.map { ($0.name, $0.value) })
        try SafeTensors.write(tensors, to: folder + "/small.safetensors")
        tensors["layers.7.weight"] = Tensor(shape: [2], values: [1, 2])
        try SafeTensors.write(tensors, to: folder + "/extra.safetensors")
        tensors = Dictionary(uniqueKeysWithValues: small.parameters.map { ($0.name, $0.value) })
        tensors["layers.0.bias"] = Tensor(shape: [50], values: [Float](repeating: .nan, count: 50))
        try SafeTensors.write(tensors, to: folder + "/nan.safetensors")
        let cases: [(model: String, file: String, expected: String)] = [
            ("784: linear(100), relu, linear(10)", "small", "'layers.0.weight' is 50×784, the model's is 100×784"),
            ("784: linear(50), relu, linear(10)", "extra", "'layers.7.weight' is not a parameter of the model"),
            ("784: linear(50), relu, linear(10)", "nan", "'layers.0.bias' holds nan at index 0; weights must be finite"),
            ("seed-mlp", "small", "no tensor 'layers.1.weight' (the model's 784×784 parameter)"),
            ("784: linear(50), relu, linear(10)", "missing", "cannot read"),
        ]
        for c in cases {
            let path = folder + "/\(c.file).safetensors"
            let r = try Support.descent(["train", "--data-dir", f.data, "--model", c.model, "--epochs", "1", "--threads", "1",
                                         "--init-from", path, "--out", folder + "/run-\(c.file)"])
            XCTAssertNotEqual(r.status, 0, c.file)
            XCTAssertEqual(r.stderr, "descent: error: --init-from: \(path): \(c.expected)" + (c.expected.hasSuffix("model") ? " (its parameters are layers.0.weight, layers.0.bias, layers.2.weight, layers.2.bias)" : "") + "\n", c.file)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/run-\(c.file)/model.safetensors"), c.file)
        }
        let both = try Support.descent(["train", "--model", "784-10", "--init-from", "a", "--resume", "b"])
        XCTAssertTrue(both.stderr.contains("--init-from starts a run, --resume continues one"), both.stderr)
    }

    /// TensorBoard's own reader (EventAccumulator) gets every scalar of a `train` run's
    /// metrics.jsonl back, and of each run of a `compare` (one folder per record key), equal
    /// as float32; the step scalars come every --log-every steps; a torn last record is
    /// skipped and everything before it is read.
    func testTensorBoardReadsTrainAndCompare() throws {
        let f = try Self.makeFixture()
        let folder = Support.temporaryFolder()
        let r = try Support.descent(["train", "--data-dir", f.data, "--model", "784-32-10", "--epochs", "3", "--threads", "1",
                                     "--out", folder + "/train", "--tensorboard", folder + "/tb/train", "--log-every", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let train = try Self.python("interop_check.py", ["tensorboard", folder + "/tb/train", folder + "/train/metrics.jsonl",
                                                          "--learning-rate", "0.001"])
        XCTAssertEqual(train["problems"] as? [String], [])
        XCTAssertEqual(train["checked"] as? Int, 3 * 4 + 3 + 6, "train_loss, test_loss, test_accuracy, seconds × 3 epochs; Adam's rate at 3 epochs and 6 steps")
        // 500 images in minibatches of 128: 4 steps per epoch, logged at steps 2 and 4.
        XCTAssertEqual(train["steps"] as? [Int], [2, 4, 6, 8, 10, 12])

        // The same log cut in the middle of its last record (epoch 3's scalars).
        let events = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: folder + "/tb/train").first)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: folder + "/tb/train/" + events))
        try FileManager.default.createDirectory(atPath: folder + "/torn", withIntermediateDirectories: true)
        try bytes.dropLast(7).write(to: URL(fileURLWithPath: folder + "/torn/" + events))
        let lines = try String(contentsOfFile: folder + "/train/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        try (lines.prefix(2).joined(separator: "\n") + "\n").write(toFile: folder + "/two.jsonl", atomically: true, encoding: .utf8)
        let torn = try Self.python("interop_check.py", ["tensorboard", folder + "/torn", folder + "/two.jsonl"])
        XCTAssertEqual(torn["problems"] as? [String], [])
        XCTAssertEqual(torn["checked"] as? Int, 2 * 4)
        XCTAssertEqual((torn["tag_steps"] as? [String: [Int]])?["epoch/test_loss"], [1, 2], "the torn record is not read")

        let c = try Support.descent(["compare", "--data-dir", f.data, "--model", "784-16-10", "--epochs", "2", "--seeds", "2",
                                     "--optimizers", "sgd,adam", "--threads", "1", "--jobs", "2", "--no-report", "--out", folder + "/compare",
                                     "--tensorboard", folder + "/tb/compare", "--log-every", "0"])
        XCTAssertEqual(c.status, 0, c.stderr)
        let records = try ResultsStore(path: folder + "/compare/results.jsonl").read().records
        XCTAssertEqual(records.count, 4)
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder + "/tb/compare")
        XCTAssertEqual(Set(runs), Set(records.map { "\($0.config.optimizer.kind.rawValue)-seed\($0.seed)-\($0.key)" }))
        for record in records {
            let result = try Self.readBack(record, runs: runs, in: folder + "/tb/compare", scratch: folder)
            XCTAssertEqual(result["problems"] as? [String], [], record.key)
            XCTAssertEqual(result["checked"] as? Int, 2 * 4 + 2, record.key)
            XCTAssertEqual(result["step_events"] as? Int, 0, record.key)
        }
    }

    /// A run killed while writing an event leaves a torn last record. The resumed run writes
    /// a new file beside it and never appends to the torn one; TensorBoard's reader skips the
    /// torn record, reads everything before it and all of the new file: every scalar of
    /// metrics.jsonl once, the step scalars at every --log-every steps of both processes.
    func testTornEventFileThenResumedRun() throws {
        let f = try Self.makeFixture()
        let folder = Support.temporaryFolder()
        let tb = folder + "/tb"
        func train(_ epochs: Int, _ more: [String]) throws {
            let r = try Support.descent(["train", "--data-dir", f.data, "--model", "784-32-10", "--epochs", "\(epochs)", "--threads", "1",
                                         "--tensorboard", tb, "--log-every", "2"] + more)
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        try train(2, ["--out", folder + "/run"])
        let torn = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: tb).first)
        // What a process killed while writing epoch 3's scalars leaves: the start of a record
        // (one claiming a test loss of 999 at epoch 3), cut inside its data.
        var event = ProtobufWriter()
        event.double(1, 0)
        event.int(2, 3)
        event.message(5) { s in s.message(1) { v in v.string(1, "epoch/test_loss"); v.float(2, 999) } }
        let record = TFRecordWriter.frame(event.bytes)
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: tb + "/" + torn))
        handle.seekToEndOfFile()
        handle.write(Data(record.prefix(record.count - 6)))
        try handle.close()
        let tornBytes = try XCTUnwrap(FileManager.default.contents(atPath: tb + "/" + torn))

        try train(4, ["--resume", folder + "/run/model.safetensors"])
        let files = try FileManager.default.contentsOfDirectory(atPath: tb)
        XCTAssertEqual(files.count, 2, "\(files)")
        XCTAssertEqual(FileManager.default.contents(atPath: tb + "/" + torn), tornBytes, "nothing may follow the torn record")
        let result = try Self.python("interop_check.py", ["tensorboard", tb, folder + "/run/metrics.jsonl"])
        XCTAssertEqual(result["problems"] as? [String], [])
        XCTAssertEqual(result["checked"] as? Int, 4 * 4, "train_loss, test_loss, test_accuracy, seconds × 4 epochs")
        XCTAssertEqual((result["tag_steps"] as? [String: [Int]])?["epoch/test_loss"], [1, 2, 3, 4])
        // 500 images in minibatches of 128: 4 steps per epoch, logged every 2.
        XCTAssertEqual(result["steps"] as? [Int], [2, 4, 6, 8, 10, 12, 14, 16])
    }

    /// `tune`: one run folder per record key of results.jsonl, named
    /// `<optimizer>[-lr<rate>]-seed<seed>-<key>`, each holding its record's epochs (validation
    /// scalars included) and the rate it ran with.
    func testTensorBoardReadsTune() throws {
        let f = try Self.makeFixture()
        let folder = Support.temporaryFolder()
        let r = try Support.descent(["tune", "--data-dir", f.data, "--out", folder + "/tune", "--optimizers", "sgd", "--lr-grid", "1e-2:1e-1:2",
                                     "--seeds", "1", "--epochs", "2", "--validation", "100", "--model", "784-16-10", "--threads", "1",
                                     "--no-report", "--tensorboard", folder + "/tb", "--log-every", "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let records = try ResultsStore(path: folder + "/tune/results.jsonl").read().records
        XCTAssertGreaterThanOrEqual(records.count, 2)
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder + "/tb")
        // The grid's runs name their rate; the runs at the default rate (0.01, which is also
        // the grid's first point) do not.
        XCTAssertEqual(Set(runs), Set(records.map { record in
            "sgd" + (record.config.optimizer.learningRate.map { "-lr\($0)" } ?? "") + "-seed\(record.seed)-\(record.key)"
        }))
        XCTAssertTrue(runs.contains { $0.hasPrefix("sgd-seed0-") } && runs.contains { $0.hasPrefix("sgd-lr0.1-seed0-") }, "\(runs)")
        for record in records {
            let result = try Self.readBack(record, runs: runs, in: folder + "/tb", scratch: folder)
            XCTAssertEqual(result["problems"] as? [String], [], record.key)
            XCTAssertTrue((result["tags"] as? [String] ?? []).contains("epoch/validation_accuracy"), record.key)
            XCTAssertEqual(result["checked"] as? Int, 2 * 6 + 2, "train_loss, validation_loss, validation_accuracy, test_loss, test_accuracy, seconds × 2 epochs, the rate × 2")
        }
    }

    /// `stacked`: DIR/level<i> for the pre-training of each level and DIR/finetune, each
    /// holding its history of metrics.json; fine-tuning also logs its pictures.
    func testTensorBoardReadsStacked() throws {
        let f = try Self.makeFixture()
        let folder = Support.temporaryFolder()
        let r = try Support.descent(["stacked", "--data-dir", f.data, "--model", "784-32-16", "--pretrain-epochs", "2", "--finetune-epochs", "1",
                                     "--threads", "1", "--probe-epochs", "0", "--no-pca", "--out", folder + "/out",
                                     "--tensorboard", folder + "/tb", "--log-every", "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder + "/tb")), ["level0", "level1", "finetune"])
        let run = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: folder + "/out").first)
        let metrics = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/out/\(run)/metrics.json"))) as? [String: Any])
        let levels = try XCTUnwrap(metrics["pretraining"] as? [[String: Any]])
        let histories = try levels.map { try XCTUnwrap($0["history"] as? [[String: Any]]) } + [try XCTUnwrap(metrics["history"] as? [[String: Any]])]
        for (name, history) in zip(["level0", "level1", "finetune"], histories) {
            let lines = try history.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
            try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/\(name).jsonl", atomically: true, encoding: .utf8)
            let result = try Self.python("interop_check.py", ["tensorboard", folder + "/tb/" + name, folder + "/\(name).jsonl", "--learning-rate", "0.001"])
            XCTAssertEqual(result["problems"] as? [String], [], name)
            XCTAssertEqual(history.count, name == "finetune" ? 1 : 2, name)
            XCTAssertEqual(result["checked"] as? Int, history.count * history[0].filter { $0.key != "epoch" }.count + history.count, name)
            let images = try XCTUnwrap(result["images"] as? [String: [[Int]]])
            XCTAssertEqual(images.keys.sorted(), name == "finetune" ? ["filters/decoder", "filters/encoder", "reconstructions"] : [], name)
        }
    }

    /// An autoencoder's log: every scalar of its metrics.json history, and per epoch its
    /// filters and the reconstructions as PNG images TensorBoard reads.
    func testTensorBoardAutoencoderScalarsAndPictures() throws {
        let f = try Self.makeFixture()
        let folder = Support.temporaryFolder()
        let r = try Support.descent(["autoencoder", "--data-dir", f.data, "--model", "seed-ae", "--epochs", "2", "--threads", "1",
                                     "--probe-epochs", "0", "--no-pca", "--out", folder + "/ae", "--tensorboard", folder + "/tb", "--log-every", "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let run = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: folder + "/ae").first)
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/ae/\(run)/metrics.json"))) as? [String: Any]
        let history = try XCTUnwrap(metrics?["history"] as? [[String: Any]])
        XCTAssertEqual(history.count, 2)
        let lines = try history.map { String(decoding: try JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/history.jsonl", atomically: true, encoding: .utf8)
        let result = try Self.python("interop_check.py", ["tensorboard", folder + "/tb", folder + "/history.jsonl"])
        XCTAssertEqual(result["problems"] as? [String], [])
        XCTAssertEqual(result["checked"] as? Int, 2 * history[0].filter { $0.key != "epoch" }.count)
        let images = try XCTUnwrap(result["images"] as? [String: [[Int]]])
        XCTAssertEqual(images.keys.sorted(), ["filters/decoder", "filters/encoder", "reconstructions"])
        for (tag, events) in images {
            XCTAssertEqual(events.map { $0[0] }, [1, 2], tag)
            XCTAssertTrue(events.allSatisfy { $0[1] > 0 && $0[2] > 0 && $0[3] > 100 }, "\(tag): \(events)")
        }
        // Logging changes nothing: the same run without it ends in the same bits.
        let plain = try Support.descent(["autoencoder", "--data-dir", f.data, "--model", "seed-ae", "--epochs", "2", "--threads", "1",
                                         "--probe-epochs", "0", "--no-pca", "--out", folder + "/plain"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(try Self.parameters(folder + "/plain/\(run)/model.safetensors"), try Self.parameters(folder + "/ae/\(run)/model.safetensors"))
    }

    /// `--tensorboard` inside a file: one line, before any data are read (the missing data
    /// folder is not what is reported).
    func testTensorBoardFolderCheckedFirst() throws {
        let folder = Support.temporaryFolder()
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/file"))
        for command in [["train"], ["autoencoder"], ["stacked"], ["compare"], ["tune"]] {
            let r = try Support.descent(command + ["--data-dir", folder + "/no-data", "--out", folder + "/out", "--tensorboard", folder + "/file/tb"])
            XCTAssertNotEqual(r.status, 0, command[0])
            XCTAssertTrue(r.stderr.hasPrefix("descent: error: --tensorboard: \(folder)/file is a file, not a folder"), "\(command[0]): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out"), command[0])
        }
    }

    func testExportErrorsAreOneLine() throws {
        let folder = Support.temporaryFolder()
        let missing = try Support.descent(["export", folder + "/none.safetensors", "--onnx", folder + "/x.onnx"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.hasPrefix("descent: error: "), missing.stderr)
        XCTAssertEqual(missing.stderr.split(separator: "\n").count, 1, missing.stderr)
        let net = try Network(try ModelSpec.parse("784: linear(10)"), seed: 0)
        try Checkpoint.save(net, optimizer: nil, epochsDone: 0, to: folder + "/m.safetensors")
        let noFolder = try Support.descent(["export", folder + "/m.safetensors", "--onnx", folder + "/no/such/x.onnx"])
        XCTAssertNotEqual(noFolder.status, 0)
        XCTAssertTrue(noFolder.stderr.contains("--onnx"), noFolder.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/no"))
    }
}
