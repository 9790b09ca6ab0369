/// An optimizer rule as named in configurations, records and on the command line: the
/// rule's name (`rawValue`, e.g. `"adam"`) and its descriptor. The kinds a program knows
/// are those of its `Registry` (`Registry.builtIn.optimizers` for Descent's own, also
/// reachable as `.sgd`, `.adam`, …). Two kinds are equal when their names are; the JSON
/// form is the name, looked up in the decoder's registry (`JSONDecoder.descent(_:)`).
public struct OptimizerKind: Hashable, Sendable, CustomStringConvertible {
    /// The rule's descriptor: defaults, ranges, factory, memory traffic.
    public let rule: OptimizerRule

    public init(_ rule: OptimizerRule) { self.rule = rule }

    /// The rule's name, e.g. `"adam"`.
    public var rawValue: String { rule.name }

    /// The name used in reports: "SGD", "MomentumSGD", "AdaGrad", "RMSprop", "AdaDelta", "Adam", "AdamW", "NAdam", "NAdamW", "RAdam", "Adamax", "Lion".
    public var displayName: String { rule.displayName }

    public var description: String { rawValue }

    public static func == (a: OptimizerKind, b: OptimizerKind) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    public static let sgd = OptimizerKind(SGD.rule)
    public static let momentum = OptimizerKind(MomentumSGD.rule)
    public static let adagrad = OptimizerKind(AdaGrad.rule)
    public static let rmsprop = OptimizerKind(RMSprop.rule)
    public static let adadelta = OptimizerKind(AdaDelta.rule)
    public static let adam = OptimizerKind(Adam.rule)
    public static let adamw = OptimizerKind(AdamW.rule)
    public static let nadam = OptimizerKind(NAdam.rule)
    public static let nadamw = OptimizerKind(NAdamW.rule)
    public static let radam = OptimizerKind(RAdam.rule)
    public static let adamax = OptimizerKind(Adamax.rule)
    public static let lion = OptimizerKind(Lion.rule)
    public static let muon = OptimizerKind(Muon.rule)
    public static let schedulefree = OptimizerKind(ScheduleFreeAdamW.rule)
    public static let shampoo = OptimizerKind(Shampoo.rule)
}

extension OptimizerKind: Codable {
    public init(from decoder: Decoder) throws {
        self = try decoder.registered("optimizer", lookup: { $0.optimizer(named: $1) }, names: { $0.optimizers.map(\.rawValue) })
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
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
/// JSON: renaming a field changes every key. One field per built-in `HyperParameter`; the
/// values of a registered rule's own hyper-parameters are kept in `others`, by `rawValue`,
/// and written as keys of the same object (`{"kind": "lookahead", "steps": 5}`).
public struct OptimizerConfig: Hashable, Sendable {
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
    /// Values of hyper-parameters that are not Descent's own, by `HyperParameter.rawValue`
    /// (flags 1 or 0).
    public var others: [String: Float] = [:]

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
            case .number(let path)?: return self[keyPath: path]
            case .flag(let path)?: return self[keyPath: path].map { $0 ? 1 : 0 }
            case nil: return others[parameter.rawValue]
            }
        }
        set {
            switch parameter.field {
            case .number(let path)?: self[keyPath: path] = newValue
            case .flag(let path)?: self[keyPath: path] = newValue.map { $0 != 0 }
            case nil: others[parameter.rawValue] = newValue
            }
        }
    }

    /// Every hyper-parameter that is set (another rule's own by the kind's rule, else by
    /// their name alone, with the help empty).
    public var setValues: [HyperParameter: Float] {
        var values: [HyperParameter: Float] = [:]
        for p in HyperParameter.builtIn { values[p] = self[p] }
        for (name, v) in others {
            let p = kind.rule.options.first { $0.parameter.rawValue == name }?.parameter ?? HyperParameter(name, help: "")
            values[p] = v
        }
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

    /// The stored field of a built-in hyper-parameter; nil for another rule's own.
    var field: Field? { HyperParameter.field(named: rawValue) }

    static func field(named name: String) -> Field? {
        switch name {
        case "learningRate": return .number(\.learningRate)
        case "momentum": return .number(\.momentum)
        case "nesterov": return .flag(\.nesterov)
        case "dampening": return .number(\.dampening)
        case "alpha": return .number(\.alpha)
        case "centered": return .flag(\.centered)
        case "rho": return .number(\.rho)
        case "beta1": return .number(\.beta1)
        case "beta2": return .number(\.beta2)
        case "epsilon": return .number(\.epsilon)
        case "amsgrad": return .flag(\.amsgrad)
        case "initialAccumulatorValue": return .number(\.initialAccumulatorValue)
        case "weightDecay": return .number(\.weightDecay)
        default: return nil
        }
    }
}

/// JSON: `kind`, the built-in fields that are set, `clipNorm`, `schedule`, and each other
/// hyper-parameter under its `rawValue` (a flag as true/false). Keys are those the
/// synthesised form had, so records and run keys written before stay valid; a key that is
/// none of these and no hyper-parameter of the decoder's registry is ignored, as before.
extension OptimizerConfig: Codable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        self.init(kind: try c.decode(OptimizerKind.self, forKey: Key("kind")))
        for key in c.allKeys {
            let name = key.stringValue
            if let field = HyperParameter.field(named: name) {
                switch field {
                case .number(let path): self[keyPath: path] = try c.decode(Float.self, forKey: key)
                case .flag(let path): self[keyPath: path] = try c.decode(Bool.self, forKey: key)
                }
            } else if let p = decoder.registry.hyperParameter(named: name) {
                others[name] = p.isFlag ? (try c.decode(Bool.self, forKey: key) ? 1 : 0) : try c.decode(Float.self, forKey: key)
            }
        }
        clipNorm = try c.decodeIfPresent(Float.self, forKey: Key("clipNorm"))
        schedule = try c.decodeIfPresent(LearningRateSchedule.self, forKey: Key("schedule"))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(kind, forKey: Key("kind"))
        for p in HyperParameter.builtIn {
            switch p.field! {
            case .number(let path): try c.encodeIfPresent(self[keyPath: path], forKey: Key(p.rawValue))
            case .flag(let path): try c.encodeIfPresent(self[keyPath: path], forKey: Key(p.rawValue))
            }
        }
        try c.encodeIfPresent(clipNorm, forKey: Key("clipNorm"))
        try c.encodeIfPresent(schedule, forKey: Key("schedule"))
        for (name, v) in others.sorted(by: { $0.key < $1.key }) {
            let isFlag = kind.rule.options.first { $0.parameter.rawValue == name }?.parameter.isFlag ?? false
            if isFlag { try c.encode(v != 0, forKey: Key(name)) } else { try c.encode(v, forKey: Key(name)) }
        }
    }
}
