/// A description of a feed-forward network: the shape of one input example, the layers,
/// where the encoder ends (autoencoders) and the loss. It is a value (Codable, Hashable):
/// commands take it as text, checkpoints and results store it as JSON, and `Network`
/// builds the layers from it.
///
/// Text form (`--model`), layers separated by commas, `|` after the encoder's last layer:
/// ```
/// 784: dropout(0.1), linear(784), relu, dropout(0.5), linear(784), relu, dropout(0.5), linear(10); loss=cross-entropy
/// 784: linear(100), sigmoid | linear(784), sigmoid; loss=mse
/// ```
/// The input shape (`784`, or `1x28x28` for layers that need images) and the loss may be
/// left out: commands take the shape from the data and the loss from what they train
/// (`train`, `compare`: cross-entropy; `autoencoder`: mse). `784-784-784-10` is the
/// shorthand of a plain MLP (`ModelSpec.mlp`) and presets have names (`ModelSpec.presets`).
///
/// ```swift
/// let spec = try ModelSpec(inputShape: [784], layers: [.linear(100), .relu, .linear(10)])
/// spec.description     // "784: linear(100), relu, linear(10); loss=cross-entropy"
/// let net = try Network(spec, seed: 0)
/// ```
/// A network with no spatial layer (convolution, pooling) is described with a flat input,
/// since its dense layers flatten whatever they receive: `1x28x28: linear(10)` and
/// `784: linear(10)` are the same model.
public struct ModelSpec: Hashable, Sendable, CustomStringConvertible {
    /// The shape of one input example, e.g. `[784]` or `[1, 28, 28]` (C×H×W).
    public let inputShape: [Int]
    public let layers: [LayerSpec]
    /// For autoencoders: how many layers form the encoder (its output is the code).
    public let encoderLayers: Int?
    public let loss: LossKind

