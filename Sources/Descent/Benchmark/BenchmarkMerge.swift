import Foundation

/// The trials of one benchmark gathered from several folders (shards run apart, on Slurm or
/// elsewhere), checked so that results of different benchmarks are never mixed.
///
/// A trial's setting is a function of its plan, rule, workload and base seed
/// (`TrialSetting`), and its seed is `baseSeed + 1000·study + trial`, so every record says
/// which benchmark it belongs to:
/// - all trials must come from one base seed (one `--seed`), and all trials of a workload
///   from one workload definition (target, budget, data); otherwise merging fails, naming
///   the two records;
/// - a trial that is not what its plan draws now (an older search space) is left out and
///   named, as `descent benchmark` runs it again;
/// - a trial recorded in two folders counts once (the first folder's).
///
/// Example: `descent report runs/bench-0 runs/bench-1 --out runs/bench` after two shards.
public struct BenchmarkMerge {
    public private(set) var trials: [BenchmarkTrial] = []
    /// The workloads, in the order they first appear.
    public private(set) var workloads: [Workload] = []
    /// The rules present, in the registry's order.
    public private(set) var optimizers: [String] = []
    /// One line per record left out.
    public private(set) var rejected: [String] = []
    public private(set) var baseSeed: UInt64?

    /// Reads `OUT/trials.jsonl` of each folder (or each named trials file).
    public init(_ paths: [String], registry: Registry = .builtIn) throws {
        var origin: [String: String] = [:]   // key → the file it came from
        var seedOrigin = ""
        for p in paths {
            let file = try ResultsStore.recordsFile(p, named: "trials.jsonl", kind: "benchmark")
            let (read, rejectedLines) = try BenchmarkStore(path: file).read()
            rejected += rejectedLines
            for t in read {
                guard let kind = registry.optimizer(named: t.plan.optimizer) else {
                    rejected.append("\(file): \(t.plan.key): no rule '\(t.plan.optimizer)' is registered")
                    continue
                }
                let base = t.seed &- UInt64(t.plan.study * 1000 + t.plan.trial)
                if let baseSeed, base != baseSeed {
                    throw DescentError("\(file): \(t.plan.key) belongs to the benchmark of --seed \(base), \(seedOrigin) to that of --seed \(baseSeed); trials of different benchmarks are not merged (`descent benchmark --report-only --seed N` reports one of them)")
                }
                if baseSeed == nil { baseSeed = base; seedOrigin = "\(file)'s first trial" }
                if let w = workloads.first(where: { $0.name == t.workload.name }), w != t.workload {
                    throw DescentError("\(file): \(t.plan.key) was run on another definition of workload \(w.name) (target, budget or data) than the trials before it; trials of different benchmarks are not merged")
                }
                guard origin[t.plan.key] == nil else { continue }
                let setting = try t.plan.setting(rule: kind, workload: t.workload, baseSeed: base)
                guard t.isDrawn(by: setting) else {
                    rejected.append("\(file): \(t.plan.key) was run with \(t.optimizer.summary); its plan now draws \(setting.config.summary)")
                    continue
                }
                if !workloads.contains(where: { $0.name == t.workload.name }) { workloads.append(t.workload) }
                origin[t.plan.key] = file
                trials.append(t)
            }
        }
        let present = Set(trials.map(\.plan.optimizer))
        optimizers = registry.optimizers.map(\.rawValue).filter(present.contains)
    }

    /// The suite the workloads belong to (for the report's title), or one named "merged".
    public var suite: BenchmarkSuite {
        let name = BenchmarkSuite.all.first { s in workloads.allSatisfy { w in s.workloads.contains { $0.name == w.name } } }?.name
        return BenchmarkSuite(name: name ?? "merged", workloads: workloads)
    }
}

extension BenchmarkTrial {
    /// Whether this record is the trial `setting` draws: the same rule configuration (point
    /// and schedule) and seed.
    public func isDrawn(by setting: TrialSetting) -> Bool {
        optimizer == setting.config && seed == setting.seed
    }
}
