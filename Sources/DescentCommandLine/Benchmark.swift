import ArgumentParser
import Descent
import DescentReport
import Foundation

extension BenchmarkTrial.Ruleset: ExpressibleByArgument {}

/// `descent benchmark`: time to a validation target on a suite of workloads, with AlgoPerf's
/// tuning rulesets, performance profiles and a report.
struct Benchmark: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: "Benchmark training methods as AlgoPerf does: time to a validation target on a suite of workloads.",
        discussion: """
            Each rule trains each workload of the suite until its validation score reaches
            the workload's target (checked every eval-every steps) or the step budget is
            spent. External tuning (--ruleset external): --trials points of the rule's
            search space per study, from a scrambled Halton sequence seeded by the study,
            so trial k is the same point on every machine; --studies independent studies.
            Self-tuning (--ruleset self): the rule's defaults, a budget three times as
            long, one trial per study. Scores: the median over studies of each study's
            fastest trial, in steps × the rule's measured seconds per step, aggregated over
            workloads by a performance profile (area for τ from 1 to 4). Every finished
            trial is appended to OUT/trials.jsonl, so rerunning the same command resumes;
            --shard i/n runs every n-th trial (each shard its own --out); `descent report
            DIR…` merges the shards' folders, `descent benchmark --report-only` writes the
            report of the trials in OUT. Writes into --out
            (default runs/benchmark-<suite>-<ruleset>): trials.jsonl, summary.md,
            summary.csv, profile-<ruleset>.svg/.png, curves-<workload>.svg/.png; with
            --tensorboard DIR each trial's validation curve in DIR/<trial key>. --calibrate
            runs the baseline (adam, external tuning) with unreachable targets and prints
            the targets AlgoPerf's rule gives: per workload, the median over studies of
            each study's best validation score within the budget.
            Example: descent benchmark --preset quick --optimizers sgd,momentum,adam
            """) }

    enum Preset: String, ExpressibleByArgument, CaseIterable {
        case quick, standard, full
        var suite: BenchmarkSuite {
            switch self {
            case .quick: .quick
            case .standard: .standard
            case .full: .full
            }
        }
        var trials: Int { self == .quick ? 3 : 5 }
        var studies: Int { self == .quick ? 2 : 3 }
    }

    @OptionGroup var common: CommonOptions
    @OptionGroup var data: DatasetOptions
    @OptionGroup var board: TensorBoardOptions
    @Option(help: "Sweep size: quick (2 workloads, 3 trials, 2 studies; minutes on 2 cores), standard (4 workloads, 5 trials, 3 studies), full (standard and a ResNet).")
    var preset: Preset = .quick
    @Option(help: "Tuning ruleset: external (trials from each rule's search space) or self (defaults, 3× budget).")
    var ruleset: BenchmarkTrial.Ruleset = .external
    @Option(help: "Comma-separated optimizers, each once (default: every registered rule; a Shampoo or Muon step costs 4 to 30 times an element-wise rule's).") var optimizers: String?
    @Option(help: "Trials per study (overrides the preset; external tuning only).") var trials: Int?
    @Option(help: "Number of studies (overrides the preset).") var studies: Int?
    @Option(help: "Comma-separated workloads of the suite to run (default: all).") var workloads: String?
    @Option(help: "Cap every workload's step budget at N (quick tries; recorded in each trial's workload).") var maxSteps: Int?
    @Option(help: "Run only the shard i/n of the runs (default: from SLURM_ARRAY_* or JOB_COMPLETION_INDEX).") var shard: String?
    @Flag(help: "Do not write the report.") var noReport = false
    @Flag(help: "Write the report from the trials in --out without running any.") var reportOnly = false
    @Flag(help: "Measure the suite's targets with the baseline (adam, external tuning) instead of benchmarking.") var calibrate = false

    func validate() throws {
        if let t = trials, !(1...1000).contains(t) { throw ValidationError("--trials must be in 1...1000, got \(t)") }
        if let s = studies, !(1...100).contains(s) { throw ValidationError("--studies must be in 1...100, got \(s)") }
        if let m = maxSteps, m < 1 { throw ValidationError("--max-steps must be at least 1, got \(m)") }
        if calibrate && ruleset != .external { throw ValidationError("--calibrate uses external tuning: leave out --ruleset self") }
    }

    func run() throws {
        try DescentCommand.run {
            let suite = preset.suite
            if let other = suite.workloads.first(where: { $0.dataset != data.dataset }) {
                throw UsageError("--dataset \(data.dataset.rawValue): suite \(suite.name)'s workloads are on \(other.dataset.displayName) (a workload names its data; --data-dir and --offline say where to find them)")
            }
            let kinds = calibrate ? [Calibration.baseline] : try optimizers.map(CLI.optimizerList) ?? CommandContext.registry.optimizers
            let selected = try SweepFolder.shard(shard)
            try common.applyThreads()
            let out = common.out ?? "runs/benchmark-\(suite.name)-\(calibrate ? "calibration" : ruleset.rawValue)"
            try Output.prepareFolder(out)
            let lock = try SweepLock(folder: out, command: "benchmark")
            defer { lock.release() }
            let store = BenchmarkStore(path: out + "/trials.jsonl")
            var workloads = suite.workloads
            if let names = self.workloads {
                workloads = try names.split(separator: ",").map { n in
                    guard let w = suite.workloads.first(where: { $0.name == n }) else {
                        throw UsageError("--workloads: suite \(suite.name) has no workload '\(n)'; it has \(suite.workloads.map(\.name).joined(separator: ", "))")
                    }
                    return w
                }
            }
            if let maxSteps {
                for i in workloads.indices { workloads[i].stepBudget = min(workloads[i].stepBudget, maxSteps) }
            }
            if calibrate { workloads = workloads.map(Calibration.unreachable) }
            let trialCount = ruleset == .self ? 1 : (trials ?? preset.trials), studyCount = studies ?? preset.studies
            var plans: [(BenchmarkTrial.Plan, Workload, TrialSetting)] = []
            for w in workloads {
                for k in kinds {
                    for s in 0..<studyCount {
                        for t in 0..<trialCount {
                            let plan = BenchmarkTrial.Plan(workload: w.name, optimizer: k.rawValue, ruleset: ruleset, study: s, trial: t)
                            plans.append((plan, w, try plan.setting(rule: k, workload: w, baseSeed: common.seed)))
                        }
                    }
                }
            }
            let mine = selected.map { sh in plans.enumerated().filter { $0.offset % sh.count == sh.index }.map(\.element) } ?? plans
            let (recorded, rejected) = try store.read()
            for r in rejected { FileHandle.standardError.write(Data("descent: warning: \(r) (run again)\n".utf8)) }
            // A record counts only for the trial it was planned as: the same workload, rule
            // configuration (point and schedule) and seed; another (an older search space,
            // another --seed) is named and run again, never mixed in.
            let planned = Dictionary(plans.map { ($0.0.key, $0) }, uniquingKeysWith: { a, _ in a })
            /// Whether `t` is the trial its plan draws now (nil: no plan of this run on its workload).
            func isPlanned(_ t: BenchmarkTrial) -> Bool? {
                guard let (_, w, setting) = planned[t.plan.key], t.workload == w else { return nil }
                return t.isDrawn(by: setting)
            }
            var done = Set<String>()
            for t in recorded {
                guard let matches = isPlanned(t), let setting = planned[t.plan.key]?.2 else { continue }
                if matches {
                    done.insert(t.plan.key)
                } else {
                    FileHandle.standardError.write(Data("descent: warning: \(out)/trials.jsonl: \(t.plan.key) was run with \(t.optimizer.summary), seed \(t.seed); this plan draws \(setting.config.summary), seed \(setting.seed) (run again)\n".utf8))
                }
            }
            let pending = reportOnly ? [] : mine.filter { !done.contains($0.0.key) }
            if !common.json {
                print("\(out): \(mine.count) trials\(selected.map { " (shard \($0) of \(plans.count))" } ?? ""), \(mine.count - pending.count) already done, \(pending.count) to run; \(Parallel.threads) thread(s), \(BLAS.kernels)")
            }
            var sets: [String: (ImageSet, ImageSet)] = [:]
            if !pending.isEmpty {
                let (train, _) = try DatasetLoader.load(data.dataset, dataDirectory: data.dataDir, cacheDirectory: nil,
                                                       allowDownload: !data.offline, locations: CLI.dataLocations)
                for w in workloads where w.dataset == data.dataset {
                    let split = try ValidationSplit(count: w.validationImages, of: train.count)
                    let (kept, held) = try split.apply(to: train, trainLimit: min(w.trainImages, train.count - w.validationImages))
                    sets[w.name] = (kept, held)
                }
            }
            let start = Date()
            var timeLeft = TimeLeftEstimate(recorded: recorded.filter { isPlanned($0) == true })
            for (i, (plan, w, setting)) in pending.enumerated() {
                let trialStart = Date()
                guard let (train, validation) = sets[w.name] else {
                    preconditionFailure("benchmark: no data for \(plan.key)")   // loaded above for every workload planned
                }
                let trial = try BenchmarkTrial.run(plan, workload: w, config: setting.config, budget: setting.budget, seed: setting.seed,
                                                   train: train, validation: validation, registry: CommandContext.registry)
                try store.append(trial)
                if let log = try board.log(run: plan.key.replacingOccurrences(of: "·", with: "-")) {
                    for p in trial.curve {
                        try log.writer.scalars([("validation/\(w.metric.rawValue)", p.value), ("validation/training_seconds", p.seconds)], step: p.step)
                    }
                    try log.writer.sync()
                }
                timeLeft.finished(trial, wallSeconds: Date().timeIntervalSince(trialStart))
                let elapsed = Date().timeIntervalSince(start)
                let left = timeLeft.secondsLeft(pending[(i + 1)...].map(\.0)).map { "about \(Self.duration($0)) left" } ?? "time left unknown"
                let outcome = trial.targetStep.map { "target at step \($0) (\(String(format: "%.1f", trial.targetSeconds ?? 0)) s)" }
                    ?? (trial.diverged ? "diverged" : "target not reached, final \(String(format: "%.4f", trial.finalValue ?? .nan))")
                if common.json {
                    printJSONLine(TrialLine(key: plan.key, target_step: trial.targetStep, steps: trial.steps, seconds: trial.seconds))
                } else {
                    print("[\(i + 1)/\(pending.count)] \(plan.key): \(outcome); \(Self.duration(elapsed)) elapsed, \(left)")
                }
            }
            let all = try store.read().trials.filter { isPlanned($0) == true }
            if calibrate {
                for w in workloads {
                    let group = all.filter { $0.plan.workload == w.name }
                    let target = Calibration.target(from: group, metric: w.metric) ?? .nan
                    let studiesSeen = Set(group.map(\.plan.study)).count
                    print("\(w.name): target \(w.metric.rawValue) \(String(format: "%.4f", target)) (median over \(studiesSeen) studies of the best of \(trialCount) \(Calibration.baseline.rawValue) trials within \(w.stepBudget) steps)")
                }
                return
            }
            if !noReport, !all.isEmpty {
                let files = try BenchmarkReport(suite: BenchmarkSuite(name: suite.name, workloads: workloads), trials: all,
                                                optimizers: kinds.map(\.rawValue)).write(to: out)
                if !common.json { print("report: \(files.map { out + "/" + $0 }.joined(separator: ", "))") }
            }
        }
    }

    /// `42 s`, `7 min 05 s`, `2 h 05 min`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return String(format: "%d min %02d s", s / 60, s % 60) }
        return String(format: "%d h %02d min", s / 3600, s % 3600 / 60)
    }

    struct TrialLine: Encodable {
        var key: String
        var target_step: Int?
        var steps: Int
        var seconds: Double
    }
}
