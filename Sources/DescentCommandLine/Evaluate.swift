import ArgumentParser
import Descent
import DescentReport
import Foundation

struct Evaluate: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: "Evaluate a saved classifier on its test set: loss, accuracy, per-class accuracy, confusion matrix, worst mistakes.",
        discussion: """
            Loads any classifier checkpoint written by `descent train --out` or
            `descent compare` (it carries the model and the dataset it was trained on),
            evaluates the test set and writes into --out (default: the checkpoint's
            folder):
              confusion.csv           rows: true class, columns: predicted class
              confusion.svg/.png      the same as a heat map, with per-class accuracy
              mistakes.svg/.png       the test images misclassified with the highest
                                      probability
              evaluation.json         everything printed, for machines
            Examples:
              descent evaluate runs/mlp/model.safetensors
              descent evaluate model.safetensors --data-dir ~/data/mnist --json
            """) }

    @Argument(help: ArgumentHelp("The checkpoint (model.safetensors).", valueName: "checkpoint")) var checkpointFile: String?
    /// The old spelling, `--checkpoint FILE`, accepted for one release.
    @Option(name: .customLong("checkpoint"), help: .hidden) var checkpointFlag: String?
    @Option(help: "The dataset (default: the one the checkpoint was trained on).")
    var dataset: DatasetName?
    @Option(help: "Folder holding the dataset's files, in the dataset's format or in --format's.") var dataDir: String?
    @Option(help: ArgumentHelp("How --data-dir stores the data (default: the format the checkpoint's run read): \(DataOptions.formatHelp).", valueName: "format"))
    var format: String?
    @Option(help: "Folder for the files written (default: the checkpoint's folder).") var out: String?
    @Option(help: "How many of the most confident mistakes to draw.") var mistakes = 32
    @Option(parsing: .unconditional, help: "Compute threads (default: all cores).") var threads: Int?
    @Flag(help: "Print machine-readable JSON instead of a table (one object).") var json = false

    /// The checkpoint file, however given.
    var checkpoint: String { checkpointFile ?? checkpointFlag ?? "" }
    /// How messages name it: as the user gave it.
    var checkpointLabel: String { checkpointFlag != nil ? "--checkpoint" : "checkpoint" }

    func validate() throws {
        switch (checkpointFile, checkpointFlag) {
        case (nil, nil): throw ValidationError("Missing expected argument '<checkpoint>'")
        case (_?, _?): throw ValidationError("give the checkpoint once: as an argument (--checkpoint is its old spelling)")
        default: break
        }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1, got \(t)") }
        if mistakes < 0 { throw ValidationError("--mistakes must be ≥ 0, got \(mistakes)") }
    }

    struct Result: Encodable {
        var checkpoint: String
        var model: String
        var epochsTrained: Int
        var dataset: String
        var testImages: Int
        var loss: Double
        var accuracy: Double
        var perClassAccuracy: [String: Double?]
        var confusion: [[Int]]
        var mistakes: [ClassifierEvaluation.Mistake]
        var files: [String]
    }

    func run() throws {
        try DescentCommand.run {
            if checkpointFlag != nil { CLI.deprecated("--checkpoint FILE", use: "descent evaluate FILE") }
            try CLI.setThreads(threads)
            let saved = try CLI.flag(checkpointLabel) { try Checkpoint.read(checkpoint) }
            // The stored model's sizes come from a file: the network is built only if it fits.
            let stored = try CLI.flag(checkpointLabel) { try saved.modelSpec(registry: CommandContext.registry) }
            try CLI.checkMemory(stored, batchSize: 1000, optimizer: nil, flag: "\(checkpointLabel) \(checkpoint)")
            let network = try CLI.flag(checkpointLabel) { try saved.makeNetwork(registry: CommandContext.registry) }
            guard let spec = network.spec, spec.classCount != nil else {
                throw DescentError("\(checkpointLabel): \(checkpoint) holds an autoencoder, not a classifier")
            }
            let trained = (try? saved.runConfig(as: RunSpec.self, registry: CommandContext.registry))?.config
            let name = dataset ?? trained?.dataset ?? .fashionMNIST
            let source = dataDir ?? name.rawValue
            // A format read from a checkpoint applies to a --data-dir; a catalogue dataset is read by its own.
            let readWith = format.flatMap { $0 == name.format.name ? nil : $0 } ?? (dataDir == nil ? nil : trained?.format)
            let loaded = try CLI.loadData(name, format: readWith, dataDir: dataDir, allowDownload: true,
                                          options: DatasetReadOptions(label: trained?.labels,
                                                                      resize: readWith == nil ? nil : try trained?.resize.map { try ImageSize(parsing: $0) }))
            // As trained: normalised by the run's statistics (--normalize), if any.
            let test = try CLI.flag(checkpointLabel) { try loaded.test.normalized(by: trained?.normalize) }
            guard spec.accepts(test.shape) else {
                throw DescentError("the model of \(checkpoint) expects \(ModelSpec.shapeText(spec.inputShape)) values per image, the images in \(source) are \(CLI.pixels(test.shape))")
            }
            let result: ClassifierEvaluation
            do { result = try ClassifierEvaluation(network, on: test, keepMistakes: mistakes) } catch let e as DescentError {
                throw DescentError("\(source): \(e.message)")
            }
            let folder = out ?? ((checkpoint as NSString).deletingLastPathComponent.isEmpty ? "." : (checkpoint as NSString).deletingLastPathComponent)
            try Output.prepareFolder(folder)
            var names = loaded.classNames ?? name.classNames
            if names.count < spec.classCount! { names += (names.count..<spec.classCount!).map(String.init) }
            let title = "\(spec.summary) on the \(readWith == nil ? name.displayName : source) test set"
            var files = ["confusion.csv", "evaluation.json"]
            try writeAtomically(result.confusionCSV(classNames: names), to: folder + "/confusion.csv")
            files += try EvaluationPictures.confusionMatrix(result, classNames: names, title: title).write(to: folder + "/confusion")
            files += try EvaluationPictures.mistakes(result, set: test, classNames: names, title: title).write(to: folder + "/mistakes")
            let perClass = Dictionary(uniqueKeysWithValues: zip(names, result.perClassAccuracy.map { $0.isFinite ? $0 : nil }))
            let report = Result(checkpoint: checkpoint, model: spec.description, epochsTrained: saved.epochsDone, dataset: source,
                                testImages: test.count, loss: result.loss, accuracy: result.accuracy, perClassAccuracy: perClass,
                                confusion: result.confusion, mistakes: result.mistakes, files: files.sorted())
            let encoder = JSONEncoder.sorted
            encoder.keyEncodingStrategy = .convertToSnakeCase
            let data = try encoder.encode(report)
            try writeAtomically(Array(data) + [0x0A], to: folder + "/evaluation.json")
            if json {
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("\(checkpoint): \(spec.summary), trained \(saved.epochsDone) epoch(s); \(readWith.map { "\($0) data" } ?? name.displayName) test set (\(source)), \(test.count) images")
            print(String(format: "test loss %.4f, accuracy %.4f", result.loss, result.accuracy))
            print("class          accuracy  images")
            for (c, acc) in result.perClassAccuracy.enumerated() {
                print(names[c].padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: " %8.4f  %6d", acc, result.confusion[c].reduce(0, +)))
            }
            if let worst = result.mistakes.first {
                print(String(format: "most confident mistake: test image %d, a %@ taken for a %@ with probability %.3f",
                             worst.index, names[worst.label], names[worst.predicted], worst.confidence))
            }
            print("wrote \(files.sorted().joined(separator: ", ")) in \(folder)")
        }
    }
}
