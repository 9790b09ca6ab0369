import ArgumentParser
import Descent
import Foundation

extension DatasetName: ExpressibleByArgument {}
/// `--optimizer NAME`: a rule of the running program's registry.
extension OptimizerKind: ExpressibleByArgument {
    public init?(argument: String) {
        guard let kind = CommandContext.registry.optimizer(named: argument) else { return nil }
        self = kind
    }
    public static var allValueStrings: [String] { CommandContext.registry.optimizers.map(\.rawValue) }
}
extension Activation: ExpressibleByArgument {}

/// `--activation` and `--output-activation`: an activation layer, so any activation but
/// `identity` (which is no layer; `--code-activation identity` gives a linear code). The
/// values `--help` lists are exactly those accepted.
struct LayerActivation: ExpressibleByArgument, Equatable {
    let value: Activation
    init(_ value: Activation) { self.value = value }
    init?(argument: String) {
        guard let a = Activation(rawValue: argument), a != .identity else { return nil }
        value = a
    }
    static var allValueStrings: [String] { Activation.allCases.filter { $0 != .identity }.map(\.rawValue) }
    var defaultValueDescription: String { value.rawValue }
}

/// Options every command shares.
struct CommonOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Random seed: fixes initial weights, shuffling and dropout (compare: the first of its seeds).")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Compute threads: the size of Descent's pool, which runs the products (oneDNN, one thread per call) and every other loop (default: all cores). A run's numbers depend on it; a resumed run keeps its own.")
    var threads: Int?

    @Flag(help: "Print machine-readable JSON instead of a table (one line per epoch, or per phase and a summary).")
    var json = false

    @Option(help: "Folder for the files written (created if needed).")
    var out: String?

    func validate() throws {
        if let t = threads, t < 1 || t > Parallel.maxThreads {
            throw ValidationError("--threads must be in 1...\(Parallel.maxThreads), got \(t)")
        }
    }

    func applyThreads() throws { try CLI.setThreads(threads) }

    /// When resuming, the checkpoint's thread count (a run's numbers depend on it): the
    /// default without --threads, and an error when --threads asks for another.
    func applyThreads(resuming checkpoint: Checkpoint?) throws {
        guard let stored = checkpoint?.threads else { return try applyThreads() }
        if let threads, threads != stored {
            throw DescentError("--threads \(threads): \(checkpoint!.path) was trained with \(stored) thread(s), and a run continues bit for bit only with the same count (leave --threads out)")
        }
        try CLI.setThreads(stored)
    }
}

/// `--dataset` and `--data-dir`: which catalogue dataset, and the folder of its files. The
/// commands that train take them in `DataOptions`; `compare` and `tune` take them alone.
struct DatasetOptions: ParsableArguments {
    @Option(help: "The dataset, downloaded once into the cache unless --data-dir or --offline says otherwise.")
    var dataset: DatasetName = .fashionMNIST

    @Option(help: "Folder holding the dataset's files, in its format (four IDX files for the MNIST family).")
    var dataDir: String?

    @Flag(help: "Never download; fail if the files are not found locally.")
    var offline = false

    /// Where the data come from, for messages: the folder or the dataset's name.
    var source: String { dataDir ?? dataset.rawValue }
}

/// Which data to use and where to find it.
struct DataOptions: ParsableArguments {
    @OptionGroup var files: DatasetOptions

    @Option(help: ArgumentHelp("How --data-dir stores the data: \(DataOptions.formatHelp) (default: the dataset's format).", valueName: "format"))
    var format: String?

    @Option(help: ArgumentHelp("Resize every image of an image folder to H×W (bilinear, antialiased, as torchvision's Resize on Pillow images); without it, an image folder's images must all have one size.", valueName: "HxW"))
    var resize: String?

    @Option(help: "Which labels of a dataset with several kinds: cifar100's fine (default, 100 classes) or coarse (20 superclasses).")
    var label: String?

    @Option(parsing: .unconditional, help: "Use only the first N training images (quick experiments; after --validation).")
    var trainLimit: Int?

