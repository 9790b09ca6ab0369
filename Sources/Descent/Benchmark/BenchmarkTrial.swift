import Foundation

/// One trial of a time-to-target benchmark: a rule trained on a workload with one point of
/// its search space (external tuning: point `trial` of study `study`'s Halton sequence) or
/// at its defaults with a 3× budget (self-tuning), and what it measured.
public struct BenchmarkTrial: Codable, Equatable, Sendable {
    public enum Ruleset: String, Codable, Sendable, CaseIterable {
        /// N trials per study from the rule's search space (AlgoPerf's external tuning).
        case external
        /// The rule's defaults, a budget three times as long (AlgoPerf's self-tuning).
        case `self`
    }

    /// What identifies the trial (its key is a hash of this).
    public struct Plan: Codable, Equatable, Hashable, Sendable {
        public var workload: String
        public var optimizer: String
        public var ruleset: Ruleset
        public var study: Int
        public var trial: Int
        public init(workload: String, optimizer: String, ruleset: Ruleset, study: Int, trial: Int) {
            self.workload = workload
            self.optimizer = optimizer
            self.ruleset = ruleset
            self.study = study
            self.trial = trial
        }
        /// `adam·external·s0·t3@mlp`: stable, and names the trial in messages.
        public var key: String { "\(workload)·\(optimizer)·\(ruleset.rawValue)·s\(study)·t\(trial)" }
    }

    /// One validation measurement.
    public struct Point: Codable, Equatable, Sendable {
        public var step: Int
        /// Training seconds before it (validation time excluded).
        public var seconds: Double
        public var value: Double
    }

    public var plan: Plan
    /// The workload as run (its target and budget included), so a record says what it was scored against.
    public var workload: Workload
    public var optimizer: OptimizerConfig
    public var seed: UInt64
    /// The first validation step at which the target was met, and the training seconds then.
    public var targetStep: Int?
    public var targetSeconds: Double?
    /// Training steps run (an epoch is finished, so this may pass the budget; steps past it
    /// are not validated) and their seconds (validation excluded).
    public var steps: Int
    public var seconds: Double
    public var curve: [Point]
    public var diverged: Bool
    public var kernels: String
    public var threads: Int
    /// The CPU's model name (nil in records written before it was recorded).
    public var cpu: String? = nil

    /// What the trial's seconds were measured on: "Intel(R) Xeon(R) Processor, oneDNN 2.6.3
    /// avx512_core_bf16, 1 thread(s)". Times from different machines are not comparable.
    public var machine: String { "\(cpu ?? "an unrecorded CPU"), \(kernels), \(threads) thread(s)" }

    /// Training steps per second (validation excluded).
    public var stepsPerSecond: Double { seconds > 0 ? Double(steps) / seconds : 0 }
    /// The last validation value.
    public var finalValue: Double? { curve.last?.value }
}

extension BenchmarkTrial {
    /// Trains `config` on `workload` from `seed` until the target is met (checked at each
    /// validation) or the budget of `budget` steps is spent, validating every
    /// `workload.evalEvery` steps; a run that diverges ends there, without a target step.
    public static func run(_ plan: Plan, workload: Workload, config: OptimizerConfig, budget: Int, seed: UInt64,
                           train: ImageSet, validation: ImageSet, registry: Registry = .builtIn) throws -> BenchmarkTrial {
        try workload.validate()
        let defaultLoss: LossKind = workload.metric == .accuracy ? .crossEntropy : .meanSquaredError
        let spec = try ModelSpec.resolve(workload.model, inputShape: train.shape, loss: defaultLoss, registry: registry)
        let network = try Network(spec, seed: seed)
        let trainer = try Trainer(network, optimizer: try config.make(), loss: spec.loss.make(), batchSize: workload.batchSize, seed: seed)
        var curve: [Point] = [], reached: Point?, failure: Error?
        var trainingNanos: UInt64 = 0, mark = DispatchTime.now().uptimeNanoseconds
        var step = 0
        // The closures below hold the trainer (validation), and the trainer holds them: the
        // cycle is broken on the way out, or every trial's network and state would leak.
        defer { (trainer.onStep, trainer.stopsAfterStep) = (nil, nil) }
        trainer.onStep = { _, _ in
            step += 1
            guard failure == nil, reached == nil, step % workload.evalEvery == 0 || step == budget, step <= budget else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            trainingNanos += now - mark
            do {
                let e = try trainer.evaluate(.images(validation))
                let value = workload.metric == .accuracy ? e.accuracy ?? 0 : e.reconstructionMSE ?? .infinity
                let point = Point(step: step, seconds: Double(trainingNanos) / 1e9, value: value)
                curve.append(point)
                if workload.metric.reaches(value, workload.target) { reached = point }
            } catch { failure = error }
            mark = DispatchTime.now().uptimeNanoseconds
        }
        // The trial ends at the step it is decided (the budget spent, the target met, a
        // failed validation), not at the end of that epoch.
        trainer.stopsAfterStep = { step >= budget || reached != nil || failure != nil }
        var diverged = false
        do {
            while step < budget && reached == nil && failure == nil { _ = try trainer.trainEpoch(.images(train)) }
        } catch is DivergenceError {
            diverged = true
        }
        if let failure { throw failure }
        trainingNanos += DispatchTime.now().uptimeNanoseconds - mark
        return BenchmarkTrial(plan: plan, workload: workload, optimizer: config, seed: seed, targetStep: reached?.step,
                              targetSeconds: reached?.seconds, steps: step, seconds: Double(trainingNanos) / 1e9,
                              curve: curve, diverged: diverged, kernels: BLAS.kernels, threads: Parallel.threads,
                              cpu: RunEnvironment.cpuModel())
    }
}
