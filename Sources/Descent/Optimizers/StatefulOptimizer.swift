/// Shared machinery of the stateful rules, built in or not: lazily allocated, reused
/// per-parameter slots, per-parameter step counts (as torch keeps them), checkpoint
/// save/load, the blocked, threaded step loop and its fused finiteness check.
///
/// **Writing a rule** (in Descent or in another package): subclass, name the state
/// tensors, and override `update(_:)`, which gets one block of a parameter as raw pointers
/// (`Span`) and must update it in place, element by element:
/// ```
/// /// Sign descent with momentum (Lion's core): θ ← θ − lr·sign(m), m ← βm + (1 − β)g.
/// final class SignMomentum: StatefulOptimizer {
///     let beta: Float
///     init(learningRate: Float, beta: Float = 0.9) {
///         self.beta = beta
///         super.init(learningRate: learningRate, weightDecay: 0, slotNames: ["exp_avg"])
///     }
///     override var name: String { "signmomentum" }
///     override func update(_ span: Span) {
///         let m = span.state(0)
///         for i in 0..<span.count {
///             m[i] = beta * m[i] + (1 - beta) * span.grad[i]
///             span.value[i] -= learningRate * (m[i] > 0 ? 1 : m[i] < 0 ? -1 : 0)
///         }
///     }
/// }
/// ```
/// The subclass then gets `step`, `checkedStep` (NaN/±∞ caught block by block),
/// `state(for:)`/`loadState` under its slot names, wrapping by `ClippedOptimizer` and
/// `ScheduledOptimizer`, and the same results on any thread count. Further hooks:
/// `prepare(_:)` (per-parameter scalars once per step, e.g. bias corrections) and
/// `initialValue(slot:)` (AdaGrad's initial accumulator). A descriptor (`OptimizerRule`)
/// adds defaults, range checks and a summary; `init(rule:…)` checks the ranges and takes
/// the name from it. `Tests/DescentAPITests` adds Lion this way, importing Descent
/// without `@testable`.
///
/// The built-in rules implement `update(_:)` as one call into a fused C kernel
/// (`Sources/CKernels/optimizers.c`): one pass over the raw buffers, 8 lanes at a time
/// (`ext_vector_type(8)` float, i.e. SIMD8, with `__builtin_elementwise_sqrt` as in
/// `descent_sqrt8`), no temporaries. The kernels live in C because torch's CPU kernels
/// fuse some multiply-adds and matching their rounding needs an FMA instruction, which
/// Swift cannot request without unsafe compiler flags; C picks an FMA clone at load time.
///
/// A step walks every parameter in blocks of `blockSize` elements. For each block the
/// gradient is checked for NaN/±∞ (when asked) and then `update` runs on it while the
/// block is still in L1, so the check costs no extra pass over memory. Runs of
/// `blocksPerItem` blocks are shared out over `Parallel.threads` threads
/// (`Parallel.forEach`: contiguous shares, a preempted thread's share finished by the
/// others), so `update` is called concurrently for disjoint blocks and must touch only
/// its own span. Every rule here is element-wise, so the result does not depend on the
/// split: a step is bit-identical on any thread count.
open class StatefulOptimizer: Optimizer {
    /// State of one parameter: its step count and one tensor per slot name.
    final class Slot {
        var step = 0
        let tensors: [Tensor]
        init(_ tensors: [Tensor]) { self.tensors = tensors }
    }

    /// Elements `0..<count` of a parameter, its gradient and its state tensors (raw
    /// pointers, offset together): what one call of `update` processes.
    public struct Span {
        /// The parameter's values θ, updated in place.
        public internal(set) var value: UnsafeMutablePointer<Float>
        /// The gradient (`update` may overwrite it: clipping and L2 have already been applied).
        public internal(set) var grad: UnsafeMutablePointer<Float>
        var states: (UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?, UnsafeMutablePointer<Float>?)
        /// Number of state tensors (`slotNames.count`).
        public internal(set) var stateCount: Int
        /// Number of elements.
        public internal(set) var count: Int
        /// This parameter's step count, already incremented for the current step (1 on the first).
        public internal(set) var step: Int
        /// Per-parameter scalars a rule computes once per step in `prepare` (Adam: the
        /// step size and √(1 − β2ᵗ)), instead of once per block.
        public var scalars: (Float, Float) = (0, 0)

