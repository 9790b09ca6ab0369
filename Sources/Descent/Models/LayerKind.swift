/// What a kind of layer is, for model descriptions: its name, arguments, how it changes
/// the shape of what flows through it, and how it is built. Each layer file declares its
/// own (`Linear.kind`, `Dropout.kind`, …) and a `Registry` holds those a program knows: a
/// layer reaches the text form, the JSON form, checkpoints and `--help` by being registered
/// (`Registry.builtIn` for Descent's own, `registry.register(Swish.kind)` for a user's).
///
/// ```
/// extension Swish {
///     public static let kind = LayerKind(name: "swish", summary: "x · sigmoid(x)") { _, _ in Swish() }
/// }
/// ```
public struct LayerKind: Sendable {
    /// The name in the text form, e.g. `"linear"`.
    public let name: String
    /// One line for `--help`, e.g. `"fully connected: y = x Wᵀ + b (flattens its input)"`.
    public let summary: String
    /// Arguments, in positional order (required ones first).
    public let arguments: [LayerArgument]
    /// Whether it needs a C×H×W input (convolutions, pooling). A model with no such layer
    /// has a flat input whatever the images' shape, since dense layers flatten.
    public let isSpatial: Bool
    /// Whether an activation layer right after it is fused into it (`linear` then `relu`
    /// runs as one `Linear` with a fused activation; the names stay those of the description).
    /// The rule is `ModelSpec.fusedActivation(after:)`.
    public let fusesActivation: Bool
    /// The activation this kind applies element-wise, when it is one a layer that
    /// `fusesActivation` can run inside itself (`relu`, `sigmoid`, `tanh`); nil for others.
    public let activation: Activation?
    /// The shape of one example after the layer, given the shape before it.
    public let outputShape: @Sendable (LayerSpec, [Int]) throws -> [Int]
    /// How many trainable values the layer holds, given the shape of one example before it
    /// (`ModelSpec.memoryEstimate` adds them up before anything is allocated); sizes may be
    /// absurd, so use `LayerKind.product` and `LayerKind.sum`, which saturate at `Int.max`.
    public let parameterCount: @Sendable (LayerSpec, [Int]) -> Int
    /// Its ONNX form (`descent export`): appends the layer's nodes in evaluation mode, e.g.
    /// `{ g, layer in g.apply("Relu", layer) }`; nil: a model holding it cannot be exported.
    public let onnx: ONNXExport.Exporter?
    /// Builds the layer.
    public let make: @Sendable (LayerSpec, LayerBuildContext) throws -> Layer

    public init(name: String, summary: String, arguments: [LayerArgument] = [], isSpatial: Bool = false,
                fusesActivation: Bool = false, activation: Activation? = nil,
                outputShape: @escaping @Sendable (LayerSpec, [Int]) throws -> [Int] = { _, shape in shape },
                parameterCount: @escaping @Sendable (LayerSpec, [Int]) -> Int = { _, _ in 0 },
                onnx: ONNXExport.Exporter? = nil,
                make: @escaping @Sendable (LayerSpec, LayerBuildContext) throws -> Layer) {
        self.name = name
        self.summary = summary
        self.arguments = arguments
        self.isSpatial = isSpatial
        self.fusesActivation = fusesActivation
        self.activation = activation
        self.outputShape = outputShape
        self.parameterCount = parameterCount
        self.onnx = onnx
        self.make = make
    }

    /// The product of `factors`, or `Int.max` if it overflows.
    public static func product(_ factors: Int...) -> Int { product(factors) }
    public static func product(_ factors: [Int]) -> Int {
        factors.reduce(1) { a, b in let (p, o) = a.multipliedReportingOverflow(by: b); return o ? .max : p }
    }

    /// The sum of `terms`, or `Int.max` if it overflows.
    public static func sum(_ terms: Int...) -> Int {
        terms.reduce(0) { a, b in let (s, o) = a.addingReportingOverflow(b); return o ? .max : s }
    }

    /// The usage line, e.g. `linear(units, bias=true, tied=none)`.
    public var usage: String {
        guard !arguments.isEmpty else { return name }
        if arguments.first?.type == .layers { return "\(name)(layer, layer, …)" }
        return "\(name)(" + arguments.map { a in
            a.isRequired ? a.name : "\(a.name)=\(a.defaultValue.map { "\($0)" } ?? a.absentMeaning ?? "none")"
        }.joined(separator: ", ") + ")"
    }

    /// Checks `options` against the arguments and drops those equal to their default.
    func normalize(_ options: [String: LayerOption]) throws -> [String: LayerOption] {
        if let unknown = options.keys.sorted().first(where: { k in !arguments.contains { $0.name == k } }) {
            let known = arguments.isEmpty ? "it takes no arguments" : "its arguments are \(arguments.map(\.name).joined(separator: ", "))"
            throw DescentError("\(name): unknown argument '\(unknown)'; \(known)")
        }
        var out: [String: LayerOption] = [:]
        for a in arguments {
            guard let given = options[a.name] else {
                if a.isRequired { throw DescentError("\(name): missing \(a.name) (usage: \(usage))") }
                continue
            }
            let value = try a.check(given, layer: name)
            if value != a.defaultValue { out[a.name] = value }
        }
        return out
    }
}

