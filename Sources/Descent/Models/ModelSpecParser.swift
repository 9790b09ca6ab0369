import Foundation

extension ModelSpec {
    /// Parses the text form (see `ModelSpec`). `inputShape` and `loss` are used when the
    /// text gives none; layer kinds and losses are looked up in `registry`; an error names
    /// the part of the text that is wrong.
    ///
    /// ```
    /// try ModelSpec.parse("linear(100), sigmoid | linear(784), sigmoid", inputShape: [1, 28, 28], loss: .meanSquaredError)
    /// ```
    public static func parse(_ text: String, inputShape: [Int]? = nil, loss: LossKind = .crossEntropy,
                             registry: Registry = .builtIn) throws -> ModelSpec {
        var parser = ModelTextParser(text, registry: registry)
        return try parser.model(inputShape: inputShape, loss: loss)
    }

    /// The parts of the text form, each layer checked (kind, arguments, ranges) but the
    /// whole not yet checked against an input shape: what a command can check of `--model`
    /// before it reads the data that give the shape. `inputShape` and `loss` are nil when
    /// the text gives none; layer kinds and losses are looked up in `registry`.
    public static func parseParts(_ text: String, registry: Registry = .builtIn) throws
        -> (inputShape: [Int]?, layers: [LayerSpec], encoderLayers: Int?, loss: LossKind?) {
        var parser = ModelTextParser(text, registry: registry)
        return try parser.parts()
    }
}

/// Recursive-descent parser of the model text form:
/// ```
/// model := [shape ":"] layer (("," | "|") layer)* (";" setting)*
/// shape := INT ("x" INT)*             setting := "loss" "=" NAME
/// layer := NAME ["(" [arg ("," arg)*] ")"]      arg := [NAME "="] value
///        | BLOCK "(" layer ("," layer)* ")"        (a kind whose argument is layers: residual)
/// value := number | NAME | true | false
/// ```
struct ModelTextParser {
    private let chars: [Character]
    private let text: String
    private let registry: Registry
    private var i = 0

    init(_ text: String, registry: Registry) {
        self.text = text
        self.registry = registry
        chars = Array(text)
    }

    mutating func model(inputShape defaultShape: [Int]?, loss defaultLoss: LossKind) throws -> ModelSpec {
        let p = try parts()
        guard let shape = p.inputShape ?? defaultShape else {
            throw DescentError(.model, "'\(text)' gives no input shape (start it with e.g. '784:' or '1x28x28:')")
        }
        return try ModelSpec(inputShape: shape, layers: p.layers, encoderLayers: p.encoderLayers, loss: p.loss ?? defaultLoss)
    }

    /// The input shape (if given), the layers, the end of the encoder and the loss (if given).
    mutating func parts() throws -> (inputShape: [Int]?, layers: [LayerSpec], encoderLayers: Int?, loss: LossKind?) {
        skipSpace()
        guard i < chars.count else { throw DescentError(.model, "the description is empty: expected a layer name such as linear(10)") }
        let shape = try shapePrefix()
        var layers: [LayerSpec] = []
        var encoderLayers: Int?
        while true {
            layers.append(try layer())
            skipSpace()
            guard let c = peek(), c == "," || c == "|" else { break }
            if c == "|" {
                guard encoderLayers == nil else { throw fail("a second '|' (only one may mark the end of the encoder)") }
                encoderLayers = layers.count
            }
            i += 1
        }
        var loss: LossKind?
        while peek() == ";" {
            i += 1
            skipSpace()
            let key = word()
            skipSpace()
            guard key == "loss" || key.isEmpty else { throw fail("unknown setting '\(key)' (the only setting is loss=…)") }
            guard peek() == "=" else { throw fail("expected 'loss=…'") }
            i += 1
            skipSpace()
            let name = word()
            guard let kind = registry.loss(named: name) else {
                throw DescentError(.model, registry.unknown("loss", name, registry.losses.map(\.rawValue)).message)
            }
            loss = kind
            skipSpace()
        }
        if i < chars.count { throw fail("unexpected '\(chars[i])'") }
        return (shape, layers, encoderLayers, loss)
    }