    @Option(parsing: .unconditional, help: "Hold out N training images for validation, the same ones in every run (0 = none); per-epoch validation metrics are reported beside test.")
    var validation: Int?

    func validate() throws {
        if let n = trainLimit, n < 1 { throw ValidationError("--train-limit must be at least 1, got \(n)") }
        if let n = validation, n < 0 { throw ValidationError("--validation must be ≥ 0, got \(n)") }
        if let format {
            guard CommandContext.registry.datasetFormat(named: format) != nil else {
                throw ValidationError("--format: unknown dataset format '\(format)'; formats are \(CommandContext.registry.datasetFormats.map(\.name).joined(separator: ", "))")
            }
            guard files.dataDir != nil else { throw ValidationError("--format \(format) reads a folder: give --data-dir") }
        }
        if let resize {
            do { _ = try ImageSize(parsing: resize) } catch let e as DescentError { throw ValidationError("--resize: " + e.message) }
            guard recordedFormat == DatasetFormat.imageFolder.name else {
                throw ValidationError("--resize \(resize) resizes the images of an image folder (--format image-folder)")
            }
        }
        if let label {
            let builtIn = ["idx", DatasetFormat.cifar10.name, DatasetFormat.cifar100.name].contains(recordedFormat ?? dataset.format.name)
            if readsCIFAR100, !["fine", "coarse"].contains(label) {
                throw ValidationError("--label must be fine or coarse, got '\(label)'")
            } else if !readsCIFAR100 && builtIn {
                throw ValidationError("--label \(label): these data have one kind of label (--label is for cifar100: fine or coarse)")
            }
        }
    }

    /// "idx (four IDX files …), …": the registered formats.
    static var formatHelp: String {
        CommandContext.registry.datasetFormats.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")
    }

    /// `--label` when it is not the default labels (what a run records), else nil.
    var recordedLabel: String? { label == "fine" && readsCIFAR100 ? nil : label }

    var readsCIFAR100: Bool { (recordedFormat ?? dataset.format.name) == DatasetFormat.cifar100.name }

    /// `--format` when it is not the dataset's own (what a run records), else nil.
    var recordedFormat: String? { format == dataset.format.name ? nil : format }

    var dataset: DatasetName { files.dataset }
    var dataDir: String? { files.dataDir }

    var source: String { files.source }

    /// `--validation`, nil for 0.
    var validationCount: Int? { validation == 0 ? nil : validation }

    /// The training images (after the validation split, then --train-limit), the
    /// validation images (with --validation) and the test images.
    func load() throws -> (train: ImageSet, validation: ImageSet?, test: ImageSet) {
        let d = try loadFingerprinted(fingerprint: false)
        return (d.train, d.validation, d.test)
    }

    /// `load()`, and the fingerprint of the whole files (`DataFingerprint`), when asked.
    func loadFingerprinted(fingerprint: Bool = true) throws
        -> (train: ImageSet, validation: ImageSet?, test: ImageSet, fingerprint: DataFingerprint?) {
        let (train, test) = try loadAll()
        try CLI.checkValidation(validationCount, train: train, from: source)
        let limit = ClassifierRunConfig.trainLimit(trainLimit, available: train.count - (validationCount ?? 0))
        let (kept, held, _) = try RunExecutor.images(trainLimit: limit, validation: validationCount, train: train)
        return (kept, held, test, fingerprint ? DataFingerprint(train: train, test: test) : nil)
    }

    /// The whole training set (no --train-limit) and the test set.
    func loadAll() throws -> (train: ImageSet, test: ImageSet) {
        let d = try CLI.loadData(dataset, format: recordedFormat, dataDir: dataDir, allowDownload: !files.offline,
                                 options: DatasetReadOptions(label: label, resize: try resize.map { try ImageSize(parsing: $0) }))
        return (d.train, d.test)
    }

