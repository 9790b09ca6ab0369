import Foundation

/// A learning-rate schedule as the command line asks for it (`--schedule`, `--warmup`,
/// `--min-lr`, `--decay-every`, `--decay-factor`), before the run's length is known;
/// `resolve` turns it into the `LearningRateSchedule` a run keeps (in its run key and
/// checkpoint) once the number of optimizer steps is.
///
/// ```
/// constant   lr                                                   (torch: none)
/// cosine     lr → min-lr over the steps after the warm-up          (CosineAnnealingLR(T_max, eta_min))
/// linear     lr → min-lr linearly over the steps after the warm-up (LinearLR(1, min-lr/lr, T))
/// step       lr · factor^⌊t / every⌋ after the warm-up            (StepLR(every, factor))
/// warm-up W  lr·(1/W + (1 − 1/W)·t/W) for the first W steps        (LinearLR(1/W, 1, W)), then the above
/// ```
/// t counts optimizer steps (minibatches) from 0; after a warm-up the schedule's own t starts
/// again at 0 (torch's `SequentialLR(…, milestones=[W])`). `--warmup` is a number of steps
/// (a whole number) or a fraction of all steps (in (0, 1), rounded to the nearest step).
/// `--min-lr` is a learning rate (default 0); `--decay-every` counts steps (required by
/// `step`), `--decay-factor` defaults to 0.1 (StepLR's γ).
public struct ScheduleRequest: Hashable, Sendable {
    public enum Kind: String, CaseIterable, Sendable { case constant, cosine, step, linear }
    /// A warm-up in steps or as a fraction of the run.
    public enum Warmup: Hashable, Sendable {
        case steps(Int)
        case fraction(Double)
    }

    public var kind: Kind
    public var warmup: Warmup?
    public var minimum: Float?
    public var decayEvery: Int?
    public var decayFactor: Float?

    public init(kind: Kind = .constant, warmup: Warmup? = nil, minimum: Float? = nil, decayEvery: Int? = nil,
                decayFactor: Float? = nil) {
        self.kind = kind
        self.warmup = warmup
        self.minimum = minimum
        self.decayEvery = decayEvery
        self.decayFactor = decayFactor
    }

    /// `--warmup`'s text: a whole number of steps, or a fraction in (0, 1).
    public static func warmup(_ text: String) throws -> Warmup {
        if let n = Int(text) {
            guard n >= 0 else { throw DescentError("must be a number of steps ≥ 0 or a fraction in (0, 1), got \(text)") }
            return .steps(n)
        }
        guard let f = Double(text), f > 0, f < 1 else {
            throw DescentError("must be a number of steps ≥ 0 or a fraction in (0, 1), got \(text)")
        }
        return .fraction(f)
    }

    /// Which of the options do not apply to `kind` (by their role: "min-lr", "decay-every",
    /// "decay-factor"), and a missing one, as a message naming the options; nil when consistent.
    public var inconsistency: String? {
        if minimum != nil && !(kind == .cosine || kind == .linear) { return "min-lr applies to the cosine and linear schedules" }
        if (decayEvery != nil || decayFactor != nil) && kind != .step { return "decay-every and decay-factor apply to the step schedule" }
        if kind == .step && decayEvery == nil { return "the step schedule needs decay-every" }
        if let m = minimum, !(m.isFinite && m >= 0) { return "min-lr must be a finite number ≥ 0, got \(m)" }
        if let e = decayEvery, e < 1 { return "decay-every must be at least 1 step, got \(e)" }
        if let f = decayFactor, !(f.isFinite && f >= 0) { return "decay-factor must be a finite number ≥ 0, got \(f)" }
        return nil
    }

    /// The schedule for a run of `totalSteps` optimizer steps; nil for a constant rate
    /// without warm-up (the plain optimizer).
    public func resolve(totalSteps: Int) throws -> LearningRateSchedule? {
        if let message = inconsistency { throw DescentError("schedule: \(message)") }
        let w: Int
        switch warmup {
        case nil: w = 0
        case .steps(let n)?: w = n
        case .fraction(let f)?: w = Int((f * Double(totalSteps)).rounded())
        }
        let rest = Swift.max(totalSteps - w, 1)
        let main: LearningRateSchedule
        switch kind {
        case .constant: main = .constant
        case .cosine: main = .cosine(totalSteps: rest, minimum: minimum ?? 0)
        case .linear: main = .linearDecay(totalSteps: rest, minimum: minimum ?? 0)
        case .step: main = .step(every: decayEvery ?? 1, factor: decayFactor ?? 0.1)
        }
        if w > 0 { return .linearWarmup(steps: w, startFactor: Float(1 / Double(w)), then: main) }
        return main == .constant ? nil : main
    }
}
