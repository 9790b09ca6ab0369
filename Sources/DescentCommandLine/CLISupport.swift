import ArgumentParser
import Descent
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A flag's value that the command cannot use, found after parsing (a model description, a
/// hyper-parameter out of range, an unknown name in a list): one line, and exit status 2,
/// as argument-parser's own parse errors.
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// What every command shares beyond its options: flag names on library errors, the data
/// check, resume checks.
enum CLI {
    /// Where datasets are cached, searched and downloaded from: `XDG_CACHE_HOME`/`HOME`,
    /// `DESCENT_DATA_DIR` and `DESCENT_MIRRORS` of this process (the library reads none).
    static var dataLocations: DatasetLocations { DatasetLocations(environment: ProcessInfo.processInfo.environment) }

    /// The training and test sets: with `format` (a registered dataset format's name) read
    /// from `dataDir` by that format, else the catalogue dataset `name` found, downloaded if
    /// allowed, and read by its own format. The class names are those the files give, else the
    /// catalogue's for its own format, else the label numbers.
    static func loadData(_ name: DatasetName, format: String?, dataDir: String?, allowDownload: Bool,
                         options: DatasetReadOptions = DatasetReadOptions()) throws -> DatasetSplits {
        guard let format else {
            return try DatasetLoader.loadSplits(name, dataDirectory: dataDir, cacheDirectory: nil, allowDownload: allowDownload,
                                                options: options, locations: dataLocations)
        }
        guard let reader = CommandContext.registry.datasetFormat(named: format) else {
            throw DescentError("unknown dataset format '\(format)'; formats are \(CommandContext.registry.datasetFormats.map(\.name).joined(separator: ", "))")
        }
        guard let dataDir else { throw DescentError("--format \(format) reads a folder: give --data-dir") }
        var d = try reader.load(dataDir, options: options)
        if d.classNames == nil {
            let classes = Int((d.train.labels + d.test.labels).max() ?? 0) + 1
            d.classNames = (0..<classes).map(String.init)
        }
        return d
    }

    /// Runs `body`, putting in front of a library error the flag whose value caused it, since
    /// only the command line knows flag names. The error's `subject` decides which flag: a
    /// hyper-parameter's own (`--lr: adam: lr must be > 0, got -1`), `--clip-norm`, or `name`,
    /// which replaces the subject's name when the error is about `subject` (`--hidden: an
    /// autoencoder needs …` for a model error); any other error gets `name: ` in front.
    /// An error about the flag's own value is a `UsageError` (exit status 2); any other, e.g.
    /// a file the flag names that cannot be read, stays a `DescentError` (exit status 1).
    static func flag<T>(_ name: String, for subject: DescentError.Subject? = nil, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DescentError { throw flagged(name, for: subject, e) }
    }

    /// `error` with its flag in front (see `flag(_:for:_:)`).
    static func flagged(_ name: String, for subject: DescentError.Subject? = nil, _ error: DescentError) -> Error {
        switch error.subject {
        case let s? where s == subject: return UsageError("\(name): \(error.detail)")
        case .hyperParameter(let p)?: return UsageError("\(p.flag ?? "--optimizer"): \(error.message)")
        case .clipNorm?: return UsageError("--clip-norm: \(error.message)")
        default: return DescentError("\(name): \(error.message)")
        }
    }

    /// Notes on stderr, in one line, that `old` is a spelling kept for one release, and what
    /// replaces it; the command goes on as if the new spelling had been given.
    static func deprecated(_ old: String, use new: String) {
        FileHandle.standardError.write(Data("descent: warning: \(old) is deprecated, use \(new) (the old spelling is accepted until the next release)\n".utf8))
    }

