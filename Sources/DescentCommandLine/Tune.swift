import ArgumentParser
import Descent
import DescentReport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension TuningPlan.Preset: ExpressibleByArgument {}
extension TuningPlan.Criterion: ExpressibleByArgument {}

/// `descent tune`: a learning-rate search per optimizer on validation data, the chosen
/// rates rerun with several seeds, and the tuned-versus-default report. A command of its
/// own rather than `compare --tune`: its presets are grids, not seed counts; it runs in two
/// phases (the reruns depend on the grid's results); and its report is another one.
struct Tune: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: "Tune each optimizer's learning rate on a validation split, rerun the best, report tuned vs. default.",
        discussion: """
            For each optimizer: every rate of a log-spaced grid with one seed (the first),
            and the default rate with every seed; then the rate with the best final-epoch
            validation accuracy (--select loss: lowest validation loss) with every seed.
            Choices never look at the test set. Runs are ordinary records in
            OUT/results.jsonl (resumable, parallel, sharded as in `compare`); diverged grid
            points are recorded and never stop the search. OUT/tune.json holds the plan.
            Sharding: each shard (its own --out) runs its slice of the grid; the reruns
            start once the whole grid is visible, so run the same command again after every
            shard has finished, naming the other shards' folders with --merge. `descent
            report DIR…` merges shards.
            Examples:
              descent tune --preset quick
              descent tune --preset standard --out docs/tuning
              descent tune --lr-grid 1e-5:100:36 --seeds 10 --optimizers sgd,adam
            """) }

    @OptionGroup var common: CommonOptions
    @OptionGroup var data: DatasetOptions
    @OptionGroup var board: TensorBoardOptions

    @Option(help: "Sweep size: quick (5 rates over 1e-4…1, 2 seeds × 10 epochs on 10k images), standard (9 rates over 1e-4…1, 3 seeds × 10 epochs), deepobs (36 rates over 1e-5…1e2, 10 seeds × 20 epochs).")
    var preset: TuningPlan.Preset = .quick
    @Option(help: "The rates: LOW:HIGH:COUNT, log-spaced (overrides the preset), e.g. 1e-4:1:9.")
    var lrGrid: String?
    @Option(help: "Choose by final-epoch validation accuracy or loss.") var select: TuningPlan.Criterion = .accuracy
    @Option(help: "Hold out N training images for validation (overrides the preset; at least 1).") var validation: Int?
    @Option(help: "The network: a preset, MLP sizes or layers (see `descent train --help`; the default is seed-mlp's sizes).")
    var model = "784-784-784-10"
    @Option(help: "Comma-separated optimizers, each once (default: the six of the seed article).")
    var optimizers: String?
    @Option(help: "Number of seeds N: seeds S…S+N−1 (S: --seed) of the default-rate and chosen-rate runs; the grid uses the first (overrides the preset).") var seeds: Int?
    @Option(help: "Training epochs (per run; overrides the preset).") var epochs: Int?
    @Option(help: "Use only the first N training images (after the validation split; overrides the preset; 0 = all).") var trainLimit: Int?
    @Option(help: "Run only the shard i/n of the runs (of each phase's runs; default: from SLURM_ARRAY_* or JOB_COMPLETION_INDEX).")
    var shard: String?
    @Option(help: "Another folder whose results count as done and feed the choice (repeatable; e.g. other shards).")
    var merge: [String] = []
    @Option(help: "Concurrent runs (default: one per core).") var jobs: Int?
    @OptionGroup var schedule: ScheduleOptions
    @Flag(help: "Print progress even when stderr is not a terminal.") var verbose = false
    @Flag(help: "Do not write the report.") var noReport = false
    @Flag(help: SweepSummaryLine.keepModelsHelp) var keepModels = false

    func validate() throws {
        if let s = seeds, !(1...Compare.maxSeeds).contains(s) {
            throw ValidationError("--seeds must be between 1 and \(Compare.maxSeeds), got \(s)")
        }
        if common.seed > UInt64.max - UInt64((seeds ?? preset.seedCount) - 1) {
            throw ValidationError("--seed \(common.seed) with \(seeds ?? preset.seedCount) seed(s) goes past the largest seed, \(UInt64.max)")
        }
        if let e = epochs, e < 1 { throw ValidationError("--epochs must be at least 1, got \(e)") }
        if let j = jobs, j < 1 { throw ValidationError("--jobs must be at least 1, got \(j)") }
        if let t = trainLimit, t < 0 { throw ValidationError("--train-limit must be ≥ 0, got \(t)") }
        if let v = validation, v < 1 { throw ValidationError("--validation must be at least 1 for a tuning, got \(v)") }
    }

    /// Images held out for validation.
    var validationCount: Int { validation ?? preset.validation }

    /// The plan for `trainImages` training images (those left after the validation split):
    /// a train limit that leaves none out is recorded as none, and minibatches hold at most
    /// the whole set, as in `compare`.
    func makePlan(trainImages: Int) throws -> TuningPlan {
        let spec = try CLI.flag("--model", for: .model) {
            try ModelSpec.resolve(model, inputShape: data.dataset.imageShape, loss: .crossEntropy, mlp: (.relu, 0.1, 0.5), registry: CommandContext.registry)
        }
        let kinds = try optimizers.map { try CLI.optimizerList($0) } ?? OptimizerConfig.seedDefaults.map(\.kind)
        let rates = try lrGrid.map { g in try CLI.flag("--lr-grid") { try LearningRateGrid.parse(g) } }?.rates ?? preset.grid.rates
        let limit = ClassifierRunConfig.trainLimit(trainLimit.map { $0 == 0 ? nil : $0 } ?? preset.trainLimit, available: trainImages)
        let base = try kinds.map { k -> ClassifierRunConfig in
            var c = ClassifierRunConfig.seedMLP(OptimizerConfig(kind: k), dataset: data.dataset, epochs: epochs ?? preset.epochs,
                                                trainLimit: limit, validation: validationCount)
            c.model = spec
            c.batchSize = min(c.batchSize, limit ?? trainImages)
            // The schedule spans each run's steps (over at most 2⁴⁰ for the early check's unknown size).
            c.optimizer.schedule = try schedule.schedule(stepsPerEpoch: ScheduleOptions.steps(examples: Swift.min(limit ?? trainImages, 1 << 40),
                                                                                            batchSize: c.batchSize), epochs: c.epochs)
            return c
        }
        return try TuningPlan(base: base, rates: rates, seeds: (0..<UInt64(seeds ?? preset.seedCount)).map { common.seed + $0 },
                              select: select)
    }

    func run() throws {
        try DescentCommand.run {
            try CLI.checkModelEarly(model, classifier: true, command: "tune", imageShape: data.dataset.imageShape, mlp: (.relu, 0.1, 0.5))
            _ = try makePlan(trainImages: Int.max)   // bad flags fail before anything is loaded
            let selected = try SweepFolder.shard(shard)
            // Opened before tune.json is written: missing or corrupt data fails first.
            let folder = try SweepFolder(common.out ?? "runs/tune-\(preset.rawValue)-\(data.dataset.rawValue)",
                                         data: data, validation: validationCount, command: "tune")
            defer { folder.lock.release() }
            let (out, train, test, source, store, fingerprint) = (folder.out, folder.train, folder.test, folder.source, folder.store, folder.fingerprint)
            let plan = try makePlan(trainImages: train.count - validationCount)
            try CLI.check(plan.base[0].model, fits: train, test, from: source)
            // A run is done when a record of its key is there, on these data (as in `compare`).
            func known() throws -> [RunRecord] {
                try store.read().records + merge.flatMap { try TuneFolder.records(in: $0, for: plan) }
            }
            try SweepData.checkFolder(try store.read().records, out: out, data: fingerprint, files: data)
            for folder in merge {
                try SweepData.checkFolder(try TuneFolder.records(in: folder, for: plan), out: folder, data: fingerprint, files: data)
            }
            try TuneFolder.claim(out, for: plan)
            let cores = common.threads ?? ProcessInfo.processInfo.activeProcessorCount
            // Threads per run from the size of the whole tuning (as in `compare`), so every
            // shard and every resumption trains each run with the same thread count.
            let full = ExecutionPlan.choose(pendingRuns: plan.phase1.count + plan.seeds.count * plan.base.count, cores: cores, jobs: jobs)
            var failures: [String] = []
            let modelsDir = keepModels ? out + "/models" : nil
            if let modelsDir { try Output.prepareFolder(modelsDir) }

            func runPhase(_ name: String, _ all: [RunSpec]) throws {
                let runs = selected.map { $0.select(all) } ?? all
                let done = Set(try known().map(\.key))
                let pending = runs.filter { !done.contains($0.key) }
                var phasePlan = full
                phasePlan.jobs = max(1, min(full.jobs, pending.count))
                if !common.json {
                    print("\(out): \(name): \(runs.count) runs\(selected.map { " (shard \($0) of \(all.count))" } ?? ""), \(runs.count - pending.count) already done, \(pending.count) to run as \(phasePlan)")
                }
                let runner = SweepRunner(store: store, plan: phasePlan, dataDir: data.dataDir,
                                         fingerprint: fingerprint, modelsDir: modelsDir,
                                         showProgress: verbose || isatty(STDERR_FILENO) == 1)
                runner.workerArguments = board.workerArguments
                failures += try runner.run(pending)
            }

            try runPhase("grid and default rates", plan.phase1)
            if let reruns = plan.phase2(try known()) {
                try runPhase("chosen rates", reruns)
            } else if !common.json {
                let have = Set(try known().map(\.key))
                let missing = plan.gridRuns.filter { !have.contains($0.key) }.count
                print("\(out): \(missing) grid run(s) not done yet (other shards, or failed): the chosen rates are rerun when this command sees the whole grid (run it again, with --merge for other shards' folders)")
            }
            if !noReport {
                let records = try known()
                if !records.isEmpty {
                    let written = try TuningReport(plan: plan, records: records).write(to: out)
                    if !common.json { print("report: \(written.joined(separator: ", "))") }
                }
            }
            if common.json {
                printJSONLine(SweepSummaryLine(out: out, failed: failures.count))
            }
            try SweepFolder.check(failures)
        }
    }
}

