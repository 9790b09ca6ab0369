import Descent
import Foundation
import XCTest

/// A user's own `descent` (Tests/CustomCommandLine, built as `descent-custom`): the whole
/// command line with a layer (`scale`), an optimizer (`signum`, with its own flag
/// `--smoothing`) and a loss (`hinge`) registered from outside Descent. Each is used from the
/// command line, saved in a checkpoint, read back, resumed and evaluated; the plain `descent`
/// does not know them.
final class CustomCommandLineTests: XCTestCase {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// An executable of this package, built next to the test bundle.
    static func executable(_ name: String) throws -> String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw DescentError("\(name) not found near \(CommandLine.arguments[0])")
    }

    func run(_ name: String, _ arguments: [String]) throws -> Output { try Self.run(name, arguments) }

    static func run(_ name: String, _ arguments: [String]) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try Self.executable(name))
        p.arguments = arguments
        let folder = Self.temporaryFolder("stderr")
        let errPath = folder + "/stderr"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = Pipe()
        let err = FileHandle(forWritingAtPath: errPath)!
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try? err.close()
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self))
    }

    static func temporaryFolder(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "descent-api-tests/\(name)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// 28×28 images of 10 classes, class k a bright band at rows 2k…2k+3 over noise drawn
    /// from a seeded stream, as the four IDX files of a `--data-dir`.
    static func syntheticData(train: Int, test: Int) throws -> String {
        let dir = temporaryFolder("data")
        var g = RandomGenerator(seed: 7, stream: 0)
        for (count, images, labels) in [(train, "train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                                        (test, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")] {
            var pixels: [UInt8] = []
            var classes: [UInt8] = []
            for n in 0..<count {
                let k = n % 10
                classes.append(UInt8(k))
                for r in 0..<28 {
                    for _ in 0..<28 {
                        let band = r >= 2 * k && r < 2 * k + 4
                        pixels.append(UInt8(band ? 200 : 0) &+ UInt8(g.uniform() * 50))
                    }
                }
            }
            try IDX.write(IDXArray(dimensions: [count, 28, 28], bytes: pixels), to: dir + "/" + images, gzip: false)
            try IDX.write(IDXArray(dimensions: [count], bytes: classes), to: dir + "/" + labels, gzip: false)
        }
        return dir
    }

    func testHelpListsTheAddedLayerOptimizerLossAndFlag() throws {
        let r = try run("descent-custom", ["train", "--help"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let help = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        XCTAssertTrue(help.contains("scale(init=1.0) a learnable gain per value"), help)
        XCTAssertTrue(help.contains("(values: sgd, momentum, adagrad, rmsprop, adadelta, adam, adamw, nadam, nadamw, radam, adamax, lion, muon, schedulefree, shampoo, signum; default: adam)"), help)
        XCTAssertTrue(help.contains("--smoothing <smoothing>: Signum's averaging of the gradient β (signum)."), help)
        // The tool that registers nothing of its own lists none of them.
        let plain = try run("descent", ["train", "--help"])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertFalse(plain.stdout.contains("scale(init") || plain.stdout.contains("signum") || plain.stdout.contains("smoothing"), plain.stdout)
    }

    /// Train with the added layer, loss and optimizer; the checkpoint holds the layer's
    /// weight and the rule's state and hyper-parameter; resume it; evaluate it.
    func testAddedPiecesTrainSaveResumeAndEvaluate() throws {
        let data = try Self.syntheticData(train: 300, test: 100)
        let out = Self.temporaryFolder("custom")
        let common = ["train", "--data-dir", data, "--model", "784: scale(init=0.5), linear(10); loss=hinge",
                      "--optimizer", "signum", "--lr", "0.001", "--smoothing", "0.5", "--seed", "3", "--threads", "1", "--json"]
        var r = try run("descent-custom", common + ["--epochs", "2", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").count, 2, r.stdout)

        let checkpoint = try Checkpoint.read(out + "/model.safetensors")
        XCTAssertEqual(checkpoint.tensors["layers.0.weight"]?.shape, [784])
        XCTAssertNotEqual(checkpoint.tensors["layers.0.weight"]?.toArray(), [Float](repeating: 0.5, count: 784), "scale trained")
        XCTAssertEqual(checkpoint.tensors["optimizer/layers.0.weight.momentum_buffer"]?.shape, [784])
        let model = try XCTUnwrap(checkpoint.metadata["model"])
        XCTAssertTrue(model.contains(#"{"init":0.5,"kind":"scale"}"#) && model.contains(#""loss":"hinge""#), model)
        XCTAssertTrue(checkpoint.metadata["run"]?.contains(#""kind":"signum""#) == true, checkpoint.metadata["run"] ?? "")
        XCTAssertTrue(checkpoint.metadata["run"]?.contains(#""smoothing":0.5"#) == true, checkpoint.metadata["run"] ?? "")
        // Without the user's registry the names mean nothing, and say so.
        XCTAssertThrowsError(try checkpoint.modelSpec()) { error in
            XCTAssertTrue("\(error)".contains("unknown layer 'scale'"), "\(error)")
        }

        // Resuming checks the stored hyper-parameter against the flags, then continues.
        r = try run("descent-custom", common.map { $0 == "0.5" ? "0.25" : $0 } + ["--epochs", "3", "--resume", out + "/model.safetensors"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("smoothing"), r.stderr)
        r = try run("descent-custom", common + ["--epochs", "3", "--resume", out + "/model.safetensors"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try String(contentsOfFile: out + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any])
        XCTAssertGreaterThan(last["test_accuracy"] as? Double ?? 0, 0.5, "the bands are easy to tell apart")

        let e = try run("descent-custom", ["evaluate", out + "/model.safetensors", "--data-dir", data, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let evaluation = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(evaluation["accuracy"] as? Double, last["test_accuracy"] as? Double)

        let plain = try run("descent", ["evaluate", out + "/model.safetensors", "--data-dir", data])
        XCTAssertEqual(plain.status, 1)
        XCTAssertTrue(plain.stderr.contains("unknown layer 'scale'"), plain.stderr)
    }

    /// The added flag is checked by its rule, applies only to it, and other flags stay unknown.
    func testAddedFlagIsChecked() throws {
        let data = try Self.syntheticData(train: 20, test: 10)
        let cases: [([String], String)] = [
            (["--optimizer", "signum", "--smoothing", "1.5"], "signum: smoothing must be in [0, 1), got 1.5"),
            (["--optimizer", "adam", "--smoothing", "0.5"], "smoothing does not apply to Adam"),
            (["--optimizer", "signum", "--smoothing", "nan"], "--smoothing must be a finite number"),
            (["--optimizer", "signum", "--smoothing"], "Missing value for '--smoothing"),
            (["--optimizer", "signum", "--smoothness", "0.5"], "Unknown option '--smoothness'"),
            (["--optimizer", "signum", "--model", "784: linear(10); loss=squared-hinge"], "unknown loss 'squared-hinge'"),
        ]
        for (args, message) in cases {
            let r = try run("descent-custom", ["train", "--data-dir", data, "--epochs", "1"] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("descent: error: ") && r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        let plain = try run("descent", ["train", "--data-dir", data, "--optimizer", "signum"])
        XCTAssertNotEqual(plain.status, 0)
        XCTAssertTrue(plain.stderr.contains("signum"), plain.stderr)
    }

    /// The registry refuses a second piece under a taken name, and a hyper-parameter that
    /// would shadow a field of every configuration.
    func testRegistryRefusesTakenNames() throws {
        var registry = Registry.builtIn
        XCTAssertThrowsError(try registry.register(Linear.kind)) { error in
            XCTAssertEqual((error as? DescentError)?.message, "registry: a layer named 'linear' is already registered")
        }
        XCTAssertThrowsError(try registry.register(Adam.rule))
        XCTAssertThrowsError(try registry.register(LossKind.meanSquaredError))
        let clip = HyperParameter("clipNorm", help: "")
        let rule = OptimizerRule(name: "clipper", displayName: "Clipper", options: [.number(clip, default: 1, in: .positive)],
                                 traffic: .init(reads: 2, writes: 1)) { _ in try SGD() }
        XCTAssertThrowsError(try registry.register(rule))
        XCTAssertEqual(registry.optimizers.map(\.rawValue), Registry.builtIn.optimizers.map(\.rawValue))
    }
}

/// A dataset format registered from outside Descent (`pixel-text`, Tests/CustomCommandLine/PixelText.swift):
/// colour images read by `--format`, recorded in the run and the checkpoint, resumed and evaluated.
final class CustomDatasetFormatTests: XCTestCase {
    func run(_ name: String, _ arguments: [String]) throws -> CustomCommandLineTests.Output {
        try CustomCommandLineTests.run(name, arguments)
    }

    /// 3×8×8 images of 4 classes, class k < 3 bright in colour plane k, class 3 dark in all,
    /// over noise from a seeded stream: `(pixels, labels)`, N×C×H×W.
    static func colourImages(_ count: Int, stream: UInt64) -> ([UInt8], [UInt8]) {
        var g = RandomGenerator(seed: 11, stream: stream)
        var pixels: [UInt8] = [], labels: [UInt8] = []
        for n in 0..<count {
            let k = n % 4
            labels.append(UInt8(k))
            for c in 0..<3 {
                for _ in 0..<64 { pixels.append(UInt8(c == k ? 150 : 20) &+ UInt8(g.uniform() * 100)) }
            }
        }
        return (pixels, labels)
    }

    /// The same images as `pixel-text` files and as four IDX files (N×3×8×8 images).
    static func write(train: Int, test: Int) throws -> (text: String, idx: String) {
        let text = CustomCommandLineTests.temporaryFolder("pixel-text"), idx = CustomCommandLineTests.temporaryFolder("idx")
        for (count, name, stream, images, labels) in [(train, "train", UInt64(0), "train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                                                      (test, "test", 1, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")] {
            let (pixels, classes) = colourImages(count, stream: stream)
            var lines = ["3 8 8"]
            for n in 0..<count {
                lines.append(([classes[n]] + pixels[(n * 192)..<((n + 1) * 192)]).map(String.init).joined(separator: " "))
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: "\(text)/\(name).txt", atomically: true, encoding: .utf8)
            try IDX.write(IDXArray(dimensions: [count, 3, 8, 8], bytes: pixels), to: idx + "/" + images, gzip: true)
            try IDX.write(IDXArray(dimensions: [count], bytes: classes), to: idx + "/" + labels, gzip: false)
        }
        return (text, idx)
    }

    func testRegisteredFormatTrainsResumesAndEvaluates() throws {
        let (text, idx) = try Self.write(train: 200, test: 80)
        let out = CustomCommandLineTests.temporaryFolder("format")
        let common = ["train", "--format", "pixel-text", "--data-dir", text, "--model", "flatten, linear(4)",
                      "--lr", "0.01", "--batch-size", "20", "--seed", "5", "--threads", "1", "--json"]
        var r = try run("descent-custom", common + ["--epochs", "2", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let checkpoint = try Checkpoint.read(out + "/model.safetensors")
        XCTAssertTrue(checkpoint.metadata["run"]?.contains(#""format":"pixel-text""#) == true, checkpoint.metadata["run"] ?? "")
        XCTAssertEqual(checkpoint.tensors["layers.1.weight"]?.shape, [4, 192], "3×8×8 colour images")

        // Resuming needs the same format (it is part of the run), then continues.
        r = try run("descent-custom", common.filter { $0 != "--format" && $0 != "pixel-text" }.map { $0 == text ? idx : $0 }
                          + ["--epochs", "3", "--resume", out + "/model.safetensors"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("format"), r.stderr)
        r = try run("descent-custom", common + ["--epochs", "3", "--resume", out + "/model.safetensors"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = try String(contentsOfFile: out + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3)
        let last = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any])
        XCTAssertGreaterThan(last["test_accuracy"] as? Double ?? 0, 0.9, "the bright plane tells the class")

        // evaluate reads --data-dir with the format the checkpoint's run read.
        let e = try run("descent-custom", ["evaluate", out + "/model.safetensors", "--data-dir", text, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let evaluation = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(evaluation["accuracy"] as? Double, last["test_accuracy"] as? Double)
        XCTAssertEqual(evaluation["test_images"] as? Int, 80)

        // The same images as IDX files: the same fingerprint and the same numbers, bit for bit.
        let outIDX = CustomCommandLineTests.temporaryFolder("format-idx")
        r = try run("descent", common.filter { $0 != "--format" && $0 != "pixel-text" }.map { $0 == text ? idx : $0 }
                          + ["--epochs", "3", "--out", outIDX])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try Checkpoint.read(outIDX + "/model.safetensors").metadata[Checkpoint.dataFingerprintKey],
                       checkpoint.metadata[Checkpoint.dataFingerprintKey])
        XCTAssertEqual(try String(contentsOfFile: outIDX + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map { $0.replacingOccurrences(of: #""seconds":[0-9.e-]+"#, with: "", options: .regularExpression) },
                       lines.map { $0.replacingOccurrences(of: #""seconds":[0-9.e-]+"#, with: "", options: .regularExpression) })

        // The plain tool knows no such format, and says so.
        let plain = try run("descent", ["evaluate", out + "/model.safetensors", "--data-dir", text])
        XCTAssertEqual(plain.status, 1)
        XCTAssertTrue(plain.stderr.hasPrefix("descent: error: ") && plain.stderr.contains("unknown dataset format 'pixel-text'"), plain.stderr)
        let plainTrain = try run("descent", common + ["--epochs", "1"])
        XCTAssertNotEqual(plainTrain.status, 0)
        XCTAssertTrue(plainTrain.stderr.contains("unknown dataset format 'pixel-text'; formats are idx"), plainTrain.stderr)
    }

    func testFormatErrorsAreOneLineNamingTheFile() throws {
        let (text, _) = try Self.write(train: 8, test: 4)
        try "3 8 8\n1 2 3\n".write(toFile: text + "/test.txt", atomically: true, encoding: .utf8)
        for (args, message) in [(["--format", "pixel-text", "--data-dir", text], text + "/test.txt: line 2 must hold a label and 192 pixels"),
                                (["--format", "pixel-text"], "--format pixel-text reads a folder: give --data-dir"),
                                (["--format", "pixel-text", "--data-dir", text + "/none"], text + "/none: no such directory")] {
            let r = try run("descent-custom", ["train", "--epochs", "1", "--model", "flatten, linear(4)"] + args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("descent: error: ") && r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        let help = try run("descent-custom", ["train", "--help"])
        XCTAssertTrue(help.stdout.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ").contains("pixel-text (train.txt and test.txt"), help.stdout)
        var registry = Registry.builtIn
        XCTAssertThrowsError(try registry.register(DatasetFormat.idx)) { error in
            XCTAssertEqual((error as? DescentError)?.message, "registry: a dataset format named 'idx' is already registered")
        }
    }
}
