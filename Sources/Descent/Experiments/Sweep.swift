/// A deterministic list of runs: every configuration × every seed.
///
/// Runs are ordered seed-major (all configurations for seed 0, then seed 1, …) so a
/// partial sweep already compares every configuration. The order depends only on
/// the configurations and seeds, so shards computed by separate processes or
/// machines partition the same list.
public struct Sweep: Sendable {
    public var configs: [ClassifierRunConfig]
    public var seeds: [UInt64]

    public init(configs: [ClassifierRunConfig], seeds: [UInt64]) {
        self.configs = configs
        self.seeds = seeds
    }

    /// Every run, in canonical order.
    public var runs: [RunSpec] {
        seeds.flatMap { seed in configs.map { RunSpec(config: $0, seed: seed) } }
    }

    /// Named sweep sizes. Every preset compares the six optimizers of the seed article
    /// with their DESIGN.md defaults on seed-mlp.
    public enum Preset: String, CaseIterable, Codable, Sendable {
        /// The seed article's experiment: 30 seeds × 20 epochs on the full training set.
        case full
        /// 3 seeds × 20 epochs on the full training set (about half an hour on 2 cores).
        case standard
        /// 2 seeds × 10 epochs on the first 10,000 training images: about 2 minutes on 2 cores.
        case quick

        public var seedCount: Int { switch self { case .full: 30; case .standard: 3; case .quick: 2 } }
        public var epochs: Int { switch self { case .full, .standard: 20; case .quick: 10 } }
        public var trainLimit: Int? { switch self { case .full, .standard: nil; case .quick: 10_000 } }
    }

    /// The sweep of a preset on a dataset.
    public static func preset(_ p: Preset, dataset: DatasetName) -> Sweep {
        Sweep(configs: OptimizerConfig.seedDefaults.map {
                  .seedMLP($0, dataset: dataset, epochs: p.epochs, trainLimit: p.trainLimit)
              },
              seeds: (0..<UInt64(p.seedCount)).map { $0 })
    }
}

/// Which slice of a sweep this process runs: runs whose position `k` has `k % count == index`.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, index >= 0, index < count else {
            throw DescentError("shard \(index)/\(count) is invalid: need 0 ≤ index < count")
        }
        self.index = index
        self.count = count
    }

    public var description: String { "\(index)/\(count)" }

    /// Parses `i/n`.
    public static func parse(_ text: String) throws -> Shard {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw DescentError("--shard: '\(text)' is not of the form i/n, e.g. 0/4")
        }
        return try Shard(index: i, count: n)
    }

    /// The shard named by a batch scheduler's array-job variables, if any:
    /// Slurm job arrays (`SLURM_ARRAY_TASK_ID` − `SLURM_ARRAY_TASK_MIN` of
    /// `SLURM_ARRAY_TASK_COUNT`) or Kubernetes Indexed Jobs (`JOB_COMPLETION_INDEX` of
    /// `DESCENT_SHARD_COUNT`, which the manifest sets to the Job's `completions`).
    public static func fromEnvironment(_ env: [String: String]) throws -> Shard? {
        if let id = env["SLURM_ARRAY_TASK_ID"].flatMap(Int.init),
           let count = env["SLURM_ARRAY_TASK_COUNT"].flatMap(Int.init) {
            let minimum = env["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init) ?? 0
            return try Shard(index: id - minimum, count: count)
        }
        if let id = env["JOB_COMPLETION_INDEX"].flatMap(Int.init) {
            guard let count = env["DESCENT_SHARD_COUNT"].flatMap(Int.init) else {
                throw DescentError("JOB_COMPLETION_INDEX is set but DESCENT_SHARD_COUNT is not: set it to the Job's completions")
            }
            return try Shard(index: id, count: count)
        }
        return nil
    }

    /// This shard's runs, keeping their canonical order.
    public func select(_ runs: [RunSpec]) -> [RunSpec] {
        runs.enumerated().filter { $0.offset % count == index }.map(\.element)
    }
}
