import Foundation

/// A learning rate as a function of the number of steps already taken (`step` = 0 for
/// the first update), as torch's schedulers stepped once per optimizer step.
///
/// ```
/// constant            lr = base
/// step(every: k, factor: γ)        lr = base · γ^⌊t / k⌋                    (StepLR)
/// cosine(totalSteps: T, minimum: m) lr = m + (base − m)·(1 + cos(π·min(t, T)/T))/2  (CosineAnnealingLR, closed form)
/// linearDecay(totalSteps: T, minimum: m) lr = base + (m − base)·min(t, T)/T     (LinearLR to m/base)
/// linearWarmup(steps: W, startFactor: f, then: s)
///                     lr = base · (f + (1 − f)·t/W)  for t < W                (LinearLR)
///                     lr = s.learningRate(at: t − W, base: base)  afterwards
/// ```
/// Cosine annealing: Loshchilov & Hutter 2017, "SGDR"; warm-up: Goyal et al. 2017.
/// Arithmetic is done in Double and rounded once to Float.
public indirect enum LearningRateSchedule: Hashable, Codable, Sendable {
    case constant
    case step(every: Int, factor: Float)
    case cosine(totalSteps: Int, minimum: Float)
    case linearDecay(totalSteps: Int, minimum: Float)
    case linearWarmup(steps: Int, startFactor: Float, then: LearningRateSchedule)

    public func learningRate(at step: Int, base: Float) -> Float {
        Float(value(at: step, base: Double(base)))
    }

    func value(at t: Int, base: Double) -> Double {
        switch self {
        case .constant:
            return base
        case let .step(every, factor):
            return base * pow(Double(factor), Double(t / Swift.max(every, 1)))
        case let .cosine(total, minimum):
            let T = Swift.max(total, 1)
            let m = Double(minimum)
            return m + (base - m) * (1 + cos(Double.pi * Double(Swift.min(t, T)) / Double(T))) / 2
        case let .linearDecay(total, minimum):
            let T = Swift.max(total, 1)
            return base + (Double(minimum) - base) * Double(Swift.min(t, T)) / Double(T)
        case let .linearWarmup(steps, startFactor, then):
            if t < steps {
                let f = Double(startFactor)
                return base * (f + (1 - f) * Double(t) / Double(steps))
            }
            return then.value(at: t - steps, base: base)
        }
    }

    /// Checks the schedule's own numbers; `optimizer` names the owner in messages.
    func validate(_ optimizer: String) throws {
        switch self {
        case .constant: break
        case let .step(every, factor):
            guard every > 0 else { throw DescentError("\(optimizer): schedule step every must be > 0, got \(every)") }
            try Check.nonNegative(factor, "schedule factor", optimizer)
        case let .cosine(total, minimum):
            guard total > 0 else { throw DescentError("\(optimizer): schedule totalSteps must be > 0, got \(total)") }
            try Check.nonNegative(minimum, "schedule minimum", optimizer)
        case let .linearDecay(total, minimum):
            guard total > 0 else { throw DescentError("\(optimizer): schedule totalSteps must be > 0, got \(total)") }
            try Check.nonNegative(minimum, "schedule minimum", optimizer)
        case let .linearWarmup(steps, startFactor, then):
            guard steps > 0 else { throw DescentError("\(optimizer): warm-up steps must be > 0, got \(steps)") }
            try Check.nonNegative(startFactor, "warm-up startFactor", optimizer)
            try then.validate(optimizer)
        }
    }
}

/// Sets `base`'s learning rate from `schedule` before each step.
///
/// ```
/// let opt = try ScheduledOptimizer(try SGD(learningRate: 0.1), schedule: .cosine(totalSteps: 1000, minimum: 0))
/// ```
/// The schedule's step index is `base.stepCount`, so it resumes with a loaded checkpoint.
/// `learningRate` reads the rate in effect; setting it changes the base rate.
public final class ScheduledOptimizer: OptimizerWrapper {
    public let base: Optimizer
    public let schedule: LearningRateSchedule
    /// The rate the schedule scales (the base optimizer's rate at construction).
    public var baseLearningRate: Float

    public init(_ base: Optimizer, schedule: LearningRateSchedule) throws {
        try schedule.validate(base.name)
        self.base = base
        self.schedule = schedule
        self.baseLearningRate = base.learningRate
        base.learningRate = schedule.learningRate(at: base.stepCount, base: baseLearningRate)
    }

    public var learningRate: Float {
        get { base.learningRate }
        set {
            baseLearningRate = newValue
            base.learningRate = schedule.learningRate(at: base.stepCount, base: newValue)
        }
    }
    public func step(_ parameters: [Parameter]) {
        base.learningRate = schedule.learningRate(at: base.stepCount, base: baseLearningRate)
        base.step(parameters)
    }

    @discardableResult
    public func checkedStep(_ parameters: [Parameter]) -> Parameter? {
        base.learningRate = schedule.learningRate(at: base.stepCount, base: baseLearningRate)
        return base.checkedStep(parameters)
    }
}

extension LearningRateSchedule: CustomStringConvertible {
    /// How reports and logs print it, in the words of the command line's flags:
    /// `warmup(steps=10, start_factor=0.1)+cosine(steps=90, min_lr=0.0)`.
    public var description: String {
        switch self {
        case .constant: return "constant"
        case let .step(every, factor): return "step(every=\(every), factor=\(factor))"
        case let .cosine(total, minimum): return "cosine(steps=\(total), min_lr=\(minimum))"
        case let .linearDecay(total, minimum): return "linear(steps=\(total), min_lr=\(minimum))"
        case let .linearWarmup(steps, startFactor, then):
            return "warmup(steps=\(steps), start_factor=\(startFactor))+\(then)"
        }
    }
}
