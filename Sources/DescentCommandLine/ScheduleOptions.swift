import ArgumentParser
import Descent

/// `--schedule`, `--warmup`, `--min-lr`, `--decay-every`, `--decay-factor`: a learning-rate
/// schedule over the run's optimizer steps (`ScheduleRequest`). A command resolves it once it
/// knows the run's length (`schedule(stepsPerEpoch:epochs:)`); the resolved schedule is part of
/// the optimizer configuration, so of the run key and the checkpoint.
struct ScheduleOptions: ParsableArguments {
    @Option(help: "Learning-rate schedule over the run's steps: constant, cosine (to --min-lr), linear (to --min-lr), step (× --decay-factor every --decay-every steps).")
    var schedule: ScheduleKindArgument = .init(.constant)
    @Option(parsing: .unconditional, help: "Linear warm-up from lr/W to lr over the first W steps: a number of steps, or a fraction of the run (e.g. 0.05).")
    var warmup: String?
    @Option(parsing: .unconditional, help: "Final learning rate of the cosine and linear schedules (default 0).")
    var minLr: Float?
    @Option(parsing: .unconditional, help: "Steps between decays of the step schedule.")
    var decayEvery: Int?
    @Option(parsing: .unconditional, help: "Factor of each decay of the step schedule (default 0.1).")
    var decayFactor: Float?

    /// The request; throws a `ValidationError` naming the flag for a bad value.
    func request() throws -> ScheduleRequest {
        var r = ScheduleRequest(kind: schedule.kind, minimum: minLr, decayEvery: decayEvery, decayFactor: decayFactor)
        if let warmup {
            do { r.warmup = try ScheduleRequest.warmup(warmup) } catch let e as DescentError {
                throw ValidationError("--warmup \(e.message)")
            }
        }
        let k = schedule.kind
        if minLr != nil && !(k == .cosine || k == .linear) { throw ValidationError("--min-lr applies to --schedule cosine and linear") }
        if (decayEvery != nil || decayFactor != nil) && k != .step {
            throw ValidationError("--decay-every and --decay-factor apply to --schedule step")
        }
        if k == .step && decayEvery == nil { throw ValidationError("--schedule step needs --decay-every STEPS") }
        if let m = minLr, !(m.isFinite && m >= 0) { throw ValidationError("--min-lr must be a finite number ≥ 0, got \(m)") }
        if let e = decayEvery, e < 1 { throw ValidationError("--decay-every must be at least 1, got \(e)") }
        if let f = decayFactor, !(f.isFinite && f >= 0) { throw ValidationError("--decay-factor must be a finite number ≥ 0, got \(f)") }
        return r
    }

    func validate() throws { _ = try request() }

    /// The schedule of a run of `epochs` epochs of `stepsPerEpoch` steps (nil: constant rate).
    func schedule(stepsPerEpoch: Int, epochs: Int) throws -> LearningRateSchedule? {
        try request().resolve(totalSteps: Swift.max(stepsPerEpoch, 1) * Swift.max(epochs, 1))
    }

    /// Steps per epoch: minibatches of `batchSize` over `examples` (the last one may be short).
    static func steps(examples: Int, batchSize: Int) -> Int { (examples + Swift.max(batchSize, 1) - 1) / Swift.max(batchSize, 1) }
}

/// `--schedule`'s value.
struct ScheduleKindArgument: ExpressibleByArgument {
    let kind: ScheduleRequest.Kind
    init(_ kind: ScheduleRequest.Kind) { self.kind = kind }
    init?(argument: String) {
        guard let k = ScheduleRequest.Kind(rawValue: argument) else { return nil }
        kind = k
    }
    var defaultValueDescription: String { kind.rawValue }
    static var allValueStrings: [String] { ScheduleRequest.Kind.allCases.map(\.rawValue) }
}
