import Foundation

/// Wall-clock seconds a trainer spent in each phase of its training steps, summed over
/// the steps it ran while profiling was on (benchmarks use it to show where an epoch
/// goes). Profiling is off unless a trainer's `phases` is set; then it costs one clock
/// read per phase boundary.
public struct StepPhases: Sendable, Equatable {
    /// Making the minibatch: gathering rows, bytes → Float, noise.
    public var batch = 0.0
    /// Forward pass through the network.
    public var forward = 0.0
    /// Loss and its gradient.
    public var loss = 0.0
    /// Backward pass (gradients of every parameter).
    public var backward = 0.0
    /// Optimizer step, with the gradient finiteness check.
    public var update = 0.0
    public var steps = 0
    /// The `update` time of each step, in order (a median of these leaves out the few steps
    /// a busy machine preempted).
    public private(set) var updatePerStep: [Double] = []
    private var updateAtLastStep = 0.0

    public init() {}

    /// Counts a finished step and records its update time.
    mutating func endStep() {
        steps += 1
        updatePerStep.append(update - updateAtLastStep)
        updateAtLastStep = update
    }

    public var total: Double { batch + forward + loss + backward + update }

    /// A clock that adds the time since its last `lap` to a phase.
    struct Clock {
        private var last = DispatchTime.now().uptimeNanoseconds
        init() {}
        mutating func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { last = now }
            return Double(now - last) / 1e9
        }
    }
}