    /// Checks that the images fit `spec` and that every label is a class of a classifier,
    /// naming the model and where the data came from.
    static func check(_ spec: ModelSpec, fits train: ImageSet, _ test: ImageSet, from source: String) throws {
        guard spec.accepts(train.shape) else {
            let wanted = spec.inputShape.count == 1 ? "\(spec.inputShape[0]) inputs per image" : "images of \(pixels(spec.inputShape))"
            let have = (train.channels == 1 ? "\(train.height)×\(train.width)" : "\(train.channels)×\(train.height)×\(train.width)") + " = \(train.featureCount) values"
            throw DescentError("--model \(spec.summary) expects \(wanted), but the images in \(source) are \(have)")
        }
        if let classes = spec.classCount { try checkLabels(classes: classes, train, test, from: source, what: "--model \(spec.summary) has") }
    }

    /// `--optimizers a,b,c`: known names, each once, in the order given.
    static func optimizerList(_ list: String) throws -> [OptimizerKind] {
        var kinds: [OptimizerKind] = []
        for part in list.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces)
            let registry = CommandContext.registry
            guard let k = registry.optimizer(named: name) else {
                throw UsageError("--optimizers: unknown optimizer '\(name)'; choose from \(registry.optimizers.map(\.rawValue).joined(separator: ", "))")
            }
            guard !kinds.contains(k) else { throw UsageError("--optimizers: \(name) is listed twice; each optimizer is compared once") }
            kinds.append(k)
        }
        return kinds
    }

    /// `--validation N` must leave at least one training image.
    static func checkValidation(_ n: Int?, train: ImageSet, from source: String) throws {
        guard let n, n > 0, n >= train.count else { return }
        throw DescentError("--validation \(n): \(source) has only \(train.count) training images")
    }

    /// `28×28` for one channel, `3×32×32` otherwise.
    static func pixels(_ shape: [Int]) -> String {
        (shape.count == 3 && shape[0] == 1 ? Array(shape.dropFirst()) : shape).map(String.init).joined(separator: "×")
    }

    /// Every label of `train` and `test` must be below `classes`.
    static func checkLabels(classes: Int, _ train: ImageSet, _ test: ImageSet, from source: String, what: String) throws {
        for (set, split) in [(train, "training"), (test, "test")] {
            if let bad = set.labels.max(), Int(bad) >= classes {
                throw DescentError("\(what) \(classes) classes, but the \(split) labels in \(source) go up to \(bad)")
            }
        }
    }

    /// A resumed run must be the run of the checkpoint: the same configuration (except
    /// `ignoring`) and seed, and not yet at `epochs`.
    static func matchResumed<T: Codable>(_ checkpoint: Checkpoint, _ run: T, ignoring: Set<String>, epochs: Int) throws {
        let stored: T
        do { stored = try checkpoint.runConfig(as: T.self, registry: CommandContext.registry) } catch let e as DescentError {
            throw DescentError("--resume: \(e.message)")
        }
        if let d = firstDifference(stored, run, ignoring: ignoring) {
            throw DescentError("--resume: \(checkpoint.path) was trained with \(d.field) = \(d.first), the command line gives \(d.second)")
        }
        if checkpoint.epochsDone >= epochs {
            throw DescentError("--resume: \(checkpoint.path) has already been trained for \(checkpoint.epochsDone) epoch(s), and --epochs asks for \(epochs) in total: nothing to do (raise --epochs to continue)")
        }
    }
}

