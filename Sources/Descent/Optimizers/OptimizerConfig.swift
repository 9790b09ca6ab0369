/// The optimizers built into Descent, selectable from the command line and stored by
/// name in configs and result files.
///
/// Each case names one descriptor (`rule`), declared next to the rule in its own file;
/// adding a built-in rule is a case here, its line in `rule`, and its file.
public enum OptimizerKind: String, CaseIterable, Codable, Sendable {
    case sgd, momentum, adagrad, rmsprop, adadelta, adam, adamw

    /// The rule's descriptor: defaults, ranges, factory, memory traffic.
    public var rule: OptimizerRule {
        switch self {
        case .sgd: return SGD.rule
        case .momentum: return MomentumSGD.rule
        case .adagrad: return AdaGrad.rule
        case .rmsprop: return RMSprop.rule
        case .adadelta: return AdaDelta.rule
        case .adam: return Adam.rule
        case .adamw: return AdamW.rule
        }
    }

    /// The name used in reports: "SGD", "MomentumSGD", "AdaGrad", "RMSprop", "AdaDelta", "Adam", "AdamW".
    public var displayName: String { rule.displayName }
}

/// An optimizer and its hyper-parameters as data (CLI flags, run keys, result files).
///
/// ```
/// let config = OptimizerConfig(kind: .adam, learningRate: 3e-4)
/// config.summary            // "adam(lr=0.0003, beta1=0.9, beta2=0.999, eps=1e-08)"
/// let optimizer = try config.make()
/// ```
/// `nil` means the rule's default. A hyper-parameter that does not apply to `kind`
/// (e.g. `beta1` for SGD) makes `make()` throw. With `clipNorm` set, `make()` returns a
/// `ClippedOptimizer`; with `schedule`, a `ScheduledOptimizer` (outermost). Defaults,
/// checks and the summary's form come from `kind.rule`.
///
/// The stored fields are the JSON form (unset ones are left out), and run keys hash that
/// JSON: renaming a field changes every key. One field per `HyperParameter`.
public struct OptimizerConfig: Codable, Hashable, Sendable {
    public var kind: OptimizerKind
    public var learningRate: Float?
    public var momentum: Float?
    public var nesterov: Bool?
    public var dampening: Float?
    public var alpha: Float?
    public var centered: Bool?
    public var rho: Float?
    public var beta1: Float?
    public var beta2: Float?
    public var epsilon: Float?
    public var amsgrad: Bool?
    public var initialAccumulatorValue: Float?
    public var weightDecay: Float?
    public var clipNorm: Float?
    public var schedule: LearningRateSchedule?

    public init(kind: OptimizerKind, learningRate: Float? = nil, momentum: Float? = nil, nesterov: Bool? = nil,
                dampening: Float? = nil, alpha: Float? = nil, centered: Bool? = nil, rho: Float? = nil,
                beta1: Float? = nil, beta2: Float? = nil, epsilon: Float? = nil, amsgrad: Bool? = nil,
                initialAccumulatorValue: Float? = nil, weightDecay: Float? = nil, clipNorm: Float? = nil,
                schedule: LearningRateSchedule? = nil) {
        self.kind = kind
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.dampening = dampening
        self.alpha = alpha
        self.centered = centered
        self.rho = rho
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.initialAccumulatorValue = initialAccumulatorValue
        self.weightDecay = weightDecay
        self.clipNorm = clipNorm
        self.schedule = schedule
    }

    /// The six optimizers of the seed article with its default hyper-parameters.
    public static let seedDefaults: [OptimizerConfig] =
        [.sgd, .momentum, .adagrad, .rmsprop, .adadelta, .adam].map { OptimizerConfig(kind: $0) }

    /// The value set for `parameter`, nil when unset (flags read 1 for true, 0 for false).
    public subscript(_ parameter: HyperParameter) -> Float? {
        get {
            switch parameter.field {
            case .number(let path): return self[keyPath: path]
            case .flag(let path): return self[keyPath: path].map { $0 ? 1 : 0 }
            }
        }
        set {
            switch parameter.field {
            case .number(let path): self[keyPath: path] = newValue
            case .flag(let path): self[keyPath: path] = newValue.map { $0 != 0 }
            }
        }
    }

    /// Every hyper-parameter that is set.
    public var setValues: [HyperParameter: Float] {
        var values: [HyperParameter: Float] = [:]
        for p in HyperParameter.allCases { values[p] = self[p] }
        return values
    }

    /// Builds the optimizer (`kind.rule.make` on the values set, then clipping and the
    /// schedule); throws `DescentError` for invalid or inapplicable values.
    public func make() throws -> Optimizer {
        var optimizer = try kind.rule.make(setValues)
        if let clipNorm { optimizer = try ClippedOptimizer(optimizer, maxNorm: clipNorm) }
        if let schedule { optimizer = try ScheduledOptimizer(optimizer, schedule: schedule) }
        return optimizer
    }

    /// E.g. `"adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"`: the values in effect,
    /// defaults filled in, in the rule's order; options that are off are left out. Swift
    /// prints each Float in its shortest round-tripping form (0.001, 0.9, 1e-08).
    public var summary: String {
        let rule = kind.rule
        var parts = rule.summaryParts(rule.resolve(setValues))
        if let c = clipNorm { parts.append("clip_norm=\(c)") }
        if let s = schedule { parts.append("schedule=\(s)") }
        return "\(kind.rawValue)(\(parts.joined(separator: ", ")))"
    }
}

extension HyperParameter {
    /// Where `OptimizerConfig` stores it.
    enum Field {
        case number(WritableKeyPath<OptimizerConfig, Float?>)
        case flag(WritableKeyPath<OptimizerConfig, Bool?>)
    }

    var field: Field {
        switch self {
        case .learningRate: return .number(\.learningRate)
        case .momentum: return .number(\.momentum)
        case .nesterov: return .flag(\.nesterov)
        case .dampening: return .number(\.dampening)
        case .alpha: return .number(\.alpha)
        case .centered: return .flag(\.centered)
        case .rho: return .number(\.rho)
        case .beta1: return .number(\.beta1)
        case .beta2: return .number(\.beta2)
        case .epsilon: return .number(\.epsilon)
        case .amsgrad: return .flag(\.amsgrad)
        case .initialAccumulatorValue: return .number(\.initialAccumulatorValue)
        case .weightDecay: return .number(\.weightDecay)
        }
    }
}
