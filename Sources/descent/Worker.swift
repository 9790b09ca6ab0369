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
    static let configuration = CommandConfiguration(
        abstract: "Run one run of a sweep (internal; started by `compare`).", shouldDisplay: false)

    @Option(help: "The run as JSON (config + seed).") var spec: String
    @Option(help: "Compute threads (BLAS and the pool).") var threads = 1
    @Option(help: "Folder holding the IDX files.") var dataDir: String?
    @Option(help: "Folder for the trained weights (<key>.safetensors).") var modelsDir: String?

    func run() throws {
        // Die with the parent: a killed sweep leaves no orphan training.
        if descent_die_with_parent() == 0, getppid() == 1 { throw ExitCode(1) }
        try DescentCommand.run {
            Parallel.setThreads(threads)
            guard let runSpec = try? JSONDecoder().decode(RunSpec.self, from: Data(spec.utf8)) else {
                throw DescentError("--spec: not a valid run description")
            }
            let (train, test) = try DatasetLoader.load(runSpec.config.dataset, dataDirectory: dataDir,
                                                       cacheDirectory: nil, allowDownload: false)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let record = try RunExecutor.run(runSpec, train: train, test: test, onEpoch: { m in
                if let d = try? encoder.encode(m) { print("E " + String(decoding: d, as: UTF8.self)); fflush(stdout) }
            }, onFinish: { trainer, epochs in
                guard let modelsDir else { return }
                try Checkpoint.save(trainer.network, optimizer: nil, epochsDone: trainer.epochsDone,
                                    run: String(decoding: try encoder.encode(runSpec), as: UTF8.self), history: epochs,
                                    metadata: ["command": "compare", "key": runSpec.key], to: modelsDir + "/\(runSpec.key).safetensors")
            })
            print("R " + String(decoding: try encoder.encode(record), as: UTF8.self))
            fflush(stdout)
        }
    }
}

/// Writes the comparison report of one or more result folders.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the results.jsonl of one or more folders (e.g. shards) and write the report.")

    @Argument(help: "Folders (or results.jsonl files) to merge.") var inputs: [String]
    @Option(help: "Where to write the report (default: the first folder).") var out: String?

    func run() throws {
        try DescentCommand.run {
            guard !inputs.isEmpty else { throw DescentError("report: name at least one results folder") }
            let merged = try ResultsStore.merge(inputs)
            guard !merged.records.isEmpty else { throw DescentError("report: no finished runs in \(inputs.joined(separator: ", "))") }
            let target = out ?? inputs[0]
            try Output.prepareFolder(target)
            let written = try ComparisonReport(records: merged.records).write(to: target)
            print("\(merged.records.count) runs\(merged.skippedLines > 0 ? " (\(merged.skippedLines) unreadable line(s) skipped)" : ""); wrote \(written.joined(separator: ", "))")
        }
    }
}
