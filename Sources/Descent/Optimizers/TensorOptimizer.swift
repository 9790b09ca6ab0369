/// Shared machinery of the per-tensor rules (Muon, and any rule whose update needs a whole
/// tensor at once: products, norms, inverse roots), beside `StatefulOptimizer`'s fused
/// element-wise path.
///
/// **Writing a rule**: subclass, declare the state a parameter starts with
/// (`initialState(for:)`: any number of tensors of any shape, e.g. a momentum buffer of the
/// parameter's shape and a d×d preconditioner) and override `update(_:state:)`, which gets
/// one whole parameter per call, its gradient in `parameter.grad`, and must update
/// `parameter.value` and the state tensors in place:
/// ```
/// /// Normalised gradient descent: θ ← θ − lr·g/‖g‖.
/// final class NormalisedGD: TensorOptimizer {
///     override var name: String { "normalised" }
///     override func update(_ parameter: Parameter, state: State) {
///         let g = parameter.grad, n = parameter.count
///         let norm = (0..<n).reduce(0.0) { $0 + Double(g[$1]) * Double(g[$1]) }.squareRoot()
///         for i in 0..<n { parameter.value[i] -= learningRate * g[i] / Float(max(norm, 1e-12)) }
///     }
/// }
/// ```
/// Products inside `update` go through `BLAS.gemm`, the layers' product code (oneDNN's
/// sgemm, split over the pool's threads), so a rule's arithmetic does not depend on the
/// thread count. Parameters are updated one after another, in the order given.
///
/// A rule may hand some parameters to an element-wise rule (`others`, chosen by
/// `handles(_:)`), as torch's Muon documentation prescribes AdamW for biases: `step` then
/// updates those through `others`, whose learning rate follows this rule's (a schedule
/// scales both by the same factor). The two keep disjoint state; a checkpoint holds both.
///
/// State in checkpoints (`state(for:)`): `"<parameter>.<name>"` for each tensor of
/// `initialState(for:)`, with `"<parameter>.step"` and `"optimizer.step"` as the
/// element-wise rules write them. `loadState` checks every tensor against the shape the rule
/// declares for that parameter and rejects NaN or ±∞.
open class TensorOptimizer: Optimizer {
    /// The state of one parameter: its step count (already incremented for the current
    /// step when `update` runs, 1 on the first) and its tensors by name.
    public final class State {
        public internal(set) var step: Int
        public let tensors: [String: Tensor]
        init(step: Int, tensors: [String: Tensor]) {
            self.step = step
            self.tensors = tensors
        }
        /// The tensor called `name` (a rule asking for one it did not declare has a bug: traps).
        public subscript(_ name: String) -> Tensor {
            guard let t = tensors[name] else { preconditionFailure("no state tensor '\(name)'") }
            return t
        }
    }

    /// The rate of this rule's parameters.
    public var learningRate: Float {
        didSet {
            guard let others, baseLearningRate > 0 else { return }
            others.learningRate = Float(Double(othersBaseLearningRate) * (Double(learningRate) / Double(baseLearningRate)))
        }
    }
    public private(set) var stepCount = 0
    /// The element-wise rule for the parameters `handles(_:)` declines, if any.
    public let others: Optimizer?
    /// `rule.name` when built from a descriptor.
    private let ruleName: String?
    /// The rates at construction: `others` runs at `othersBase · learningRate / base`.
    private let baseLearningRate: Float
    private let othersBaseLearningRate: Float
    private var states: [ObjectIdentifier: State] = [:]
    /// Reused per step: the parameters this rule updates, and those of `others`.
    private var mine: [Parameter] = []
    private var theirs: [Parameter] = []

    /// `others` takes the parameters `handles(_:)` declines (nil: this rule takes all).
    public init(learningRate: Float, others: Optimizer? = nil) {
        self.learningRate = learningRate
        self.others = others
        ruleName = nil
        baseLearningRate = learningRate
        othersBaseLearningRate = others?.learningRate ?? 0
    }