        /// State tensor `i` (0-based, `i < stateCount`), in the order of `slotNames`.
        public func state(_ i: Int) -> UnsafeMutablePointer<Float> {
            switch i { case 0: states.0!; case 1: states.1!; default: states.2! }
        }

        /// Elements `offset ..< offset + count` of this span.
        func slice(_ offset: Int, _ count: Int) -> Span {
            var s = self
            s.value += offset
            s.grad += offset
            s.states = (states.0.map { $0 + offset }, states.1.map { $0 + offset }, states.2.map { $0 + offset })
            s.count = count
            return s
        }
    }

    /// Elements per block: 4096 floats (16 KiB per array) keep a block's arrays in L1.
    public static let blockSize = 4096
    /// Steps over fewer elements than this stay on one thread (waking a worker costs more).
    public static let parallelThreshold = 65_536
    /// Blocks per item of a split step (32,768 elements): the threads take items of their
    /// own share first and then help with the others' (`Parallel.forEach`).
    public static let blocksPerItem = 8

    public var learningRate: Float
    /// L2 penalty added to the gradient inside the fused loop (`g ← g + wd·θ`, torch's
    /// `weight_decay`); AdamW instead decays the weights directly.
    public let weightDecay: Float
    public private(set) var stepCount = 0
    /// The names of the per-parameter state tensors, in torch's terms.
    public let slotNames: [String]
    /// `rule.name` when built from a descriptor (`init(rule:…)`).
    private let ruleName: String?
    private var slots: [ObjectIdentifier: Slot] = [:]
    /// Reused per step: one span per parameter, and the blocks as (span index, offset, count).
    private var spans: [Span] = []
    private var blocks: [(span: Int, offset: Int, count: Int)] = []
    /// Per thread of a step: the first parameter seen with a non-finite gradient.
    private var badParameter: [Int] = []

    /// `slotNames`: the per-parameter state tensors, at most 3 (a programming error
    /// otherwise), e.g. `["exp_avg", "exp_avg_sq"]`; they name the tensors in checkpoints.
    /// `weightDecay` is stored for the rule to use (the built-in rules add `wd·θ` to g).
    public init(learningRate: Float, weightDecay: Float, slotNames: [String]) {
        precondition(slotNames.count <= 3, "StatefulOptimizer: at most 3 state tensors")
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.slotNames = slotNames
        ruleName = nil
    }

    /// As `init(learningRate:weightDecay:slotNames:)` for a rule with a descriptor: first
    /// checks the learning rate, the weight decay and the `others` against `rule`'s ranges
    /// (`OptimizerRule.validate`, in the rule's order), and takes `name` from `rule.name`.
    /// ```
    /// try super.init(rule: Self.rule, learningRate: learningRate, weightDecay: weightDecay,
    ///                checking: [.rho: rho, .epsilon: epsilon], slotNames: ["square_avg", "acc_delta"])
    /// ```
    public init(rule: OptimizerRule, learningRate: Float, weightDecay: Float,
                checking others: [HyperParameter: Float] = [:], slotNames: [String]) throws {
        try rule.validate(others.merging([.learningRate: learningRate, .weightDecay: weightDecay]) { given, _ in given })
        precondition(slotNames.count <= 3, "StatefulOptimizer: at most 3 state tensors")
        self.learningRate = learningRate
        self.weightDecay = weightDecay
        self.slotNames = slotNames
        ruleName = rule.name
    }

    /// The rule's lower-case name (messages, checkpoints, summaries): its descriptor's when
    /// built with `init(rule:…)`; otherwise override it.
    open var name: String { ruleName ?? "optimizer" }
    public var stateTensorCount: Int { slotNames.count }

    /// The value a fresh slot tensor starts with (AdaGrad's initial accumulator).
    open func initialValue(slot index: Int) -> Float { 0 }

    /// Called once for each fresh slot tensor, after it is filled with `initialValue(slot:)`
    /// (Schedule-Free starts z as a copy of θ).
    open func initialize(slot index: Int, _ tensor: Tensor, for parameter: Parameter) {}

