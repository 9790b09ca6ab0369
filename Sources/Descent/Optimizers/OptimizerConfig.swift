/// The optimizers selectable from the command line.
public enum OptimizerKind: String, CaseIterable, Codable, Sendable {
    case sgd, momentum, adagrad, rmsprop, adadelta, adam, adamw

    /// The name used in reports: "SGD", "MomentumSGD", "AdaGrad", "RMSprop", "AdaDelta", "Adam", "AdamW".
    public var displayName: String {
        switch self {
        case .sgd: return "SGD"
        case .momentum: return "MomentumSGD"
        case .adagrad: return "AdaGrad"
        case .rmsprop: return "RMSprop"
        case .adadelta: return "AdaDelta"
        case .adam: return "Adam"
        case .adamw: return "AdamW"
        }
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
/// `ClippedOptimizer`; with `schedule`, a `ScheduledOptimizer` (outermost).
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

    /// Hyper-parameters that apply to `kind` (besides lr, weightDecay, clipNorm, schedule).
    private var setOptions: [(String, Bool)] {
        [("momentum", momentum != nil), ("nesterov", nesterov != nil), ("dampening", dampening != nil),
         ("alpha", alpha != nil), ("centered", centered != nil), ("rho", rho != nil),
         ("beta1", beta1 != nil), ("beta2", beta2 != nil), ("epsilon", epsilon != nil),
         ("amsgrad", amsgrad != nil), ("initialAccumulatorValue", initialAccumulatorValue != nil)]
    }

    private var applicable: Set<String> {
        switch kind {
        case .sgd: return []
        case .momentum: return ["momentum", "nesterov", "dampening"]
        case .adagrad: return ["epsilon", "initialAccumulatorValue"]
        case .rmsprop: return ["alpha", "epsilon", "momentum", "centered"]
        case .adadelta: return ["rho", "epsilon"]
        case .adam, .adamw: return ["beta1", "beta2", "epsilon", "amsgrad"]
        }
    }

    /// Builds the optimizer; throws `DescentError` for invalid or inapplicable values.
    public func make() throws -> Optimizer {
        for (option, isSet) in setOptions where isSet && !applicable.contains(option) {
            throw DescentError("\(kind.rawValue): \(option) does not apply to \(kind.displayName)")
        }
        let wd = weightDecay
        var optimizer: Optimizer
        switch kind {
        case .sgd:
            optimizer = try SGD(learningRate: learningRate ?? 0.01, weightDecay: wd ?? 0)
        case .momentum:
            optimizer = try MomentumSGD(learningRate: learningRate ?? 0.01, momentum: momentum ?? 0.9,
                                        dampening: dampening ?? 0, nesterov: nesterov ?? false, weightDecay: wd ?? 0)
        case .adagrad:
            optimizer = try AdaGrad(learningRate: learningRate ?? 0.01, epsilon: epsilon ?? 1e-10,
                                    initialAccumulatorValue: initialAccumulatorValue ?? 0, weightDecay: wd ?? 0)
        case .rmsprop:
            optimizer = try RMSprop(learningRate: learningRate ?? 0.001, alpha: alpha ?? 0.99, epsilon: epsilon ?? 1e-8,
                                    momentum: momentum ?? 0, centered: centered ?? false, weightDecay: wd ?? 0)
        case .adadelta:
            optimizer = try AdaDelta(learningRate: learningRate ?? 1.0, rho: rho ?? 0.95, epsilon: epsilon ?? 1e-6,
                                     weightDecay: wd ?? 0)
        case .adam:
            optimizer = try Adam(learningRate: learningRate ?? 0.001, beta1: beta1 ?? 0.9, beta2: beta2 ?? 0.999,
                                 epsilon: epsilon ?? 1e-8, amsgrad: amsgrad ?? false, weightDecay: wd ?? 0)
        case .adamw:
            optimizer = try AdamW(learningRate: learningRate ?? 0.001, beta1: beta1 ?? 0.9, beta2: beta2 ?? 0.999,
                                  epsilon: epsilon ?? 1e-8, amsgrad: amsgrad ?? false, weightDecay: wd ?? 0.01)
        }
        if let clipNorm { optimizer = try ClippedOptimizer(optimizer, maxNorm: clipNorm) }
        if let schedule { optimizer = try ScheduledOptimizer(optimizer, schedule: schedule) }
        return optimizer
    }

    /// E.g. `"adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"`: the values in effect,
    /// defaults filled in; options that are off are left out.
    public var summary: String {
        var parts: [String] = []
        func add(_ key: String, _ value: Float) { parts.append("\(key)=\(format(value))") }
        switch kind {
        case .sgd:
            add("lr", learningRate ?? 0.01)
        case .momentum:
            add("lr", learningRate ?? 0.01); add("momentum", momentum ?? 0.9)
            if let d = dampening, d != 0 { add("dampening", d) }
            if nesterov == true { parts.append("nesterov") }
        case .adagrad:
            add("lr", learningRate ?? 0.01); add("eps", epsilon ?? 1e-10)
            if let a = initialAccumulatorValue, a != 0 { add("initial_accumulator", a) }
        case .rmsprop:
            add("lr", learningRate ?? 0.001); add("alpha", alpha ?? 0.99); add("eps", epsilon ?? 1e-8)
            if let m = momentum, m != 0 { add("momentum", m) }
            if centered == true { parts.append("centered") }
        case .adadelta:
            add("lr", learningRate ?? 1.0); add("rho", rho ?? 0.95); add("eps", epsilon ?? 1e-6)
        case .adam, .adamw:
            add("lr", learningRate ?? 0.001); add("beta1", beta1 ?? 0.9); add("beta2", beta2 ?? 0.999)
            add("eps", epsilon ?? 1e-8)
            if amsgrad == true { parts.append("amsgrad") }
        }
        let wd = weightDecay ?? (kind == .adamw ? 0.01 : 0)
        if wd != 0 { add("weight_decay", wd) }
        if let c = clipNorm { add("clip_norm", c) }
        if let s = schedule { parts.append("schedule=\(s)") }
        return "\(kind.rawValue)(\(parts.joined(separator: ", ")))"
    }

    private func format(_ x: Float) -> String {
        // Swift prints the shortest round-tripping form: 0.001, 0.9, 1e-08.
        "\(x)"
    }
}
