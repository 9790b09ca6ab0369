import ArgumentParser
import Descent
import DescentReport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Sweep.Preset: ExpressibleByArgument {}

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare optimizers: a resumable multi-seed sweep, then a report.",
        discussion: """
            Runs every optimizer × seed on seed-mlp (784-784-784-10, ReLU, dropout 0.1/0.5,
            minibatch 128) and appends one JSON line per finished run to OUT/results.jsonl.
            Rerunning the same command skips finished runs. Independent runs go to child
            processes, one per core with one BLAS thread each; a single run gets every core.
            Shards (--shard i/n, or Slurm / Kubernetes Indexed Job variables) split the run
            list across processes or machines; `descent report DIR…` merges their results.
            Each run's trained weights go to OUT/models/<key>.safetensors (--no-models to
            skip), which `descent evaluate --checkpoint` reads.
            Example: descent compare --model lenet5 --seeds 2 --epochs 10 --out runs/lenet5
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "Dataset: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var dataset: DatasetName = .fashionMNIST
    @Option(help: "Folder holding the four IDX files (gzipped or not, standard names).")
    var dataDir: String?

    @Option(help: "Sweep size: quick (2 seeds × 10 epochs on 10k images, about 2 minutes on 2 cores), standard (3 seeds × 20 epochs), full (30 seeds × 20 epochs, the seed article).")
    var preset: Sweep.Preset = .quick
    @Option(help: "The classifier: a preset, MLP sizes (ReLU, dropout 0.1/0.5 as seed-mlp) or layers (see `descent train --help`).")
    var model = "784-784-784-10"
    @Option(help: "Comma-separated optimizers to compare (default: the six of the seed article).")
    var optimizers: String?
    @Option(help: "Number of seeds 0…N−1 (overrides the preset).") var seeds: Int?
    @Option(help: "Epochs per run (overrides the preset).") var epochs: Int?
    @Option(help: "Use only the first N training images (overrides the preset; 0 = all).") var trainLimit: Int?
    @Option(help: "Run only the shard i/n of the run list (default: from SLURM_ARRAY_* or JOB_COMPLETION_INDEX).")
    var shard: String?
    @Option(help: "Concurrent runs (default: one per core if there are enough runs, else one run on all cores).")
    var jobs: Int?
    @Flag(help: "Print progress even when stderr is not a terminal.") var verbose = false
    @Flag(help: "Do not write the report after the sweep.") var noReport = false
    @Flag(help: "Do not keep each run's trained weights (OUT/models/<key>.safetensors).") var noModels = false

    func validate() throws {
        if let s = seeds, s < 1 { throw ValidationError("--seeds must be at least 1, got \(s)") }
        if let e = epochs, e < 1 { throw ValidationError("--epochs must be at least 1, got \(e)") }
        if let j = jobs, j < 1 { throw ValidationError("--jobs must be at least 1, got \(j)") }
        if let t = trainLimit, t < 0 { throw ValidationError("--train-limit must be ≥ 0, got \(t)") }
    }

    func makeSweep() throws -> Sweep {
        var sweep = Sweep.preset(preset, dataset: dataset)
        if let list = optimizers {
            let kinds = try list.split(separator: ",").map { name -> OptimizerKind in
                guard let k = OptimizerKind(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
                    throw DescentError("--optimizers: unknown optimizer '\(name)'; choose from \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return k
            }
            guard !kinds.isEmpty else { throw DescentError("--optimizers: empty list") }
            sweep.configs = kinds.map { .seedMLP(OptimizerConfig(kind: $0), dataset: dataset, epochs: preset.epochs, trainLimit: preset.trainLimit) }
        }
        let spec = try CLI.flag("--model") {
            try ModelSpec.resolve(model, inputShape: dataset.imageShape, loss: .crossEntropy, mlp: (.relu, 0.1, 0.5))
        }
        for i in sweep.configs.indices {
            sweep.configs[i].model = spec
            if let e = epochs { sweep.configs[i].epochs = e }
            if let t = trainLimit { sweep.configs[i].trainLimit = t == 0 ? nil : t }
        }
        if let s = seeds { sweep.seeds = (0..<UInt64(s)).map { $0 } }
        return sweep
    }

    func run() throws {
        try DescentCommand.run {
            let sweep = try makeSweep()
            let selected: Shard? = try shard.map { s in try CLI.flag("--shard") { try Shard.parse(s) } } ?? Shard.fromEnvironment(ProcessInfo.processInfo.environment)
            let runs = selected.map { $0.select(sweep.runs) } ?? sweep.runs
            let out = common.out ?? "runs/compare-\(preset.rawValue)-\(dataset.rawValue)"
            try Output.prepareFolder(out)
            // One sweep per folder at a time: a second one would run every run again.
            let folderLock = try SweepLock(folder: out)
            defer { folderLock.release() }
            let store = ResultsStore(path: out + "/results.jsonl")
            let done = Set(try store.read().records.map(\.key))
            let pending = runs.filter { !done.contains($0.key) }
            // Load once here: fails early on missing/corrupt data and downloads if needed.
            let (train, test) = try DatasetLoader.load(dataset, dataDirectory: dataDir, cacheDirectory: nil, allowDownload: true)
            try CLI.check(sweep.configs[0].model, fits: train, test, from: dataDir ?? dataset.rawValue)

            let cores = common.threads ?? ProcessInfo.processInfo.activeProcessorCount
            // BLAS threads per run follow from the whole sweep, not from what is pending or
            // in this shard: a run's numbers depend on its thread count (OpenBLAS splits the
            // sums differently), so a resumed or sharded sweep must give each run the same one.
            let full = ExecutionPlan.choose(pendingRuns: sweep.runs.count, cores: cores, jobs: jobs)
            var plan = full
            plan.jobs = max(1, min(full.jobs, pending.count))
            let note = "\(runs.count) runs\(selected.map { " (shard \($0) of \(sweep.runs.count))" } ?? ""), \(runs.count - pending.count) already done, \(pending.count) to run as \(plan)"
            if !common.json { print("\(out): \(note)") }

            let modelsDir = noModels ? nil : out + "/models"
            if let modelsDir { try Output.prepareFolder(modelsDir) }
            let runner = SweepRunner(store: store, plan: plan, dataset: dataset, dataDir: dataDir, modelsDir: modelsDir,
                                     showProgress: verbose || isatty(STDERR_FILENO) == 1)
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
                printJSONLine(["out": out, "runs": "\(runs.count)", "ran": "\(pending.count - failures.count)", "failed": "\(failures.count)"])
            }
            if !failures.isEmpty {
                throw DescentError("\(failures.count) run(s) did not finish (\(failures.first!)); rerun the same command to retry them")
            }
        }
    }
}