    /// `--format` and `--label` are read by `train` (and `evaluate`); the commands that record
    /// neither refuse them.
    func refuseFormat(_ command: String) throws {
        if let format, recordedFormat != nil {
            throw DescentError("--format \(format): \(command) reads the catalogue's formats only; train reads any registered format")
        }
        if let label = recordedLabel {
            throw DescentError("--label \(label): \(command) reads the default labels only; train reads either")
        }
        if let resize { throw DescentError("--resize \(resize): \(command) reads images at their size; train resizes them") }
    }
}

/// The optimizer and its hyper-parameters; unset values take the rule's defaults
/// (`OptimizerKind.rule`).
struct OptimizerOptions: ParsableArguments {
    @Option(help: "The optimizer rule (its hyper-parameters are the flags below; unset ones take the rule's defaults).")
    var optimizer: OptimizerKind = .adam

    @OptionGroup var hyper: HyperParameterOptions

    var config: OptimizerConfig { hyper.config(optimizer) }

    /// `config` with its `--schedule` resolved for a run of `epochs` epochs over `examples`
    /// examples in minibatches of `batchSize`.
    func config(examples: Int, batchSize: Int, epochs: Int) throws -> OptimizerConfig {
        try hyper.config(optimizer, examples: examples, batchSize: batchSize, epochs: epochs)
    }
}