extension CLI {
    /// What a command checks of `--model` before it reads any data: the description
    /// (syntax, layer kinds, arguments and their ranges; the whole model when its input
    /// shape is known, from the text or `imageShape`), and that the command can train it —
    /// a classifier command (`train`, `compare`, `tune`) a model with loss cross-entropy, an
    /// autoencoder command (`autoencoder`, `stacked`) one with a reconstruction loss. Only
    /// what depends on the data (`--data-dir` images of another shape) waits for them.
    static func checkModelEarly(_ text: String, classifier: Bool, command: String, imageShape: [Int]?,
                                mlp: (Activation, Double, Double) = (.relu, 0, 0)) throws {
        let defaultLoss: LossKind = classifier ? .crossEntropy : .meanSquaredError
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var loss: LossKind
        do {
            loss = try ModelSpec.resolve(trimmed, inputShape: imageShape ?? [1, 28, 28], loss: defaultLoss, mlp: mlp,
                                        registry: CommandContext.registry).loss
        } catch let e as DescentError {
            let isSizes = trimmed.contains("-") && trimmed.allSatisfy { $0.isNumber || $0 == "-" }
            guard imageShape == nil, ModelSpec.preset(named: trimmed) == nil, !isSizes else { throw flagged("--model", for: .model, e) }
            // A list of layers without its shape, for images of a size known once read.
            let parts: (inputShape: [Int]?, layers: [LayerSpec], encoderLayers: Int?, loss: LossKind?)
            do { parts = try ModelSpec.parseParts(trimmed, registry: CommandContext.registry) } catch let p as DescentError { throw flagged("--model", for: .model, p) }
            if parts.inputShape != nil { throw flagged("--model", for: .model, e) }
            loss = parts.loss ?? defaultLoss
        }
        if classifier && loss.isReconstruction {
            throw UsageError("--model \(trimmed): an autoencoder (loss \(loss.rawValue)); descent \(command) trains classifiers (a loss on labels, e.g. cross-entropy); train it with descent autoencoder or descent stacked")
        }
        if !classifier && !loss.isReconstruction {
            throw UsageError("--model \(trimmed): a classifier (loss \(loss.rawValue)); descent \(command) trains autoencoders (a reconstruction loss, e.g. mse or bce)")
        }
    }

    /// Builds the optimizer of `config` once before any data are read, so that a
    /// hyper-parameter out of range, or one the rule does not use, fails first, naming its
    /// flag: `--beta1: sgd: beta1 does not apply to SGD`.
    static func checkOptimizerEarly(_ config: OptimizerConfig) throws {
        _ = try flag("--optimizer") { try config.make() }
    }

    /// Starts `threads` compute threads (nil: one per core, at most `Parallel.maxThreads`),
    /// or fails in one line when the system lets fewer start (a process limit, `ulimit -u`):
    /// a run's numbers depend on its thread count, so it never runs on fewer than it records.
    static func setThreads(_ threads: Int?) throws {
        let wanted = threads ?? min(ProcessInfo.processInfo.activeProcessorCount, Parallel.maxThreads)
        let flag = threads.map { "--threads \($0)" } ?? "threads"
        Parallel.setThreads(wanted)
        guard Parallel.threads == wanted else {
            throw DescentError("\(flag): only \(Parallel.threads) of \(wanted) compute threads could be started (a limit on processes or threads, e.g. ulimit -u, is reached)")
        }
    }

    /// Raises the soft limit on open files to the hard one (as Go programs do), so that
    /// the limit met is the one the user cannot raise; returns the soft limit after.
    @discardableResult
    static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Int.max }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// Fails in one line when the limit on open files (`ulimit -n`) is below `count`.
    static func checkOpenFiles(_ count: Int, for what: String) throws {
        let limit = raiseOpenFileLimit()
        if limit < count {
            throw DescentError("\(what) needs at least \(count) open files, but the limit (ulimit -n) is \(limit)")
        }
    }

    /// Fails in one line unless `count` more threads can run at once now (`Parallel.room`);
    /// `what` starts the message ("compare's 2 worker processes").
    static func checkThreadRoom(_ count: Int, for what: String) throws {
        let room = Parallel.room(forThreads: count)
        if room < count {
            throw DescentError("\(what) needs \(count) more threads, but only \(room) can start (a limit on processes or threads, e.g. ulimit -u, is reached)")
        }
    }

    /// Refuses to train `spec` when the memory it needs (`ModelSpec.memoryEstimate`, plus
    /// `extra` bytes) exceeds what this machine has available,
    /// naming `flag`: `--model 784-100000000-10: training needs about 1.3 TB (…) with
    /// minibatches of 128, but this machine has 20.1 GB available`.
    /// Returns what one run needs and what is available (nil: unknown).
    @discardableResult
    static func checkMemory(_ spec: ModelSpec, batchSize: Int, optimizer: OptimizerConfig?, flag: String,
                            extra: Int = 0) throws -> (perRun: Int, available: Int?) {
        let estimate = spec.memoryEstimate(batchSize: batchSize, optimizer: try? optimizer?.make())
        let need = LayerKind.sum(estimate.total, extra)
        let available = MachineMemory.available()
        if let available, need > available {
            throw DescentError("\(flag): training needs about \(estimate) with minibatches of \(batchSize), but this machine has \(MemoryEstimate.text(available)) available")
        }
        return (need, available)
    }
}

