/// A hyper-parameter of an optimizer: its names and what it is. Descent's own are the
/// static members (`.learningRate`, `.beta1`, …), one per stored field of `OptimizerConfig`
/// (besides `clipNorm` and `schedule`, which wrap any rule); a rule written elsewhere may
/// use those or declare its own, which a `Registry` learns when the rule is registered
/// (`OptimizerConfig` keeps its value under its `rawValue`, and the command line gives it
/// the flag `flag`).
///
/// Each knows its names: the Swift property and JSON key (`rawValue`, used in "does not
/// apply" messages), the name in summaries (`lr`, `eps`, `weight_decay`, …), the name in
/// range messages (`lr`, `eps`, else the property) and the command-line flag. Two
/// hyper-parameters are equal when their `rawValue`s are.
public struct HyperParameter: Hashable, Sendable, CustomStringConvertible {
    /// The JSON key and Swift name, e.g. `"weightDecay"`.
    public let rawValue: String
    /// The name in `OptimizerConfig.summary`, e.g. `lr` in `"sgd(lr=0.01)"`.
    public let summaryName: String
    /// The name in range messages, e.g. `"adam: eps must be > 0, got 0.0"`.
    public let messageName: String
    /// The command-line flag that sets it (nil: settable from Swift and JSON only).
    public let flag: String?
    /// What it is, for the CLI's help (which adds the rules that use it).
    public let help: String
    /// An on/off option (`--nesterov`, `--centered`, `--amsgrad`) rather than a number.
    public let isFlag: Bool

    /// A hyper-parameter; `summaryName` and `messageName` default to `name`, the flag to
    /// `--name` (pass `flag: nil` for none).
    public init(_ name: String, summaryName: String? = nil, messageName: String? = nil, flag: String?? = .none,
                help: String, isFlag: Bool = false) {
        self.rawValue = name
        self.summaryName = summaryName ?? name
        self.messageName = messageName ?? name
        self.flag = flag ?? "--" + name
        self.help = help
        self.isFlag = isFlag
    }

    public var description: String { rawValue }

    public static func == (a: HyperParameter, b: HyperParameter) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    public static let learningRate = HyperParameter("learningRate", summaryName: "lr", messageName: "lr", flag: "--lr", help: "Learning rate")
    public static let momentum = HyperParameter("momentum", help: "Momentum")
    public static let nesterov = HyperParameter("nesterov", help: "Nesterov momentum", isFlag: true)
    public static let dampening = HyperParameter("dampening", flag: .some(nil), help: "Momentum dampening τ")
    public static let alpha = HyperParameter("alpha", help: "Smoothing constant α")
    public static let centered = HyperParameter("centered", help: "Centered variant", isFlag: true)
    public static let rho = HyperParameter("rho", help: "Decay ρ")
    public static let beta1 = HyperParameter("beta1", help: "β1")
    public static let beta2 = HyperParameter("beta2", help: "β2")
    public static let epsilon = HyperParameter("epsilon", summaryName: "eps", messageName: "eps", flag: "--eps",
                                               help: "ε added for numerical stability")
    public static let amsgrad = HyperParameter("amsgrad", help: "AMSGrad variant", isFlag: true)
    public static let initialAccumulatorValue = HyperParameter("initialAccumulatorValue", summaryName: "initial_accumulator",
                                                               flag: .some(nil), help: "Initial accumulator value")
    public static let weightDecay = HyperParameter("weightDecay", summaryName: "weight_decay", flag: "--weight-decay",
                                                   help: "Weight decay (L2 added to the gradient; decoupled for adamw, nadamw, lion)")

    /// Descent's own hyper-parameters, each a stored field of `OptimizerConfig`, in the
    /// order of its fields.
    public static let builtIn: [HyperParameter] = [
        .learningRate, .momentum, .nesterov, .dampening, .alpha, .centered, .rho, .beta1, .beta2, .epsilon, .amsgrad,
        .initialAccumulatorValue, .weightDecay,
    ]
}