    /// Called once per step, before any parameter (per-step scalars of the whole rule).
    open func beginStep() {}

    /// Numbers of the whole rule kept from step to step besides the step count, by name
    /// (Schedule-Free's weight sum). Checkpoints keep each as `"optimizer.<name>"`, the
    /// Double's 64 bits exactly (`ExactDouble`); `loadState` sets them back.
    open var ruleScalars: [String: Double] {
        get { [:] }
        set {}
    }

    /// The state of the parameters this rule knows (for subclasses: `beginTraining`).
    public func slotTensors(of parameter: Parameter) -> [Tensor]? { slots[ObjectIdentifier(parameter)]?.tensors }

    open func beginTraining(_ parameters: [Parameter]) {}
    open func endTraining(_ parameters: [Parameter]) {}

    /// The rule: updates the elements in `span` (θ and the state tensors) from the
    /// gradient. Called concurrently for disjoint spans; every subclass overrides it.
    open func update(_ span: Span) { fatalError("\(name): update not implemented") }

    /// Called once per parameter and step, before its blocks are updated: set
    /// `span.scalars` to what every block of the parameter needs (the span covers the
    /// whole parameter here).
    open func prepare(_ span: inout Span) {}

    func slot(for parameter: Parameter) -> Slot {
        let key = ObjectIdentifier(parameter)
        if let s = slots[key], s.tensors.allSatisfy({ $0.count == parameter.count }) { return s }
        let s = Slot(slotNames.indices.map { i in
            let t = Tensor(shape: parameter.value.shape, value: initialValue(slot: i))
            initialize(slot: i, t, for: parameter)
            return t
        })
        slots[key] = s
        return s
    }

    /// The slot tensors of `parameter`, or `nil` before its first step (for tests and tools).
    public func stateTensors(of parameter: Parameter) -> [Tensor]? {
        slots[ObjectIdentifier(parameter)]?.tensors
    }

    public func step(_ parameters: [Parameter]) {
        _ = run(parameters, checking: false)
    }

    @discardableResult
    public func checkedStep(_ parameters: [Parameter]) -> Parameter? {
        run(parameters, checking: true).map { parameters[$0] }
    }

    /// The step loop; returns the index of a parameter with a non-finite gradient.
    private func run(_ parameters: [Parameter], checking: Bool) -> Int? {
        stepCount += 1
        beginStep()
        spans.removeAll(keepingCapacity: true)
        blocks.removeAll(keepingCapacity: true)
        for (index, p) in parameters.enumerated() {
            let s = slot(for: p)
            s.step += 1
            let t = s.tensors
            var span = Span(value: p.value.data, grad: p.grad.data,
                            states: (t.count > 0 ? t[0].data : nil, t.count > 1 ? t[1].data : nil,
                                     t.count > 2 ? t[2].data : nil),
                            stateCount: t.count, count: p.count, step: s.step)
            prepare(&span)
            spans.append(span)
            var offset = 0
            while offset < p.count {
                let n = Swift.min(Self.blockSize, p.count - offset)
                blocks.append((index, offset, n))
                offset += n
            }
        }
        // Items of `blocksPerItem` blocks, over the pool (each thread its own share first).
        let perItem = parameters.scalarCount >= Self.parallelThreshold ? Self.blocksPerItem : Swift.max(blocks.count, 1)
        let items = (blocks.count + perItem - 1) / perItem
        // Each item writes only its own entry.
        if badParameter.count < items { badParameter = [Int](repeating: Int.max, count: items) }
        for i in badParameter.indices { badParameter[i] = Int.max }
        spans.withUnsafeBufferPointer { spans in
            blocks.withUnsafeBufferPointer { blocks in
                badParameter.withUnsafeMutableBufferPointer { bad in
                    Parallel.forEach(items: items) { item in
                        for b in blocks[(item * perItem)..<Swift.min((item + 1) * perItem, blocks.count)] {
                            let span = spans[b.span].slice(b.offset, b.count)
                            if checking && !Kernels.allFinite(span.grad, count: span.count) {
                                bad[item] = b.span
                                return
                            }
                            self.update(span)
                        }
                    }
                }
            }
        }
        let first = badParameter.min()!
        return first == Int.max ? nil : first
    }

