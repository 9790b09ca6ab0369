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
}

extension Optimizer {
    public var name: String { String(describing: type(of: self)).lowercased() }
    public var stepCount: Int { 0 }
    public var stateTensorCount: Int { 0 }
    public func state(for parameters: [Parameter]) -> [String: Tensor] { [:] }
    public func loadState(_ state: [String: Tensor], for parameters: [Parameter]) throws {}
}

/// Shared machinery of the built-in rules: lazily allocated, reused per-parameter slots,
/// per-parameter step counts (as torch keeps them) and checkpoint save/load.
/// Subclasses implement `update(_:_:)` as one call into a fused C kernel
/// (`Sources/CKernels/optimizers.c`): one pass over the raw buffers, 8 lanes at a time
/// (`ext_vector_type(8)` float, i.e. SIMD8, with `__builtin_elementwise_sqrt` as in
/// `descent_sqrt8`), no temporaries. The kernels live in C because torch's CPU kernels
/// fuse some multiply-adds and matching their rounding needs an FMA instruction, which
/// Swift cannot request without unsafe compiler flags; C picks an FMA clone at load time.
public class StatefulOptimizer: Optimizer {
    /// State of one parameter: its step count and one tensor per slot name.
    final class Slot {
        var step = 0
        let tensors: [Tensor]
        init(_ tensors: [Tensor]) { self.tensors = tensors }
    }

    public var learningRate: Float
    /// L2 penalty added to the gradient inside the fused loop (`g ← g + wd·θ`, torch's
    /// `weight_decay`); AdamW instead decays the weights directly.
    public let weightDecay: Float
    public private(set) var stepCount = 0
    /// The names of the per-parameter state tensors, in torch's terms.
    public let slotNames: [String]
    private var slots: [ObjectIdentifier: Slot] = [:]

    init(learningRate: Float, weightDecay: Float, slotNames: [String]) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.slotNames = slotNames
    }

    public var name: String { "optimizer" }
    public var stateTensorCount: Int { slotNames.count }

    /// The value a fresh slot tensor starts with (AdaGrad's initial accumulator).
    func initialValue(slot index: Int) -> Float { 0 }

    /// One fused update of `parameter` with its state (whose `step` is already incremented).
    func update(_ parameter: Parameter, _ slot: Slot) { fatalError("\(name): update not implemented") }

    func slot(for parameter: Parameter) -> Slot {
        let key = ObjectIdentifier(parameter)
        if let s = slots[key], s.tensors.allSatisfy({ $0.count == parameter.count }) { return s }
        let s = Slot(slotNames.indices.map {
            Tensor(shape: parameter.value.shape, value: initialValue(slot: $0))
        })
        slots[key] = s
        return s
    }

    /// The slot tensors of `parameter`, or `nil` before its first step (for tests and tools).
    public func stateTensors(of parameter: Parameter) -> [Tensor]? {
        slots[ObjectIdentifier(parameter)]?.tensors
    }

    public func step(_ parameters: [Parameter]) {
        stepCount += 1
        for p in parameters {
            let s = slot(for: p)
            s.step += 1
            update(p, s)
        }
    }

    public func state(for parameters: [Parameter]) -> [String: Tensor] {
        var out: [String: Tensor] = ["optimizer.step": Tensor(shape: [1], value: Float(stepCount))]
        for p in parameters {
            guard let s = slots[ObjectIdentifier(p)] else { continue }
            out["\(p.name).step"] = Tensor(shape: [1], value: Float(s.step))
            for (slotName, t) in zip(slotNames, s.tensors) { out["\(p.name).\(slotName)"] = t.clone() }
        }
        return out
    }

    public func loadState(_ state: [String: Tensor], for parameters: [Parameter]) throws {
        var loaded: [(ObjectIdentifier, Slot)] = []
        for p in parameters {
            guard let stepTensor = state["\(p.name).step"] else { continue }
            var tensors: [Tensor] = []
            for slotName in slotNames {
                guard let t = state["\(p.name).\(slotName)"] else {
                    throw DescentError("\(name): state of '\(p.name)' has no '\(slotName)'")
                }
                guard t.shape == p.value.shape else {
                    throw DescentError("\(name): state '\(p.name).\(slotName)' has shape \(t.shape), parameter has \(p.value.shape)")
                }
                tensors.append(t.clone())
            }
            let s = Slot(tensors)
            s.step = Int(stepTensor[0])
            loaded.append((ObjectIdentifier(p), s))
        }
        slots = [:]
        for (k, s) in loaded { slots[k] = s }
        if let t = state["optimizer.step"] { stepCount = Int(t[0]) }
    }
}

// MARK: - Validation

/// Hyper-parameter checks shared by every rule; messages read
/// `"adam: beta1 must be in [0, 1), got 1.5"`.
enum Check {
    static func learningRate(_ v: Float, _ optimizer: String) throws {
        guard v.isFinite, v >= 0 else { throw DescentError("\(optimizer): lr must be a finite number ≥ 0, got \(v)") }
    }
    static func nonNegative(_ v: Float, _ param: String, _ optimizer: String) throws {
        guard v.isFinite, v >= 0 else { throw DescentError("\(optimizer): \(param) must be a finite number ≥ 0, got \(v)") }
    }
    static func positive(_ v: Float, _ param: String, _ optimizer: String) throws {
        guard v.isFinite, v > 0 else { throw DescentError("\(optimizer): \(param) must be > 0, got \(v)") }
    }
    static func unitInterval(_ v: Float, _ param: String, _ optimizer: String) throws {
        guard v >= 0, v < 1 else { throw DescentError("\(optimizer): \(param) must be in [0, 1), got \(v)") }
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
}
