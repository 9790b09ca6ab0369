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
    /// with the article's default hyper-parameters on seed-mlp.
    public enum Preset: String, CaseIterable, Codable, Sendable {
        /// The seed article's experiment: 30 seeds × 20 epochs on the full training set.
        case full
        /// 3 seeds × 20 epochs on the full training set (about half an hour on 2 cores).
        case standard
        /// 2 seeds × 10 epochs on the first 10,000 training images: about 1 minute on 2 cores.
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
            throw DescentError("shard '\(text)' is not of the form i/n, e.g. 0/4")
        }
        return try Shard(index: i, count: n)
    }

    /// The shard named by a batch scheduler's array-job variables, if any.
    ///
    /// - Slurm job arrays: task `SLURM_ARRAY_TASK_ID` of the ids `MIN, MIN+STEP, …, MAX`
    ///   (`SLURM_ARRAY_TASK_MIN`, `_STEP`, `_MAX`, `_COUNT`) is shard
    ///   `(ID − MIN) / STEP` of `COUNT`. `sbatch --array=0-6:2` runs ids 0, 2, 4, 6 with
    ///   COUNT 4, MIN 0, MAX 6, STEP 2: shards 0/4, 1/4, 2/4, 3/4. A list that is not evenly
    ///   spaced (`--array=1,3,8`: COUNT 3 but MIN 1, MAX 8, STEP 1) names no shard and is an error.
    /// - Kubernetes Indexed Jobs: `JOB_COMPLETION_INDEX` of `DESCENT_SHARD_COUNT` (which the
    ///   manifest sets to the Job's `completions`).
    ///
    /// No variable set (an empty one counts as unset): nil, the whole sweep. Anything
    /// unparsable or inconsistent (an id without a count, an id outside the array, a count of
    /// `x`) throws: running the whole sweep in every task of an array would silently
    /// duplicate it.
    public static func fromEnvironment(_ env: [String: String]) throws -> Shard? {
        func value(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        func number(_ name: String, minimum: Int) throws -> Int? {
            guard let text = value(name) else { return nil }
            guard let n = Int(text), n >= minimum else {
                throw DescentError("\(name)='\(text)' is not a whole number ≥ \(minimum)")
            }
            return n
        }
        let slurm = ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN",
                     "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_STEP"]
        if slurm.contains(where: { value($0) != nil }) {
            let id = try number("SLURM_ARRAY_TASK_ID", minimum: 0)
            let count = try number("SLURM_ARRAY_TASK_COUNT", minimum: 1)
            let minimum = try number("SLURM_ARRAY_TASK_MIN", minimum: 0) ?? 0
            let step = try number("SLURM_ARRAY_TASK_STEP", minimum: 1) ?? 1
            guard let id else { throw DescentError("SLURM_ARRAY_TASK_ID is not set, but other SLURM_ARRAY_TASK_* variables are") }
            guard let count else { throw DescentError("SLURM_ARRAY_TASK_ID=\(id) is set but SLURM_ARRAY_TASK_COUNT is not") }
            let maximum = try number("SLURM_ARRAY_TASK_MAX", minimum: 0) ?? minimum + (count - 1) * step
            let array = "ids \(minimum)-\(maximum):\(step) (SLURM_ARRAY_TASK_MIN, _MAX, _STEP)"
            guard maximum >= minimum, (maximum - minimum) % step == 0, (maximum - minimum) / step + 1 == count else {
                throw DescentError("the Slurm array's \(array) are not SLURM_ARRAY_TASK_COUNT=\(count) evenly spaced tasks: submit --array=a-b or a-b:s, or pass --shard")
            }
            guard id >= minimum, id <= maximum, (id - minimum) % step == 0 else {
                throw DescentError("SLURM_ARRAY_TASK_ID=\(id) is not one of the array's \(array)")
            }
            return try Shard(index: (id - minimum) / step, count: count)
        }
        let index = try number("JOB_COMPLETION_INDEX", minimum: 0)
        let count = try number("DESCENT_SHARD_COUNT", minimum: 1)
        switch (index, count) {
        case (nil, nil): return nil
        case let (i?, n?):
            guard i < n else { throw DescentError("JOB_COMPLETION_INDEX=\(i) is not below DESCENT_SHARD_COUNT=\(n): set DESCENT_SHARD_COUNT to the Job's completions") }
            return try Shard(index: i, count: n)
        case (_?, nil): throw DescentError("JOB_COMPLETION_INDEX is set but DESCENT_SHARD_COUNT is not: set it to the Job's completions")
        case (nil, _?): throw DescentError("DESCENT_SHARD_COUNT is set but JOB_COMPLETION_INDEX is not: it only applies to a Kubernetes Indexed Job")
        }
    }

    /// This shard's runs, keeping their canonical order.
    public func select(_ runs: [RunSpec]) -> [RunSpec] {
        runs.enumerated().filter { $0.offset % count == index }.map(\.element)
    }
}
