import ArgumentParser
import Descent
import Foundation

/// The `--json` line a sweep ends with (`compare`, `tune`): counts as numbers.
struct SweepSummaryLine: Encodable {
    var out: String
    var runs: Int?
    var ran: Int?
    var failed: Int
    var rejected: Int?

    /// `--keep-models`, the same in `compare` and `tune`.
    static let keepModelsHelp: ArgumentHelp = "Keep each run's trained weights in OUT/models/<key>.safetensors, for `descent evaluate` (off by default: 5 MB per seed-mlp run, 0.9 GB for the 180 runs of compare --preset full)."
}

/// The folder of a sweep (`compare`, `tune`), opened for this process: created, locked (a
/// second sweep on the same folder would run every run again), and its data loaded once —
/// so missing or corrupt files fail before anything runs, and a dataset is downloaded if
/// needed — with `--validation` checked against the training set. Release the lock when
/// the sweep ends (`defer { folder.lock.release() }`); the kernel releases it if the process dies.
struct SweepFolder {
    let out: String
    let lock: SweepLock
    let train: ImageSet
    let test: ImageSet
    /// How the data is named in messages: the `--data-dir` folder, or the dataset.
    let source: String
    /// The data the sweep runs on (a folder holds runs on one set of data).
    let fingerprint: DataFingerprint
    /// `out/results.jsonl`.
    let store: ResultsStore

    init(_ out: String, data: DatasetOptions, validation: Int?, command: String) throws {
        try Output.prepareFolder(out)
        lock = try SweepLock(folder: out, command: command)
        (train, test) = try DatasetLoader.load(data.dataset, dataDirectory: data.dataDir, cacheDirectory: nil, allowDownload: !data.offline,
                                               locations: CLI.dataLocations)
        source = data.source
        try CLI.checkValidation(validation, train: train, from: source)
        fingerprint = DataFingerprint(train: train, test: test)
        store = ResultsStore(path: out + "/results.jsonl", registry: CommandContext.registry)
        self.out = out
    }

    /// The shard of `--shard i/n`, or of the scheduler's variables (Slurm, Kubernetes), or nil.
    static func shard(_ flag: String?) throws -> Shard? {
        try flag.map { s in try CLI.flag("--shard") { try Shard.parse(s) } } ?? Shard.fromEnvironment(ProcessInfo.processInfo.environment)
    }

    /// Throws the sweep's one-line failure when runs did not finish (they are retried by
    /// rerunning the same command).
    static func check(_ failures: [String]) throws {
        guard let first = failures.first else { return }
        throw DescentError("\(failures.count) run(s) did not finish (\(first)); rerun the same command to retry them")
    }
}