extension JSONEncoder {
    /// Sorted keys: the canonical form of every JSON the tool writes.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}

/// `--model` help: the forms and the layers, wrapped to the help's columns.
enum ModelHelp {
    static var text: String {
        var lines = wrap(ModelSpec.presets.map(\.name).joined(separator: ", "), first: "  presets: ", rest: "    ")
        lines += [
            "  MLP sizes: 784-784-784-10 (with --activation and the dropout options)",
            "  layers, separated by commas, '|' after an autoencoder's encoder, optionally",
            "  starting with the input shape and ending with the loss:",
            "    '784: linear(100), sigmoid | linear(784), sigmoid; loss=mse'",
            "  layer kinds:",
        ]
        let column = String(repeating: " ", count: 33)
        for k in CommandContext.registry.layers {
            if k.usage.count < 28 {
                lines += wrap(k.summary, first: "    \(k.usage.padding(toLength: 28, withPad: " ", startingAt: 0)) ", rest: column)
            } else {
                lines += wrap(k.usage, first: "    ", rest: "      ") + wrap(k.summary, first: column, rest: column)
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `text` in lines of at most `width` characters (argument-parser breaks longer ones
    /// before their last word): the first line starts with `first`, the others with `rest`.
    /// A word longer than a line stands alone on its line.
    static func wrap(_ text: String, first: String, rest: String, width: Int = 79) -> [String] {
        var lines: [String] = [], line = first, empty = true
        for word in text.split(separator: " ") {
            if !empty && line.count + 1 + word.count > width {
                lines.append(line)
                line = rest
                empty = true
            }
            line += (empty ? "" : " ") + word
            empty = false
        }
        return lines + [line]
    }
}

/// A progress bar for long epochs, on stderr, only when stderr is a terminal: steps done,
/// images per second and the time left in the epoch, redrawn at most 10 times a second.
final class StepProgress {
    private let label: String
    private let examples: Int
    private let batchSize: Int
    private var epochStart = Date()
    private var lastDraw = Date.distantPast
    private var lastEpoch = -1

    /// nil when stderr is not a terminal (nothing is drawn then).
    init?(label: String, examples: Int, batchSize: Int) {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        self.label = label
        self.examples = examples
        self.batchSize = batchSize
    }

    func update(epoch: Int, of epochs: Int, step: Int, steps: Int) {
        let now = Date()
        if epoch != lastEpoch { lastEpoch = epoch; epochStart = now }
        guard now.timeIntervalSince(lastDraw) >= 0.1 || step == steps else { return }
        lastDraw = now
        let elapsed = now.timeIntervalSince(epochStart)
        let rate = Double(min(step * batchSize, examples)) / max(elapsed, 1e-9)
        let left = Double(steps - step) * elapsed / Double(max(step, 1))
        let width = 30
        let filled = width * step / max(steps, 1)
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" : "") + String(repeating: " ", count: max(0, width - filled - 1))
        let text = String(format: "\r%@ %d/%d [%@] %d/%d steps, %.0f images/s, %.0f s left ", label, epoch, epochs, bar, step, steps, rate, left)
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Erases the bar (before a result line is printed).
    func clear() { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
}

enum Output {
    /// Creates `path` if needed and takes its lock (`SweepLock`) for `command`, so that no
    /// other descent process writes the folder while this one does; the kernel releases it
    /// when the process ends.
    static func lockedFolder(_ path: String, command: String) throws -> SweepLock {
        try prepareFolder(path)
        return try SweepLock(folder: path, command: command)
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