/// Everything Descent needs to know about one optimizer rule, as data: its names, its
/// hyper-parameters (defaults, valid ranges, how they print), how to build it, and how much
/// memory one step moves. `OptimizerConfig` (make, summary, which options apply), the CLI's
/// help, `descent-bench`'s memory floors and the tests all read it.
///
/// Each rule declares its descriptor next to its update, in its own file:
/// ```
/// extension SGD {
///     public static let rule = OptimizerRule(
///         name: "sgd", displayName: "SGD",
///         options: [.learningRate(0.01), .weightDecay(0)],
///         traffic: .init(reads: 2, writes: 1)) { v in
///             try SGD(learningRate: v[.learningRate], weightDecay: v[.weightDecay])
///         }
/// }
/// let sgd = try SGD.rule.make([.learningRate: 0.1])   // unset values take the defaults
/// ```
/// A rule reaches configurations, records, checkpoints and the command line by being
/// registered (`Registry.register(_:)`): Descent's own in `Registry.builtIn`, a user's in
/// theirs (see `StatefulOptimizer` for writing the update).
public struct OptimizerRule: Sendable {
    /// How a hyper-parameter appears in `OptimizerConfig.summary`.
    public enum SummaryStyle: Sendable {
        /// `key=value` always (defaults filled in).
        case always
        /// `key=value` unless the value in effect is 0 (e.g. RMSprop's momentum).
        case unlessZero
        /// The bare name when on, nothing when off (flags).
        case whenOn
    }

    /// The values a hyper-parameter accepts; messages read `"adam: beta1 must be in [0, 1), got 1.5"`.
    public enum ValueRange: Sendable {
        /// Finite and ≥ 0.
        case nonNegative
        /// Finite and > 0.
        case positive
        /// In [0, 1).
        case unitInterval
        /// Any value (flags).
        case any

        func check(_ value: Float, _ parameter: HyperParameter, _ optimizer: String) throws {
            switch self {
            case .nonNegative: try Check.nonNegative(value, parameter.messageName, optimizer, about: .hyperParameter(parameter))
            case .positive: try Check.positive(value, parameter.messageName, optimizer, about: .hyperParameter(parameter))
            case .unitInterval: try Check.unitInterval(value, parameter.messageName, optimizer, about: .hyperParameter(parameter))
            case .any: break
            }
        }
    }

    /// One hyper-parameter of a rule.
    public struct Option: Sendable {
        public let parameter: HyperParameter
        /// The value when unset (flags: 0 off, 1 on).
        public let defaultValue: Float
        public let range: ValueRange
        public let summary: SummaryStyle

        public init(_ parameter: HyperParameter, default defaultValue: Float, in range: ValueRange,
                    summary: SummaryStyle = .always) {
            self.parameter = parameter
            self.defaultValue = defaultValue
            self.range = range
            self.summary = summary
        }

        /// A number, e.g. `.number(.beta1, default: 0.9, in: .unitInterval)`.
        public static func number(_ parameter: HyperParameter, default value: Float, in range: ValueRange,
                                  summary: SummaryStyle = .always) -> Option {
            Option(parameter, default: value, in: range, summary: summary)
        }
        /// An on/off option, off by default, e.g. `.flag(.amsgrad)`.
        public static func flag(_ parameter: HyperParameter) -> Option {
            Option(parameter, default: 0, in: .any, summary: .whenOn)
        }
        /// The learning rate: finite, ≥ 0, always printed.
        public static func learningRate(_ value: Float) -> Option { .number(.learningRate, default: value, in: .nonNegative) }
        /// The weight decay: finite, ≥ 0, printed unless 0.
        public static func weightDecay(_ value: Float) -> Option {
            .number(.weightDecay, default: value, in: .nonNegative, summary: .unlessZero)
        }

        /// The `descent` flag that sets it, if any.
        public var flag: String? { parameter.flag }
    }

