import ArgumentParser
import Descent
import DescentReport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Sweep.Preset: ExpressibleByArgument {}

struct Compare: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: "Compare optimizers: a resumable multi-seed sweep, then a report.",
        discussion: """
            Runs every optimizer × seed on seed-mlp (784-784-784-10, ReLU, dropout 0.1/0.5,
            minibatch 128) and appends one JSON line per finished run to OUT/results.jsonl.
            Rerunning the same command skips finished runs. Independent runs go to child
            processes, one per core with one BLAS thread each; a single run gets every
            core. Shards (--shard i/n, or Slurm / Kubernetes Indexed Job variables) split
            the run list across processes or machines; `descent report DIR…` merges their
            results. With --keep-models each run's trained weights go to
            OUT/models/<key>.safetensors, which `descent evaluate` reads. A run counts as
            done when its record passes the checks (key, epochs, numbers in range; rejected
            lines are named and redone) and was made on the same data (the fingerprint of
            the four files); a folder holds runs on one set of data.
            Example: descent compare --model lenet5 --seeds 2 --epochs 10 --out runs/lenet5
            """) }

    @OptionGroup var common: CommonOptions
    @OptionGroup var data: DatasetOptions
    @OptionGroup var board: TensorBoardOptions

    @Option(help: "Sweep size: quick (2 seeds × 10 epochs on 10k images, about 1 minute on 2 cores), standard (3 seeds × 20 epochs), full (30 seeds × 20 epochs, the seed article).")
    var preset: Sweep.Preset = .quick
    @Option(help: "The network: a preset, MLP sizes (ReLU, dropout 0.1/0.5 as seed-mlp) or layers (see `descent train --help`; the default is seed-mlp's sizes).")
    var model = "784-784-784-10"
    @Option(help: "Comma-separated optimizers, each once (default: the six of the seed article).")
    var optimizers: String?
    @OptionGroup(title: "Hyper-parameters (for every optimizer compared)")
    var hyper: HyperParameterOptions
    @Option(help: "Number of seeds N: seeds S…S+N−1 with S from --seed (overrides the preset; at most \(Compare.maxSeeds)).")
    var seeds: Int?
    @Option(help: "Training epochs (per run; overrides the preset).") var epochs: Int?
    @Option(help: "Use only the first N training images (overrides the preset; 0 = all).") var trainLimit: Int?
    @Option(help: "Hold out N training images for validation (the same ones in every run; 0 = none): best epochs are then chosen on validation.")
    var validation: Int?
    @Option(help: "Run only the shard i/n of the runs (default: from SLURM_ARRAY_* or JOB_COMPLETION_INDEX).")
    var shard: String?
    @Option(help: "Concurrent runs (default: one per core if there are enough runs, else one run on all cores).")
    var jobs: Int?
    @Flag(help: "Print progress even when stderr is not a terminal.") var verbose = false
    @Flag(help: "Do not write the report.") var noReport = false
    @Flag(help: SweepSummaryLine.keepModelsHelp) var keepModels = false
    /// The old spelling of the default (keeping no weights), accepted for one release.
    @Flag(help: .hidden) var noModels = false

    /// The most seeds a sweep takes: each is one run per optimizer (the seed article uses 30).
    static let maxSeeds = 10_000

    func validate() throws {
        if let s = seeds, !(1...Compare.maxSeeds).contains(s) {
            throw ValidationError("--seeds must be between 1 and \(Compare.maxSeeds) (each seed is one run per optimizer), got \(s)")
        }
        let count = UInt64(seeds ?? preset.seedCount)
        if common.seed > UInt64.max - (count - 1) {
            throw ValidationError("--seed \(common.seed) with \(count) seed(s) goes past the largest seed, \(UInt64.max)")
        }
        if let e = epochs, e < 1 { throw ValidationError("--epochs must be at least 1, got \(e)") }
        if let j = jobs, j < 1 { throw ValidationError("--jobs must be at least 1, got \(j)") }
        if let t = trainLimit, t < 0 { throw ValidationError("--train-limit must be ≥ 0, got \(t)") }
        if let v = validation, v < 0 { throw ValidationError("--validation must be ≥ 0, got \(v)") }
    }

    /// The optimizers of `--optimizers`, each once, in the order given.
    func optimizerKinds() throws -> [OptimizerKind]? { try optimizers.map(CLI.optimizerList) }

    /// The sweep for a training set of `trainImages` images (after the validation split):
    /// a train limit that leaves no image out is recorded as none, and minibatches hold at
    /// most the whole set, so every record says what was used.
    func makeSweep(trainImages: Int) throws -> Sweep {
        var sweep = Sweep.preset(preset, dataset: data.dataset)
        if let kinds = try optimizerKinds() {
            sweep.configs = kinds.map { .seedMLP(OptimizerConfig(kind: $0), dataset: data.dataset, epochs: preset.epochs, trainLimit: preset.trainLimit) }
        }
        for flag in hyper.given {
            let parameter = CommandContext.registry.hyperParameters.first { $0.flag == flag }
            if let p = parameter, let k = sweep.configs.first(where: { !$0.optimizer.kind.rule.uses(p) })?.optimizer.kind {
                throw UsageError("\(flag) does not apply to \(k.rawValue): compare it with optimizers that use it (--optimizers)")
            }
        }
        let spec = try CLI.flag("--model", for: .model) {
            try ModelSpec.resolve(model, inputShape: data.dataset.imageShape, loss: .crossEntropy, mlp: (.relu, 0.1, 0.5), registry: CommandContext.registry)
        }
        for i in sweep.configs.indices {
            sweep.configs[i].model = spec
            sweep.configs[i].optimizer = hyper.config(sweep.configs[i].optimizer.kind)
            try CLI.checkOptimizerEarly(sweep.configs[i].optimizer)
            if let e = epochs { sweep.configs[i].epochs = e }
            if let t = trainLimit { sweep.configs[i].trainLimit = t == 0 ? nil : t }
            sweep.configs[i].trainLimit = ClassifierRunConfig.trainLimit(sweep.configs[i].trainLimit, available: trainImages)
            sweep.configs[i].batchSize = min(sweep.configs[i].batchSize, sweep.configs[i].trainLimit ?? trainImages)
            sweep.configs[i].validation = validation == 0 ? nil : validation
            // The schedule spans each run's steps (over at most 2⁴⁰ for the early check's unknown size).
            let c = sweep.configs[i]
            sweep.configs[i].optimizer = try hyper.config(c.optimizer.kind, examples: Swift.min(c.trainLimit ?? trainImages, 1 << 40),
                                                          batchSize: c.batchSize, epochs: c.epochs)
        }
        let first = common.seed
        sweep.seeds = (0..<UInt64(seeds ?? preset.seedCount)).map { first + $0 }
        return sweep
    }

    func run() throws {
        try DescentCommand.run {
            _ = try optimizerKinds()   // a bad list or shard fails before anything is loaded
            try CLI.checkModelEarly(model, classifier: true, command: "compare", imageShape: data.dataset.imageShape, mlp: (.relu, 0.1, 0.5))
            _ = try makeSweep(trainImages: Int.max)   // hyper-parameters too
            let selected = try SweepFolder.shard(shard)
            let folder = try SweepFolder(common.out ?? "runs/compare-\(preset.rawValue)-\(data.dataset.rawValue)",
                                         data: data, validation: validation, command: "compare")
            defer { folder.lock.release() }
            let (out, train, test, source, store) = (folder.out, folder.train, folder.test, folder.source, folder.store)
            let sweep = try makeSweep(trainImages: train.count - (validation ?? 0))
            try CLI.check(sweep.configs[0].model, fits: train, test, from: source)
            let runs = selected.map { $0.select(sweep.runs) } ?? sweep.runs

            // A run is done when a trusted record of its key is there, on these data.
            let contents = try store.read()
            try SweepData.checkFolder(contents.records, out: out, data: folder.fingerprint, files: data)
            let done = Set(contents.records.map(\.key))
            let pending = runs.filter { !done.contains($0.key) }

            let cores = common.threads ?? ProcessInfo.processInfo.activeProcessorCount
            // BLAS threads per run follow from the whole sweep, not from what is pending or
            // in this shard: a run's numbers depend on its thread count (OpenBLAS splits the
            // sums differently), so a resumed or sharded sweep must give each run the same one.
            let full = ExecutionPlan.choose(pendingRuns: sweep.runs.count, cores: cores, jobs: jobs)
            var plan = full
            plan.jobs = max(1, min(full.jobs, pending.count))
            // Each worker holds its network and the data; fewer at once if memory is short.
            func estimate(_ c: ClassifierRunConfig) -> Int { c.model.memoryEstimate(batchSize: c.batchSize, optimizer: try? c.optimizer.make()).total }
            let config = sweep.configs.max { estimate($0) < estimate($1) }!
            let memory = try CLI.checkMemory(config.model, batchSize: config.batchSize, optimizer: config.optimizer,
                                             flag: "--model \(model)", extra: 2 * (train.pixels.count + test.pixels.count))
            if let available = memory.available { plan.jobs = max(1, min(plan.jobs, available / max(memory.perRun, 1))) }
            let note = "\(runs.count) runs\(selected.map { " (shard \($0) of \(sweep.runs.count))" } ?? ""), \(runs.count - pending.count) already done, \(pending.count) to run as \(plan)"
            if !common.json {
                print("\(out): \(note)")
                if let rejected = contents.rejectedSummary() { print("\(out): \(rejected) (not counted as done)") }
            }

            if noModels { CLI.deprecated("--no-models", use: "nothing (weights are kept only with --keep-models)") }
            let modelsDir = keepModels ? out + "/models" : nil
            if let modelsDir { try Output.prepareFolder(modelsDir) }
            let runner = SweepRunner(store: store, plan: plan, dataDir: data.dataDir, fingerprint: folder.fingerprint,
                                     modelsDir: modelsDir, showProgress: verbose || isatty(STDERR_FILENO) == 1)
            runner.workerArguments = board.workerArguments
            // Every shard leaves a results file, even with no runs, so `descent report shard-*` merges it.
            try store.createIfMissing()
            let failures = try runner.run(pending)

            if !noReport {
                let contents = try store.read()
                if contents.records.isEmpty {
                    if !common.json { print("report: none (no finished runs in \(out))") }
                } else {
                    let written = try ComparisonReport(records: contents.records).write(to: out)
                    if !common.json { print("report: \(written.joined(separator: ", "))") }
                }
            }
            if common.json {
                printJSONLine(SweepSummaryLine(out: out, runs: runs.count, ran: pending.count - failures.count, failed: failures.count,
                                               rejected: contents.rejected.count))
            }
            try SweepFolder.check(failures)
        }
    }
}

