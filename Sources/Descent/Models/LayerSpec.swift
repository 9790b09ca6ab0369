/// One layer of a model description: a kind and its options, e.g. `linear(784)` or
/// `dropout(0.5)`.
///
/// ```
/// let layer: LayerSpec = .linear(120)          // text form "linear(120)"
/// let same = try LayerSpec.parse("linear(120)")
/// ```
/// Options equal to their default are not stored, so two descriptions of the same layer
/// are equal, print the same text and encode to the same JSON (`{"kind":"linear","units":120}`).
/// Each kind, its arguments, their checks and how it is built are in its `LayerKind`,
/// declared in the layer's own file; a spec carries its kind, so it is looked up by name
/// only once, in a `Registry`, when text or JSON is read. Two specs are equal when their
/// kinds' names and their options are.
public struct LayerSpec: Hashable, Sendable, CustomStringConvertible {
    /// The kind's name, e.g. `"linear"`.
    public let kind: String
    /// Options that differ from their defaults, by argument name.
    public let options: [String: LayerOption]
    /// The description of this layer's kind.
    public let layerKind: LayerKind

    /// A checked layer description of `kind`: every required argument present, every value
    /// of its type and range.
    public init(_ kind: LayerKind, _ options: [String: LayerOption] = [:]) throws {
        self.kind = kind.name
        self.layerKind = kind
        self.options = try kind.normalize(options)
    }

    /// A checked layer description of the kind called `kind` in `registry`.
    public init(_ kind: String, _ options: [String: LayerOption] = [:], registry: Registry = .builtIn) throws {
        guard let k = registry.layer(named: kind) else { throw registry.unknown("layer", kind, registry.layers.map(\.name)) }
        try self.init(k, options)
    }

    /// For the static constructors of each layer kind, whose arguments are valid by type.
    init(valid kind: LayerKind, _ options: [String: LayerOption] = [:]) {
        do { try self.init(kind, options) } catch { preconditionFailure("\(error)") }
    }

    public static func == (a: LayerSpec, b: LayerSpec) -> Bool { a.kind == b.kind && a.options == b.options }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(kind)
        hasher.combine(options)
    }

    /// The value of an argument (given or default).
    public subscript(_ argument: String) -> LayerOption? {
        options[argument] ?? layerKind.arguments.first { $0.name == argument }?.defaultValue
    }

    /// Whether it needs a C×H×W input: its kind does, or a layer inside it (a block's).
    public var isSpatial: Bool {
        layerKind.isSpatial || options.values.contains { $0.layersValue?.contains(where: \.isSpatial) == true }
    }

    public func int(_ argument: String) -> Int? { self[argument]?.intValue }
    public func number(_ argument: String) -> Double? { self[argument]?.numberValue }
    public func word(_ argument: String) -> String? { self[argument]?.wordValue }
    public func flag(_ argument: String) -> Bool? { self[argument]?.boolValue }

    /// The canonical text form: `kind`, or `kind(required…, name=value…)` with only the
    /// options that differ from their defaults.
    public var description: String {
        let k = layerKind
        var parts: [String] = []
        for a in k.arguments {
            guard let v = options[a.name] else { continue }
            parts.append(a.isRequired ? v.description : "\(a.name)=\(v)")
        }
        return parts.isEmpty ? kind : "\(kind)(\(parts.joined(separator: ", ")))"
    }
}

/// The value of a layer option.
public enum LayerOption: Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case number(Double)
    case word(String)
    case bool(Bool)
    /// Layers, e.g. the body of a `residual` block.
    case layers([LayerSpec])

    public var intValue: Int? { if case .int(let v) = self { v } else { nil } }
    public var numberValue: Double? {
        switch self { case .number(let v): v; case .int(let v): Double(v); default: nil }
    }
    public var wordValue: String? { if case .word(let v) = self { v } else { nil } }
    public var boolValue: Bool? { if case .bool(let v) = self { v } else { nil } }
    public var layersValue: [LayerSpec]? { if case .layers(let v) = self { v } else { nil } }

    public var description: String {
        switch self {
        case .int(let v): "\(v)"
        case .number(let v): "\(v)"
        case .word(let v): v
        case .bool(let v): v ? "true" : "false"
        case .layers(let v): v.map(\.description).joined(separator: ", ")
        }
    }
}

extension LayerOption: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .word(s) }
        else { self = .layers(try c.decode([LayerSpec].self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .number(let v): try c.encode(v)
        case .word(let v): try c.encode(v)
        case .bool(let v): try c.encode(v)
        case .layers(let v): try c.encode(v)
        }
    }
}

/// JSON: `{"kind": "linear", "units": 784}` (the options beside the kind).
extension LayerSpec: Codable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let kind = try c.decode(String.self, forKey: Key(stringValue: "kind"))
        var options: [String: LayerOption] = [:]
        for key in c.allKeys where key.stringValue != "kind" {
            options[key.stringValue] = try c.decode(LayerOption.self, forKey: key)
        }
        do { try self.init(kind, options, registry: decoder.registry) } catch let e as DescentError {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: e.message))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(kind, forKey: Key(stringValue: "kind"))
        for (k, v) in options { try c.encode(v, forKey: Key(stringValue: k)) }
    }
}
