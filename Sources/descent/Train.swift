import ArgumentParser
import Descent
import Foundation

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a fully connected classifier and report per-epoch metrics.",
        discussion: """
            Example (the seed-mlp workload):
              descent train --dataset fashion-mnist --model 784-784-784-10 --optimizer adam --epochs 20 --seed 0
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var opt: OptimizerOptions

    @Option(help: "Layer sizes, input first, classes last.") var model = "784-784-784-10"
    @Option(help: "Hidden activation: relu, sigmoid, tanh.") var activation: Activation = .relu
    @Option(parsing: .unconditional, help: "Number of epochs.") var epochs = 20
    @Option(parsing: .unconditional, help: "Minibatch size.") var batchSize = 128
    @Option(parsing: .unconditional, help: "Dropout probability on the input.") var inputDropout: Float = 0.1
    @Option(parsing: .unconditional, help: "Dropout probability after each hidden layer.") var hiddenDropout: Float = 0.5

    func validate() throws {
        if epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        for (flag, p) in [("--input-dropout", inputDropout), ("--hidden-dropout", hiddenDropout)] where !(p >= 0 && p < 1) {
            throw ValidationError("\(flag) must be in [0, 1), got \(p)")
        }
    }

    func run() throws {
        try DescentCommand.run {
            common.applyThreads()
            let sizes = try MLPClassifier.parseSizes(model)
            let optimizer = try opt.config.make()
            if let out = common.out { try Output.prepareFolder(out) }
            let (train, test) = try data.load()
            try Output.checkModel(model, sizes: sizes, fits: train, test, from: data.dataDir ?? data.dataset.rawValue)
            let net = try MLPClassifier(sizes: sizes, activation: activation, inputDropout: inputDropout,
                                        hiddenDropout: hiddenDropout, seed: common.seed)
            let trainer = try ClassifierTrainer(model: net, optimizer: optimizer, batchSize: batchSize,
                                                seed: common.seed)
            if !common.json {
                print("\(data.dataset.rawValue): \(train.count) train / \(test.count) test images; model \(model), \(net.parameters.scalarCount) parameters; \(opt.config.summary); \(Parallel.threads) thread(s)")
                print("epoch  train_loss  test_loss  test_acc  seconds")
            }
            var lines: [String] = []
            try trainer.fit(train: train, test: test, epochs: epochs) { m in
                if common.json {
                    printJSONLine(m)
                } else {
                    print(String(format: "%5d  %10.4f  %9.4f  %8.4f  %7.2f", m.epoch, m.trainLoss, m.testLoss, m.testAccuracy, m.seconds))
                    fflush(stdout)
                }
                if let out = common.out {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys]
                    lines.append(String(decoding: try encoder.encode(m), as: UTF8.self))
                    try writeAtomically(lines.joined(separator: "\n") + "\n", to: out + "/metrics.jsonl")
                }
            }
        }
    }
}

enum Output {
    /// Checks that the data fit the `--model` sizes, with a message naming both, e.g.
    /// `--model 784-32-10 expects 784 inputs per image, but the images in /d are 20×20 = 400 pixels`.
    static func checkModel(_ text: String, sizes: [Int], fits train: ImageSet, _ test: ImageSet, from source: String) throws {
        if train.featureCount != sizes[0] {
            throw DescentError("--model \(text) expects \(sizes[0]) inputs per image, but the images in \(source) are \(train.height)×\(train.width) = \(train.featureCount) pixels (use --model \(train.featureCount)-…-\(sizes[sizes.count - 1]))")
        }
        for (set, split) in [(train, "training"), (test, "test")] {
            if let bad = set.labels.max(), Int(bad) >= sizes[sizes.count - 1] {
                throw DescentError("--model \(text) has \(sizes[sizes.count - 1]) classes, but the \(split) labels in \(source) go up to \(bad)")
            }
        }
    }

    /// Creates `path` (and parents) or fails with a one-line message if it cannot be written.
    static func prepareFolder(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw DescentError("--out: \(path) exists and is not a folder")
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw DescentError("--out: cannot create folder \(path)")
        }
        guard access(path, W_OK) == 0 else { throw DescentError("--out: folder \(path) is not writable") }
    }
}
