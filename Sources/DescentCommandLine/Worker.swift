import ArgumentParser
import Descent
import DescentReport
import Foundation
import CPlatform
#if canImport(Glibc)
import Glibc
#endif

/// Internal: runs one sweep run and reports it on stdout (used by `compare`).
struct Worker: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: "Run one run of a sweep (internal; started by `compare`).", shouldDisplay: false) }

    @Option(help: "The run as JSON (config + seed).") var spec: String
    @Option(help: "Compute threads (BLAS and the pool).") var threads = 1
    @Option(help: "Folder holding the dataset's files.") var dataDir: String?
    @Option(help: "Folder for the trained weights (<key>.safetensors).") var modelsDir: String?
    @Option(help: "The fingerprint of the sweep's data (DataFingerprint); other data are refused.") var dataFingerprint: String?
    @OptionGroup var board: TensorBoardOptions

    func run() throws {
        // Die with the parent: a killed sweep leaves no orphan training.
        if descent_die_with_parent() == 0, getppid() == 1 { throw ExitCode(1) }
        try DescentCommand.run {
            try CLI.setThreads(threads)
            guard let runSpec = try? JSONDecoder.descent(CommandContext.registry).decode(RunSpec.self, from: Data(spec.utf8)) else {
                throw DescentError("--spec: not a valid run description")
            }
            let (train, test) = try DatasetLoader.load(runSpec.config.dataset, dataDirectory: dataDir,
                                                       cacheDirectory: nil, allowDownload: false, locations: CLI.dataLocations)
            let fingerprint = DataFingerprint(train: train, test: test)
            if let expected = dataFingerprint, expected != fingerprint.value {
                throw DescentError("the data in \(dataDir ?? runSpec.config.dataset.rawValue) changed during the sweep (data fingerprint \(fingerprint), the sweep started with \(DataFingerprint.short(expected)))")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            // TensorBoard: one run folder per record key, led by what tells the runs apart at a glance.
            let optimizer = runSpec.config.optimizer
            let label = optimizer.kind.rawValue + (optimizer[.learningRate].map { "-lr\($0)" } ?? "") + "-seed\(runSpec.seed)"
            let log = try board.log(run: label + "-" + runSpec.key)
            var learningRate: () -> Float = { .nan }
            var logError: Error?
            let record = try RunExecutor.run(runSpec, train: train, test: test, fingerprint: fingerprint, onStart: { trainer in
                log?.observe(trainer, then: nil)
                learningRate = { [unowned trainer] in trainer.optimizer.learningRate }
            }, onEpoch: { m in
                if let d = try? encoder.encode(m) { print("E " + String(decoding: d, as: UTF8.self)); fflush(nil) }
                do { try log?.epoch(m, learningRate: learningRate()) } catch { logError = logError ?? error }
            }, onFinish: { trainer, epochs in
                guard let modelsDir else { return }
                try Checkpoint.save(trainer.network, optimizer: nil, epochsDone: trainer.epochsDone,
                                    run: String(decoding: try encoder.encode(runSpec), as: UTF8.self), history: epochs,
                                    metadata: ["command": "compare", "key": runSpec.key], to: modelsDir + "/\(runSpec.key).safetensors")
            })
            if let logError { throw logError }
            print("R " + String(decoding: try encoder.encode(record), as: UTF8.self))
            fflush(nil)
        }
    }
}

/// Writes the comparison report of one or more result folders.
struct Report: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: "Merge the results of one or more folders (e.g. shards) and write the report.",
        discussion: """
            Folders of `compare` or `tune` (results.jsonl) give their report; folders of
            `benchmark` (trials.jsonl) give the benchmark's, from the trials of one
            benchmark (one --seed, one definition of each workload; a trial in two
            folders counts once).
            Example: descent report runs/bench-0 runs/bench-1 --out runs/bench
            """) }

    @Argument(help: "Folders (or results.jsonl or trials.jsonl files) to merge.") var inputs: [String]
    @Option(help: "Folder for the files written (default: the first input, or the folder holding it when it is a file).") var out: String?

    /// Where the files go: `--out`, else the first input, or the folder holding it when it is a file.
    var target: String {
        if let out { return out }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: inputs[0], isDirectory: &isFolder), !isFolder.boolValue else { return inputs[0] }
        let parent = (inputs[0] as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    func run() throws {
        try DescentCommand.run {
            guard !inputs.isEmpty else { throw DescentError("report: name at least one results folder") }
            if inputs.contains(where: { $0.hasSuffix("trials.jsonl") || FileBytes.exists($0 + "/trials.jsonl") }) {
                return try benchmarkReport()
            }
            let merged = try ResultsStore.merge(inputs, registry: CommandContext.registry)
            let rejected = merged.rejectedSummary().map { " (\($0), left out)" } ?? ""
            guard !merged.records.isEmpty else { throw DescentError("report: no finished runs in \(inputs.joined(separator: ", "))\(rejected)") }
            let lock = try Output.lockedFolder(target, command: "report")
            defer { lock.release() }
            let written: [String]
            var differ = ""
            if let plan = try TuneFolder.plan(of: inputs) {
                written = try TuningReport(plan: plan, records: merged.records).write(to: target)
            } else {
                let report = ComparisonReport(records: merged.records)
                written = try report.write(to: target)
                differ = report.summary.differences.isEmpty ? "" : "; the runs differ in \(report.summary.differences.joined(separator: ", ")), each row is labelled with its own"
            }
            print("\(merged.records.count) runs\(rejected)\(differ); wrote \(written.joined(separator: ", "))")
        }
    }

    /// The report of a benchmark's trials gathered from `inputs` (`BenchmarkMerge`).
    func benchmarkReport() throws {
        let merged = try BenchmarkMerge(inputs, registry: CommandContext.registry)
        for r in merged.rejected { FileHandle.standardError.write(Data("descent: warning: \(r) (left out)\n".utf8)) }
        guard !merged.trials.isEmpty else { throw DescentError("report: no trials in \(inputs.joined(separator: ", "))") }
        let lock = try Output.lockedFolder(target, command: "report")
        defer { lock.release() }
        if Set(merged.trials.map(\.machine)).count > 1 {
            FileHandle.standardError.write(Data("descent: warning: the trials come from several machines (CPU, kernels or threads): their times do not compare; summary.md names them\n".utf8))
        }
        let files = try BenchmarkReport(suite: merged.suite, trials: merged.trials, optimizers: merged.optimizers).write(to: target)
        let left = merged.rejected.isEmpty ? "" : " (\(merged.rejected.count) left out)"
        print("\(merged.trials.count) trials\(left); wrote \(files.map { target + "/" + $0 }.joined(separator: ", "))")
    }
}