/// The hyper-parameter flags, one per `HyperParameter` that has one, and `--clip-norm`; the
/// help says which rules use each. `train`, `autoencoder` and `stacked` apply them to their
/// `--optimizer`, `compare` to each of its `--optimizers`.
struct HyperParameterOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: help(.learningRate)) var lr: Float?
    @Option(parsing: .unconditional, help: help(.momentum)) var momentum: Float?
    @Flag(help: help(.nesterov)) var nesterov = false
    @Option(parsing: .unconditional, help: help(.alpha)) var alpha: Float?
    @Flag(help: help(.centered)) var centered = false
    @Option(parsing: .unconditional, help: help(.rho)) var rho: Float?
    @Option(parsing: .unconditional, help: help(.beta1)) var beta1: Float?
    @Option(parsing: .unconditional, help: help(.beta2)) var beta2: Float?
    @Option(parsing: .unconditional, help: help(.epsilon)) var eps: Float?
    @Flag(help: help(.amsgrad)) var amsgrad = false
    @Option(parsing: .unconditional, help: help(.weightDecay)) var weightDecay: Float?
    @Option(parsing: .unconditional, help: "Clip gradients to this global L2 norm.") var clipNorm: Float?
    @OptionGroup var schedule: ScheduleOptions
    /// The flags of hyper-parameters that are not fields of `OptimizerConfig` (a rule's own:
    /// NAdam's `--momentum-decay`, or those of rules a program registered, e.g.
    /// `--lookahead-steps 5`): argument-parser's options are static, so
    /// these are collected unparsed and read against the registry in `validate`; anything
    /// else left over is an unknown option.
    @Argument(parsing: .allUnrecognized, help: addedHelp) var added: [String] = []

    /// The parsed value of each hyper-parameter flag (flags: 1 when given, else unset).
    var values: [(HyperParameter, Float?)] {
        [(.learningRate, lr), (.momentum, momentum), (.nesterov, nesterov ? 1 : nil), (.alpha, alpha),
         (.centered, centered ? 1 : nil), (.rho, rho), (.beta1, beta1), (.beta2, beta2), (.epsilon, eps),
         (.amsgrad, amsgrad ? 1 : nil), (.weightDecay, weightDecay)] + ((try? addedValues()) ?? [])
    }

    /// The registry's hyper-parameters that have a flag and are not Descent's own.
    static var addedParameters: [HyperParameter] {
        CommandContext.registry.hyperParameters.filter { $0.flag != nil && !HyperParameter.builtIn.contains($0) }
    }

    /// The values of `added`: `--flag value` for a number, `--flag` for an on/off option.
    func addedValues() throws -> [(HyperParameter, Float?)] {
        let parameters = Self.addedParameters
        var given: [HyperParameter: Float] = [:]
        var i = 0
        while i < added.count {
            let arg = added[i]
            let (name, inline) = arg.firstIndex(of: "=").map { (String(arg[..<$0]), Optional(String(arg[arg.index(after: $0)...]))) } ?? (arg, nil)
            guard let p = parameters.first(where: { $0.flag == name }) else {
                throw ValidationError(arg.hasPrefix("-") ? "Unknown option '\(name)'" : "Unexpected argument '\(arg)'")
            }
            guard given[p] == nil else { throw ValidationError("\(name) is given twice") }
            if p.isFlag {
                guard inline == nil else { throw ValidationError("\(name) takes no value") }
                given[p] = 1
            } else {
                var text = inline
                if text == nil, i + 1 < added.count { i += 1; text = added[i] }
                guard let text else { throw ValidationError("Missing value for '\(name) <\(p.rawValue)>'") }
                guard let v = Float(text) else { throw ValidationError("\(name) must be a number, got '\(text)'") }
                given[p] = v
            }
            i += 1
        }
        return parameters.map { ($0, given[$0]) }
    }

    /// The help of `added`: each added flag with its help and the rules that use it; hidden
    /// when the registry adds none.
    static var addedHelp: ArgumentHelp {
        let lines = addedParameters.map { p in
            "\(p.flag!)\(p.isFlag ? "" : " <\(p.rawValue)>"): " + help(p).abstract
        }
        guard !lines.isEmpty else { return .hidden }
        return ArgumentHelp("Hyper-parameters of single rules (built in or registered): " + lines.joined(separator: "; "),
                            valueName: "flags")
    }

    /// E.g. "Momentum (momentum, rmsprop)." — the rules that use `parameter`, unless all do.
    static func help(_ parameter: HyperParameter) -> ArgumentHelp {
        let kinds = CommandContext.registry.optimizers
        let users = kinds.filter { $0.rule.uses(parameter) }.map(\.rawValue)
        let which = users.count == kinds.count ? "" : " (\(users.joined(separator: ", ")))"
        return ArgumentHelp("\(parameter.help)\(which).")
    }

    /// Rejects values no optimizer accepts (NaN, infinite; negative for Descent's own) at
    /// parse time, naming the flag; each optimizer still checks its own ranges (e.g. β < 1)
    /// when it is made.
    func validate() throws {
        for case let (p, value?) in try addedValues() where !value.isFinite {
            throw ValidationError("\(p.flag!) must be a finite number, got \(value)")
        }
        let flags = values.filter { HyperParameter.builtIn.contains($0.0) }.map { ($0.0.flag!, $0.1) } + [("--clip-norm", clipNorm)]
        for case let (flag, value?) in flags where !(value.isFinite && value >= 0) {
            throw ValidationError("\(flag) must be a finite number ≥ 0, got \(value)")
        }
        if let lr, lr == 0 { throw ValidationError("--lr must be positive, got 0") }
    }

    /// The flags given, e.g. `["--lr", "--nesterov"]`.
    var given: [String] { values.compactMap { $0.1 == nil ? nil : $0.0.flag } + (clipNorm == nil ? [] : ["--clip-norm"]) }

    /// `config(kind)` with the schedule of a run of `epochs` epochs over `examples` training
    /// examples in minibatches of `batchSize`.
    func config(_ kind: OptimizerKind, examples: Int, batchSize: Int, epochs: Int) throws -> OptimizerConfig {
        var c = config(kind)
        c.schedule = try schedule.schedule(stepsPerEpoch: ScheduleOptions.steps(examples: examples, batchSize: batchSize), epochs: epochs)
        return c
    }

    /// `kind` with the values given (the rule's defaults elsewhere).
    func config(_ kind: OptimizerKind) -> OptimizerConfig {
        var c = OptimizerConfig(kind: kind)
        for (parameter, value) in values { c[parameter] = value }
        c.clipNorm = clipNorm
        return c
    }
}

/// Writes one JSON object per line to stdout.
func printJSONLine<T: Encodable>(_ value: T) {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    if let data = try? encoder.encode(value), let s = String(data: data, encoding: .utf8) {
        print(s)
        fflush(nil)
    }
}