/// The data of a sweep folder: one folder holds runs on one set of data.
enum SweepData {
    /// Throws when `records` (trusted records of the folder `out`) include runs on other
    /// data than `data` — a run's key does not say which data it ran on, so a folder of
    /// Fashion-MNIST runs fed other files would otherwise look done, or mix the two. Records
    /// written before fingerprints count as runs on their dataset's catalogue files, which
    /// these data are when `DataFingerprint.isCatalogue` says so or, where the catalogue knows
    /// no uncompressed digests, when the folder read holds the catalogue's `.gz` files.
    static func checkFolder(_ records: [RunRecord], out: String, data: DataFingerprint, files: DatasetOptions) throws {
        var catalogue: [DatasetName: Bool] = [:]
        func isCatalogue(_ name: DatasetName) -> Bool {
            if let known = catalogue[name] { return known }
            var answer = data.isCatalogue(name)
            if !answer, name == files.dataset, DataFingerprint.catalogue(name) == nil,
               let directory = DatasetLoader.localDirectory(of: name, dataDirectory: files.dataDir, locations: CLI.dataLocations) {
                answer = DatasetLoader.holdsCatalogueFiles(name, in: directory)
            }
            catalogue[name] = answer
            return answer
        }
        let other = records.filter { !$0.isRun(on: data, isCatalogue: isCatalogue) }
        guard let first = other.first else { return }
        let theirs = first.data.map { "data fingerprint \(DataFingerprint.short($0.fingerprint))" }
            ?? "no data fingerprint (recorded before fingerprints, so taken to be the catalogue's \(first.config.dataset.displayName) files)"
        throw DescentError("\(out) holds \(other.count) run(s) on other data than \(files.source) (data fingerprint \(data)): the first has \(theirs); a folder holds runs on one set of data, so use another --out")
    }
}