    /// As `init(learningRate:others:)` for a rule with a descriptor: checks `values` against
    /// `rule`'s ranges first and takes `name` from `rule.name`.
    public init(rule: OptimizerRule, learningRate: Float, checking values: [HyperParameter: Float],
                others: Optimizer? = nil) throws {
        try rule.validate(values.merging([.learningRate: learningRate]) { given, _ in given })
        self.learningRate = learningRate
        self.others = others
        ruleName = rule.name
        baseLearningRate = learningRate
        othersBaseLearningRate = others?.learningRate ?? 0
    }

    open var name: String { ruleName ?? "optimizer" }
    /// The number of state tensors a parameter this rule handles keeps (for reports).
    open var stateTensorCount: Int { 0 }

    /// Whether this rule updates `parameter` (the others go to `others`; every parameter
    /// when there is none).
    open func handles(_ parameter: Parameter) -> Bool { true }

    /// The state `parameter` starts with, by name (any shapes; zeros unless the rule says).
    open func initialState(for parameter: Parameter) -> [String: Tensor] { [:] }

    /// Updates one whole parameter from its gradient; every subclass overrides it.
    open func update(_ parameter: Parameter, state: State) { fatalError("\(name): update not implemented") }

    /// `parameter`'s state, made on its first step (allocated once, reused afterwards).
    private func state(of parameter: Parameter) -> State {
        let key = ObjectIdentifier(parameter)
        if let s = states[key] { return s }
        let s = State(step: 0, tensors: initialState(for: parameter))
        states[key] = s
        return s
    }

    public func step(_ parameters: [Parameter]) {
        stepCount += 1
        mine.removeAll(keepingCapacity: true)
        theirs.removeAll(keepingCapacity: true)
        for p in parameters {
            if others == nil || handles(p) { mine.append(p) } else { theirs.append(p) }
        }
        for p in mine {
            let s = state(of: p)
            s.step += 1
            update(p, state: s)
        }
        if let others, !theirs.isEmpty { others.step(theirs) }
    }

    /// Checks every gradient first (one pass), then steps: a non-finite gradient leaves
    /// every parameter as it was.
    @discardableResult
    public func checkedStep(_ parameters: [Parameter]) -> Parameter? {
        if let bad = parameters.firstNonFiniteGradient { return bad }
        step(parameters)
        return nil
    }

    /// The state tensors of `parameter`, or nil before its first step (for tests and tools).
    public func stateTensors(of parameter: Parameter) -> [String: Tensor]? {
        states[ObjectIdentifier(parameter)]?.tensors
    }

    public func state(for parameters: [Parameter]) -> [String: Tensor] {
        var out = others?.state(for: parameters.filter { !handles($0) }) ?? [:]
        out["optimizer.step"] = Tensor(shape: [1], value: Float(stepCount))
        for p in parameters where others == nil || handles(p) {
            guard let s = states[ObjectIdentifier(p)] else { continue }
            out["\(p.name).step"] = Tensor(shape: [1], value: Float(s.step))
            for (key, t) in s.tensors { out["\(p.name).\(key)"] = t.clone() }
        }
        return out
    }

    public func loadState(_ state: [String: Tensor], for parameters: [Parameter]) throws {
        var loaded: [(ObjectIdentifier, State)] = []
        for p in parameters where others == nil || handles(p) {
            guard let step = try Check.stepCount(state["\(p.name).step"], "\(p.name).step", name) else { continue }
            var tensors: [String: Tensor] = [:]
            for (key, fresh) in initialState(for: p) {
                guard let t = state["\(p.name).\(key)"] else {
                    throw DescentError("\(name): state of '\(p.name)' has no '\(key)'")
                }
                guard t.shape == fresh.shape else {
                    throw DescentError("\(name): state '\(p.name).\(key)' has shape \(t.shape), expected \(fresh.shape)")
                }
                guard Kernels.allFinite(t.data, count: t.count) else {
                    throw DescentError("\(name): state '\(p.name).\(key)' holds NaN or infinite values")
                }
                tensors[key] = t.clone()
            }
            loaded.append((ObjectIdentifier(p), State(step: step, tensors: tensors)))
        }
        try others?.loadState(state, for: parameters.filter { !handles($0) })
        states = [:]
        for (k, s) in loaded { states[k] = s }
        if let n = try Check.stepCount(state["optimizer.step"], "optimizer.step", name) { stepCount = n }
    }
}