    /// A checked description: every layer's input shape must suit it, a classifier must
    /// end in a vector of class scores and an autoencoder in as many values as its input.
    public init(inputShape: [Int], layers: [LayerSpec], encoderLayers: Int? = nil, loss: LossKind = .crossEntropy) throws {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw DescentError(.model, "the input shape must be positive sizes like 784 or 1x28x28, got \(ModelSpec.shapeText(inputShape))")
        }
        guard inputShape.count <= 3, LayerKind.product(inputShape) <= ModelSpec.largestSize else {
            throw DescentError(.model, "the input shape \(ModelSpec.shapeText(inputShape)) is too large: at most 3 sizes and \(ModelSpec.largestSize) values per example")
        }
        guard !layers.isEmpty else { throw DescentError(.model, "no layers") }
        if let k = encoderLayers, !(k >= 1 && k < layers.count) {
            throw DescentError(.model, "the encoder must have between 1 and \(layers.count - 1) of the \(layers.count) layers, got \(k)")
        }
        let spatial = layers.contains(where: \.isSpatial)
        self.inputShape = spatial ? inputShape : [inputShape.reduce(1, *)]
        self.layers = layers
        self.encoderLayers = encoderLayers
        self.loss = loss
        let shapes = try shapesAfterEachLayer()
        let out = shapes.last!
        switch loss.target {
        case .labels:
            guard out.count == 1 else {
                throw DescentError(.model, "a classifier must end in a vector of class scores, but the last layer gives \(ModelSpec.shapeText(out)) (add flatten and linear(classes))")
            }
        case .input:
            guard out.reduce(1, *) == self.inputShape.reduce(1, *) else {
                throw DescentError(.model, "an autoencoder must end in as many values as its input (\(self.inputShape.reduce(1, *))), but the last layer gives \(ModelSpec.shapeText(out))")
            }
            if loss.takesLogits, let last = layers.last, last.layerKind.activation != nil {
                throw DescentError(.model, "loss=\(loss.rawValue) takes logits (it applies the sigmoid itself), but the last layer is \(last.kind): end with linear(\(self.inputShape.reduce(1, *)))")
            }
        }
    }

    /// The shape of one example after each layer.
    public func shapesAfterEachLayer() throws -> [[Int]] {
        var shape = inputShape
        var shapes: [[Int]] = []
        for (i, layer) in layers.enumerated() {
            do {
                shape = try layer.layerKind.outputShape(layer, shape)
            } catch let e as DescentError {
                throw DescentError(.model, "layer \(i) (\(layer)) on input \(ModelSpec.shapeText(shape)): \(e.message)")
            }
            guard shape.allSatisfy({ $0 > 0 }), LayerKind.product(shape) <= ModelSpec.largestSize else {
                throw DescentError(.model, "layer \(i) (\(layer)) gives \(ModelSpec.shapeText(shape)), more than \(ModelSpec.largestSize) values per example")
            }
            if case .int(let t)? = layer.options["tied"] {
                guard t >= 0, t < i, layers[t].kind == "linear" else {
                    throw DescentError(.model, "layer \(i) (\(layer)) is tied to layer \(t), which is not an earlier linear layer")
                }
            }
            shapes.append(shape)
        }
        return shapes
    }

    /// The shape of the network's output for one example.
    public var outputShape: [Int] { (try? shapesAfterEachLayer().last) ?? [] }

    /// Number of classes of a classifier (nil for an autoencoder).
    public var classCount: Int? { loss.target == .labels ? outputShape.reduce(1, *) : nil }

    /// The code size of an autoencoder (values after the encoder), nil for a classifier.
    public var codeSize: Int? {
        guard let k = encoderLayers, let shapes = try? shapesAfterEachLayer() else { return nil }
        return shapes[k - 1].reduce(1, *)
    }

    /// Whether data whose examples have `shape` fit this model (`ModelSpec.accepts(_:input:)`).
    public func accepts(_ shape: [Int]) -> Bool { ModelSpec.accepts(shape, input: inputShape) }

    /// The input rule, stated once: examples of `shape` fit an input of `input` when the
    /// shapes are equal, or when the input is flat and they hold as many values.
    public static func accepts(_ shape: [Int], input: [Int]) -> Bool {
        shape == input || (input.count == 1 && shape.reduce(1, *) == input[0])
    }

    /// The fusion rule, stated once: the activation that layer `i` runs inside itself —
    /// when its kind `fusesActivation`, layer i + 1 is an activation it can fuse
    /// (`LayerKind.activation`), and the encoder does not end between them; else nil.
    /// `Network` builds by it and `memoryEstimate` counts no buffers for the fused layer.
    public func fusedActivation(after i: Int) -> Activation? {
        guard i + 1 < layers.count, layers[i].layerKind.fusesActivation, encoderLayers != i + 1 else { return nil }
        return layers[i + 1].layerKind.activation
    }

    /// The canonical text form (see the type's documentation).
    public var description: String {
        var text = ModelSpec.shapeText(inputShape) + ": "
        for (i, layer) in layers.enumerated() {
            if i > 0 { text += encoderLayers == i ? " | " : ", " }
            text += layer.description
        }
        return text + "; loss=\(loss.rawValue)"
    }

    /// The largest size anything in a description may have: an argument (units, kernel,
    /// padding, …) and the number of values of one example before or after any layer
    /// (2³¹ − 1). Sizes come from files (checkpoints, records) and the command line; with
    /// every factor below 2³¹, the shape arithmetic of every layer kind (sums, and products
    /// of two sizes) fits in 64 bits, so a description is refused in a sentence before any
    /// arithmetic can overflow. What fits here may still not fit in memory:
    /// `memoryEstimate` decides that.
    public static let largestSize = Int(Int32.max)

    /// `1x28x28`, `784`.
    public static func shapeText(_ shape: [Int]) -> String { shape.map(String.init).joined(separator: "x") }
}

/// The JSON form: `{"input": [784], "layers": […], "encoder_layers": 1, "loss": "mse"}`
/// (`encoder_layers` only for autoencoders). Decoding checks the description as
/// `init(inputShape:layers:encoderLayers:loss:)` does; encoding is the synthesised one.
extension ModelSpec: Codable {
    enum CodingKeys: String, CodingKey {
        case inputShape = "input", layers, encoderLayers = "encoder_layers", loss
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(inputShape: try c.decode([Int].self, forKey: .inputShape),
                          layers: try c.decode([LayerSpec].self, forKey: .layers),
                          encoderLayers: try c.decodeIfPresent(Int.self, forKey: .encoderLayers),
                          loss: try c.decode(LossKind.self, forKey: .loss))
        } catch let e as DescentError {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: e.message))
        }
    }
}