    /// `784:` or `1x28x28:` at the start, if present.
    private mutating func shapePrefix() throws -> [Int]? {
        guard let colon = chars[i...].firstIndex(of: ":") else { return nil }
        let head = String(chars[i..<colon]).trimmingCharacters(in: .whitespaces)
        guard !head.contains("("), !head.contains(",") else { return nil }
        let parts = head.split(separator: "x", omittingEmptySubsequences: false)
        let sizes = parts.compactMap { Int($0) }
        guard !head.isEmpty, sizes.count == parts.count, sizes.allSatisfy({ $0 > 0 }) else {
            throw DescentError(.model, "'\(head)' is not an input shape like 784 or 1x28x28")
        }
        i = colon + 1
        return sizes
    }

    private mutating func layer() throws -> LayerSpec {
        skipSpace()
        let name = word()
        guard !name.isEmpty else {
            throw fail(peek() == nil ? "a layer is missing at the end" : "expected a layer name")
        }
        guard let kind = registry.layer(named: name) else {
            throw DescentError(.model, registry.unknown("layer", name, registry.layers.map(\.name)).message)
        }
        skipSpace()
        if let argument = kind.arguments.first, argument.type == .layers {
            // A block: its arguments are layers, `residual(conv2d(8, 3), relu, conv2d(8, 3))`.
            guard peek() == "(" else { throw fail("\(name) needs its layers in parentheses (usage: \(kind.usage))") }
            let open = i
            i += 1
            var body: [LayerSpec] = []
            while true {
                body.append(try layer())
                skipSpace()
                if peek() == "," { i += 1; continue }
                guard peek() == ")" else {
                    throw fail(peek() == nil ? "missing ')' to close '\(String(chars[open..<i]))'" : "expected ',' or ')'")
                }
                i += 1
                return try checked(kind, [argument.name: .layers(body)])
            }
        }
        var options: [String: LayerOption] = [:]
        if peek() == "(" {
            let open = i
            i += 1
            var position = 0
            skipSpace()
            if peek() == ")" { i += 1; return try checked(kind, options) }
            while true {
                skipSpace()
                let start = i
                let first = try value()
                skipSpace()
                var argName: String
                var v = first
                if peek() == "=" {
                    guard case .word(let n) = first else { throw fail("an argument name must be a word", at: start) }
                    i += 1
                    skipSpace()
                    argName = n
                    v = try value()
                } else {
                    guard position < kind.arguments.count else {
                        throw DescentError(.model, "\(name) takes \(kind.arguments.count) argument(s), got more (usage: \(kind.usage))")
                    }
                    argName = kind.arguments[position].name
                    position += 1
                }
                guard options[argName] == nil else { throw DescentError(.model, "\(name): \(argName) is given twice") }
                options[argName] = v
                skipSpace()
                if peek() == "," { i += 1; continue }
                if peek() == ")" { i += 1; break }
                throw fail(peek() == nil ? "missing ')' to close '\(String(chars[open..<i]))'" : "expected ',' or ')'")
            }
        }
        return try checked(kind, options)
    }

    private func checked(_ kind: LayerKind, _ options: [String: LayerOption]) throws -> LayerSpec {
        do { return try LayerSpec(kind, options) } catch let e as DescentError { throw DescentError(.model, "\(e.message)") }
    }

    private mutating func value() throws -> LayerOption {
        let start = i
        while let c = peek(), c.isLetter || c.isNumber || c == "." || c == "-" || c == "+" || c == "_" { i += 1 }
        let token = String(chars[start..<i])
        guard !token.isEmpty else { throw fail("expected a value") }
        if token == "true" { return .bool(true) }
        if token == "false" { return .bool(false) }
        if let n = Int(token) { return .int(n) }
        if let d = Double(token), token.first!.isNumber || token.first == "-" || token.first == "." || token.first == "+" {
            return .number(d)
        }
        guard token.first!.isLetter else { throw fail("'\(token)' is not a number or a word", at: start) }
        return .word(token)
    }

    private mutating func word() -> String {
        let start = i
        while let c = peek(), c.isLetter || c.isNumber || c == "-" || c == "_" { i += 1 }
        return String(chars[start..<i])
    }

    private func peek() -> Character? { i < chars.count ? chars[i] : nil }

    private mutating func skipSpace() { while let c = peek(), c.isWhitespace { i += 1 } }

    private func fail(_ what: String, at position: Int? = nil) -> DescentError {
        let p = position ?? i
        let before = String(chars[Swift.max(0, p - 30)..<p]).trimmingCharacters(in: .whitespaces)
        return DescentError(.model, "\(what) " + (before.isEmpty ? "at the start" : "after '\(p > 30 ? "…" : "")\(before)'"))
    }
}