    public func state(for parameters: [Parameter]) -> [String: Tensor] {
        var out: [String: Tensor] = ["optimizer.step": Tensor(shape: [1], value: Float(stepCount))]
        for (key, v) in ruleScalars { out["optimizer.\(key)"] = ExactDouble.tensor(v) }
        for p in parameters {
            guard let s = slots[ObjectIdentifier(p)] else { continue }
            out["\(p.name).step"] = Tensor(shape: [1], value: Float(s.step))
            for (slotName, t) in zip(slotNames, s.tensors) { out["\(p.name).\(slotName)"] = t.clone() }
        }
        return out
    }

    /// Slots that accumulate squares (or their maxima) and so are never negative: a
    /// checkpoint holding a negative value in one is damaged (the square root of the
    /// update would be NaN).
    static let nonNegativeSlots: Set<String> = ["exp_avg_sq", "max_exp_avg_sq", "square_avg", "acc_delta", "sum", "exp_inf"]

    public func loadState(_ state: [String: Tensor], for parameters: [Parameter]) throws {
        var loaded: [(ObjectIdentifier, Slot)] = []
        for p in parameters {
            guard let step = try Check.stepCount(state["\(p.name).step"], "\(p.name).step", name) else { continue }
            var tensors: [Tensor] = []
            for slotName in slotNames {
                guard let t = state["\(p.name).\(slotName)"] else {
                    throw DescentError("\(name): state of '\(p.name)' has no '\(slotName)'")
                }
                guard t.shape == p.value.shape else {
                    throw DescentError("\(name): state '\(p.name).\(slotName)' has shape \(t.shape), parameter has \(p.value.shape)")
                }
                guard Kernels.allFinite(t.data, count: t.count) else {
                    throw DescentError("\(name): state '\(p.name).\(slotName)' holds NaN or infinite values")
                }
                if Self.nonNegativeSlots.contains(slotName), let i = (0..<t.count).first(where: { t.data[$0] < 0 }) {
                    throw DescentError("\(name): state '\(p.name).\(slotName)' holds a negative value (\(t.data[i]) at \(i)), but it accumulates squares")
                }
                tensors.append(t.clone())
            }
            let s = Slot(tensors)
            s.step = step
            loaded.append((ObjectIdentifier(p), s))
        }
        var scalars = ruleScalars
        if !loaded.isEmpty {
            for key in scalars.keys {
                guard let t = state["optimizer.\(key)"] else { throw DescentError("\(name): state has no 'optimizer.\(key)'") }
                scalars[key] = try ExactDouble.value(t, "\(name): state 'optimizer.\(key)'")
            }
        }
        slots = [:]
        for (k, s) in loaded { slots[k] = s }
        if !loaded.isEmpty { ruleScalars = scalars }
        if let n = try Check.stepCount(state["optimizer.step"], "optimizer.step", name) { stepCount = n }
    }
}

/// A Double kept exactly in a float32 tensor (checkpoints hold float32): its 64 bits as four
/// 16-bit pieces, most significant first, each a whole number in 0...65535 (exact in a Float).
enum ExactDouble {
    static func tensor(_ v: Double) -> Tensor {
        let bits = v.bitPattern
        return Tensor(shape: [4], values: (0..<4).map { Float((bits >> UInt64(48 - 16 * $0)) & 0xFFFF) })
    }

    /// The Double in `t`; throws (`what` names it) unless `t` is four whole numbers in 0...65535 of a finite Double.
    static func value(_ t: Tensor, _ what: String) throws -> Double {
        guard t.count == 4, (0..<4).allSatisfy({ t[$0] >= 0 && t[$0] <= 65535 && t[$0] == t[$0].rounded() }) else {
            throw DescentError("\(what) must be 4 whole numbers in 0...65535 (a Double's bits), got shape \(t.shape)")
        }
        let bits = (0..<4).reduce(UInt64(0)) { $0 << 16 | UInt64(t[$1]) }
        let v = Double(bitPattern: bits)
        guard v.isFinite else { throw DescentError("\(what) is not a finite number") }
        return v
    }
}
