/// A rule that updates parameters from their gradients.
///
/// ```
/// let optimizer = try Adam(learningRate: 1e-3)
/// parameters.zeroGrad(); model.backward(…)     // fills every p.grad
/// optimizer.step(parameters)                   // one fused pass per parameter
/// ```
/// An optimizer keeps per-parameter state (moments, accumulators) keyed by the
/// parameter's identity (`ObjectIdentifier`), allocated lazily on the first `step` that
/// sees the parameter and reused afterwards: a steady-state step allocates nothing.
/// Hyper-parameters are validated at construction (`DescentError` naming the optimizer
/// and the hyper-parameter). Conventions follow `torch.optim`, see each rule's file.
public protocol Optimizer: AnyObject {
    /// The current learning rate (schedules change it between steps).
    var learningRate: Float { get set }
    /// Applies one update to every parameter from its `grad`.
    func step(_ parameters: [Parameter])
    /// `step`, checking on the way that every gradient is finite (training loops use it to
    /// catch divergence in the step where it happens). Returns the first parameter found
    /// whose gradient holds a NaN or ±∞, or nil. When it returns a parameter the update
    /// has stopped part-way and the parameters are partly updated: the run has diverged.
    /// The built-in rules fuse the check into the update pass, so it costs no extra pass.
    @discardableResult
    func checkedStep(_ parameters: [Parameter]) -> Parameter?
    /// Short lower-case name used in messages and summaries, e.g. `"adam"`.
    var name: String { get }
    /// Number of `step` calls so far (restored by `loadState`).
    var stepCount: Int { get }
    /// Number of state tensors kept per parameter (Adam: 2, AMSGrad: 3, SGD: 0).
    var stateTensorCount: Int { get }
    /// The state of `parameters` for a checkpoint, keyed `"<parameter name>.<slot>"`
    /// (e.g. `"fc1.weight.exp_avg"`), plus `"<parameter name>.step"` and `"optimizer.step"`
    /// (1-element tensors; a Float holds step counts exactly up to 2²⁴). The tensors are copies.
    func state(for parameters: [Parameter]) -> [String: Tensor]
    /// Restores a state produced by `state(for:)`. Parameters without a `.step` entry
    /// start fresh; a missing slot or a shape mismatch throws.
    func loadState(_ state: [String: Tensor], for parameters: [Parameter]) throws
    /// Moves `parameters` to the point gradients are taken at, before a run of steps
    /// (Schedule-Free: from x to y). `Trainer.trainEpoch` calls it first and
    /// `endTraining` last, so between epochs — evaluation, checkpoints, `evaluate`, the
    /// linear probe, exports — the parameters hold the point the rule prescribes. A no-op
    /// for every other rule.
    func beginTraining(_ parameters: [Parameter])
    /// Moves `parameters` to the point to evaluate and keep (Schedule-Free: from y to x).
    func endTraining(_ parameters: [Parameter])
}

extension Optimizer {
    /// Checks every gradient first, then steps (a separate pass; see `StatefulOptimizer`).
    @discardableResult
    public func checkedStep(_ parameters: [Parameter]) -> Parameter? {
        if let bad = parameters.firstNonFiniteGradient { return bad }
        step(parameters)
        return nil
    }
    public var name: String { String(describing: type(of: self)).lowercased() }
    public var stepCount: Int { 0 }
    public var stateTensorCount: Int { 0 }
    public func state(for parameters: [Parameter]) -> [String: Tensor] { [:] }
    public func loadState(_ state: [String: Tensor], for parameters: [Parameter]) throws {}
    public func beginTraining(_ parameters: [Parameter]) {}
    public func endTraining(_ parameters: [Parameter]) {}
}

// MARK: - Validation

/// Hyper-parameter checks shared by every rule; messages read
/// `"adam: beta1 must be in [0, 1), got 1.5"`.
enum Check {
    static func nonNegative(_ v: Float, _ param: String, _ optimizer: String, about subject: DescentError.Subject? = nil) throws {
        guard v.isFinite, v >= 0 else { throw error(subject, "\(optimizer): \(param) must be a finite number ≥ 0, got \(v)") }
    }
    static func positive(_ v: Float, _ param: String, _ optimizer: String, about subject: DescentError.Subject? = nil) throws {
        guard v.isFinite, v > 0 else { throw error(subject, "\(optimizer): \(param) must be > 0, got \(v)") }
    }
    static func unitInterval(_ v: Float, _ param: String, _ optimizer: String, about subject: DescentError.Subject? = nil) throws {
        guard v >= 0, v < 1 else { throw error(subject, "\(optimizer): \(param) must be in [0, 1), got \(v)") }
    }
    /// A step count stored in a checkpoint as a 1-element tensor: a whole number in 0...2²⁴
    /// (what a Float holds exactly); nil when absent.
    static func stepCount(_ tensor: Tensor?, _ key: String, _ optimizer: String) throws -> Int? {
        guard let t = tensor else { return nil }
        guard t.count == 1, t[0].isFinite, t[0] >= 0, t[0] <= 16_777_216, t[0] == t[0].rounded() else {
            throw DescentError("\(optimizer): state '\(key)' must be one whole number in 0...16777216, got \(t.count == 1 ? "\(t[0])" : "shape \(t.shape)")")
        }
        return Int(t[0])
    }
    private static func error(_ subject: DescentError.Subject?, _ message: String) -> DescentError {
        subject.map { DescentError($0, message) } ?? DescentError(message)
    }
}

// MARK: - Kernel helpers

/// torch's `lerp(start, end, w)` as the C kernels take it: `start + w·(end − start)` for
/// |w| < 0.5, else `end + (w − 1)·(end − start)`, each one fused multiply-add.
struct LerpWeight {
    let coefficient: Float
    let fromStart: Int32
    init(_ weight: Float) {
        fromStart = abs(weight) < 0.5 ? 1 : 0
        coefficient = abs(weight) < 0.5 ? weight : weight - 1
    }
}

/// An optimizer that adds behaviour around another (clipping, a schedule) and
/// otherwise is that optimizer: name, step count and state are the wrapped one's.
public protocol OptimizerWrapper: Optimizer {
    /// The optimizer that does the update.
    var base: Optimizer { get }
}

extension OptimizerWrapper {
    public var name: String { base.name }
    public var stepCount: Int { base.stepCount }
    public var stateTensorCount: Int { base.stateTensorCount }
    public func state(for parameters: [Parameter]) -> [String: Tensor] { base.state(for: parameters) }
    public func loadState(_ state: [String: Tensor], for parameters: [Parameter]) throws {
        try base.loadState(state, for: parameters)
    }
    public func beginTraining(_ parameters: [Parameter]) { base.beginTraining(parameters) }
    public func endTraining(_ parameters: [Parameter]) { base.endTraining(parameters) }
}