/// An argument of a layer kind: its name, type, default (nil: required) and range.
public struct LayerArgument: Sendable {
    /// What an argument accepts: a whole number, a number, true/false, or words.
    public enum ValueType: Sendable, Equatable {
        case int, number, bool
        /// One of these words.
        case word([String])
        /// A whole number or one of these words (e.g. a padding of 2, or `same`).
        case intOrWord([String])
        /// Layers, written as the kind's arguments (`residual(conv2d(8, 3), relu)`): an
        /// argument of this type is a kind's only one.
        case layers
    }

    public let name: String
    public let type: ValueType
    public let defaultValue: LayerOption?
    /// Whether the argument may be absent with no default (absent means "none", e.g. `tied`).
    public let isOptional: Bool
    /// What an absent optional argument means, for the usage line (e.g. `kernel` for a
    /// pooling stride); nil: "none".
    public let absentMeaning: String?
    /// Returns a message (e.g. "must be positive") when a value of the right type is out of range.
    public let validate: @Sendable (LayerOption) -> String?

    public init(_ name: String, _ type: ValueType, default defaultValue: LayerOption? = nil, optional: Bool = false,
                absentMeaning: String? = nil, validate: @escaping @Sendable (LayerOption) -> String? = { _ in nil }) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.isOptional = optional
        self.absentMeaning = absentMeaning
        self.validate = validate
    }

    /// Whether the text form must give the argument.
    public var isRequired: Bool { defaultValue == nil && !isOptional }

    /// A positive whole number; with `absentMeaning`, one that may be left out (e.g. a
    /// pooling stride, which is then the kernel size).
    public static func positiveInt(_ name: String, default d: Int? = nil, absentMeaning: String? = nil) -> LayerArgument {
        LayerArgument(name, .int, default: d.map { .int($0) }, optional: absentMeaning != nil, absentMeaning: absentMeaning) { v in
            (v.intValue ?? 0) > 0 ? nil : "must be a positive whole number"
        }
    }

    /// A probability in [0, 1).
    public static func probability(_ name: String, default d: Double? = nil) -> LayerArgument {
        LayerArgument(name, .number, default: d.map { .number($0) }) { v in
            let p = v.numberValue ?? -1
            return p >= 0 && p < 1 ? nil : "must be in [0, 1)"
        }
    }

    /// Converts `value` to this argument's type and checks its range.
    func check(_ value: LayerOption, layer: String) throws -> LayerOption {
        let converted: LayerOption?
        switch (type, value) {
        case (.int, .int), (.intOrWord, .int): converted = value
        case (.int, .number(let d)) where d == d.rounded() && abs(d) < 1e15: converted = .int(Int(d))
        case (.intOrWord, .number(let d)) where d == d.rounded() && abs(d) < 1e15: converted = .int(Int(d))
        case (.intOrWord(let choices), .word(let w)) where choices.contains(w): converted = value
        case (.number, .number), (.bool, .bool): converted = value
        case (.layers, .layers(let l)) where !l.isEmpty: converted = value
        case (.number, .int(let i)): converted = .number(Double(i))
        case (.word(let choices), .word(let w)) where choices.isEmpty || choices.contains(w): converted = value
        default: converted = nil
        }
        guard let v = converted else {
            let expected: String
            switch type {
            case .int: expected = "a whole number"
            case .number: expected = "a number"
            case .bool: expected = "true or false"
            case .word(let choices): expected = "one of \(choices.joined(separator: ", "))"
            case .intOrWord(let choices): expected = "a whole number or \(choices.joined(separator: ", "))"
            case .layers: expected = "one or more layers"
            }
            throw DescentError("\(layer): \(name) must be \(expected), got '\(value)'")
        }
        if case .number(let d) = v, !d.isFinite { throw DescentError("\(layer): \(name) must be finite, got \(d)") }
        if case .int(let i) = v, i > ModelSpec.largestSize || i < -ModelSpec.largestSize {
            throw DescentError("\(layer): \(name) must be at most \(ModelSpec.largestSize) in size, got \(i)")
        }
        if let problem = validate(v) { throw DescentError("\(layer): \(name) \(problem), got \(v)") }
        return v
    }
}

/// What a layer kind's `make` gets: where the layer sits and the random streams.
public final class LayerBuildContext {
    /// Position of the layer in the description; parameters are named `layers.<index>.<name>`.
    public let index: Int
    /// Shape of one example before the layer.
    public let inputShape: [Int]
    /// The activation fused into this layer (`fusesActivation` kinds), else `.identity`.
    public let activation: Activation
    /// The model's seed (dropout layers take their initial stream from it).
    public let seed: UInt64
    /// The stream every initial weight is drawn from, layer after layer (stream 1 of the seed).
    public var weights: RandomGenerator
    /// The layers built so far, by description index (nil where an activation was fused).
    public internal(set) var built: [Layer?]
    /// How many dropout-like layers come before this one (each draws from its own stream).
    public internal(set) var noiseLayersBefore = 0

    /// What parameter names start with: `layers.` for the network's own layers,
    /// `layers.<i>.body.` inside a block.
    public let namePrefix: String

    init(index: Int, inputShape: [Int], activation: Activation, seed: UInt64, weights: RandomGenerator, built: [Layer?],
         namePrefix: String = "layers.") {
        self.index = index
        self.namePrefix = namePrefix
        self.inputShape = inputShape
        self.activation = activation
        self.seed = seed
        self.weights = weights
        self.built = built
    }

    /// The parameter-name prefix of this layer, `layers.<index>` (`layers.<i>.body.<index>` in a block).
    public var name: String { "\(namePrefix)\(index)" }

    /// Values per example before the layer.
    public var inputCount: Int { inputShape.reduce(1, *) }
}