    /// Arrays of `count` floats read and written by one step per parameter element, at the
    /// rule's defaults: parameter, gradient and state (e.g. Adam reads θ, g, m, v and writes
    /// θ, m, v: 4 and 3). `descent-bench` times a bare pass with this traffic as the floor.
    public struct Traffic: Equatable, Sendable {
        public let reads: Int
        public let writes: Int
        public init(reads: Int, writes: Int) {
            self.reads = reads
            self.writes = writes
        }
    }

    /// A rule's hyper-parameters with every default filled in (what a factory receives).
    public struct Values: Sendable {
        var values: [HyperParameter: Float]

        /// The number for `parameter` (its default when unset). A factory that asks for a
        /// hyper-parameter its rule does not declare has a bug: that traps.
        public subscript(_ parameter: HyperParameter) -> Float {
            guard let v = values[parameter] else { preconditionFailure("\(parameter) is not an option of this rule") }
            return v
        }
        /// Whether flag `parameter` is on.
        public func isOn(_ parameter: HyperParameter) -> Bool { self[parameter] != 0 }
    }

    /// Lower-case name: `--optimizer` value, `OptimizerKind.rawValue`, `Optimizer.name`, e.g. `"adam"`.
    public let name: String
    /// The name in reports, e.g. `"MomentumSGD"`.
    public let displayName: String
    /// The hyper-parameters, in the order of the summary and of the checks.
    public let options: [Option]
    public let traffic: Traffic
    /// Builds the optimizer from complete values (the initialiser checks the ranges).
    public let factory: @Sendable (Values) throws -> Optimizer

    public init(name: String, displayName: String, options: [Option], traffic: Traffic,
                factory: @escaping @Sendable (Values) throws -> Optimizer) {
        self.name = name
        self.displayName = displayName
        self.options = options
        self.traffic = traffic
        self.factory = factory
    }

    /// Whether `parameter` is one of this rule's hyper-parameters.
    public func uses(_ parameter: HyperParameter) -> Bool { options.contains { $0.parameter == parameter } }

    /// The values in effect: `given` where set, the defaults elsewhere.
    public func resolve(_ given: [HyperParameter: Float]) -> Values {
        var v: [HyperParameter: Float] = [:]
        for o in options { v[o.parameter] = given[o.parameter] ?? o.defaultValue }
        return Values(values: v)
    }

    /// Builds the optimizer from the values set (flags as 1/0); throws `DescentError` for a
    /// hyper-parameter this rule does not use, or a value out of range.
    public func make(_ given: [HyperParameter: Float] = [:]) throws -> Optimizer {
        let order = HyperParameter.builtIn
        let unused = given.keys.filter { !uses($0) }.sorted { a, b in
            (order.firstIndex(of: a) ?? .max, a.rawValue) < (order.firstIndex(of: b) ?? .max, b.rawValue)
        }
        if let p = unused.first {
            throw DescentError(.hyperParameter(p), "\(name): \(p.rawValue) does not apply to \(displayName)")
        }
        return try factory(resolve(given))
    }

    /// Checks `values` against the ranges, in the order of `options` (the initialisers call
    /// it through `StatefulOptimizer.init(rule:…)`, so a rule built from Swift is checked
    /// like one built from a config).
    public func validate(_ values: [HyperParameter: Float]) throws {
        for o in options {
            if let v = values[o.parameter] { try o.range.check(v, o.parameter, name) }
        }
    }

    /// The `key=value` parts of a summary, e.g. `["lr=0.001", "beta1=0.9", …]`.
    public func summaryParts(_ values: Values) -> [String] {
        options.compactMap { o in
            let v = values[o.parameter]
            switch o.summary {
            case .always: return "\(o.parameter.summaryName)=\(v)"
            case .unlessZero: return v != 0 ? "\(o.parameter.summaryName)=\(v)" : nil
            case .whenOn: return v != 0 ? o.parameter.summaryName : nil
            }
        }
    }
}