/// The `tune.json` beside a tuning's results: a folder holds one plan, never a mix.
enum TuneFolder {
    static func planPath(_ folder: String) -> String { folder + "/tune.json" }

    /// Writes the plan into `folder`, or checks that the plan already there is the same.
    static func claim(_ folder: String, for plan: TuningPlan) throws {
        let path = planPath(folder)
        if FileManager.default.fileExists(atPath: path) {
            let stored = try read(folder)
            guard stored == plan else {
                throw DescentError("--out: \(folder) holds another tuning (\(path) differs from this command's grid, seeds, optimizers or runs); choose another --out")
            }
            return
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try writeAtomically(String(decoding: try encoder.encode(plan), as: UTF8.self) + "\n", to: path)
    }

    /// The plan stored in `folder`.
    static func read(_ folder: String) throws -> TuningPlan {
        let path = planPath(folder)
        guard let data = FileManager.default.contents(atPath: path) else { throw DescentError("\(path): cannot read") }
        do { return try JSONDecoder.descent(CommandContext.registry).decode(TuningPlan.self, from: data) } catch {
            throw DescentError("\(path): not a tuning plan")
        }
    }

    /// The records of a `--merge` folder, which must hold the same tuning (or no plan).
    static func records(in folder: String, for plan: TuningPlan) throws -> [RunRecord] {
        let file = folder + "/results.jsonl"
        guard FileManager.default.fileExists(atPath: file) else { throw DescentError("--merge: no results.jsonl in \(folder)") }
        if FileManager.default.fileExists(atPath: planPath(folder)), try read(folder) != plan {
            throw DescentError("--merge: \(folder) holds another tuning (its tune.json differs from this command's)")
        }
        return try ResultsStore(path: file, registry: CommandContext.registry).read().records
    }

    /// The tuning plan of folders being merged by `descent report` (nil: none has one, a
    /// comparison); they must agree.
    static func plan(of inputs: [String]) throws -> TuningPlan? {
        let plans = try inputs.filter { FileManager.default.fileExists(atPath: planPath($0)) }.map { ($0, try read($0)) }
        guard let (_, first) = plans.first else { return nil }
        if let other = plans.first(where: { $0.1 != first }) {
            throw DescentError("report: \(other.0) holds another tuning than \(plans[0].0) (their tune.json differ)")
        }
        return first
    }
}
