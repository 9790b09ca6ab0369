/// A feed-forward network: layers applied one after another, built from a `ModelSpec`
/// (or from layers written in Swift), with its parameters named from its structure.
///
/// ```swift
/// let spec = try ModelSpec.parse("linear(100), relu, linear(10)", inputShape: [784])
/// let net = try Network(spec, seed: 0)
/// net.parameters.map(\.name)      // ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
/// let logits = net(batch.inputs)  // evaluation mode; net(x, training: true) in training
/// ```
/// Parameter `layers.i.weight` belongs to layer i of the description, as in a PyTorch
/// `nn.Sequential` held in a `layers` attribute, so checkpoints load into the equivalent
/// torch module by name. An activation right after a `linear` is fused into it (one pass
/// after the product) and a `dropout` after a ReLU `linear` into that pass in training
/// (`Sequential`); the results are those of the separate layers, bit for bit.
///
/// Initial weights come from `RandomGenerator(seed:stream: 1)`, drawn layer after layer;
/// stochastic layers (dropout, masking) start on streams 10, 11, … and are re-seeded per
/// epoch by `beginEpoch` (the training loop does it), so an epoch is fixed by the seed
/// and its number.
public final class Network: Layer {
    /// The description the network was built from (nil for layers written in Swift).
    public let spec: ModelSpec?
    /// The shape of one input example.
    public let inputShape: [Int]
    /// The layers as they run (activations fused into the layer before them are not listed).
    public let layers: [Layer]
    /// For each of `layers`, its index in the description.
    public let layerIndices: [Int]
    /// How many of `layers` form the encoder of an autoencoder (nil for a classifier).
    public let encoderLayerCount: Int?
    private let chain: Sequential

    /// Builds `spec` with weights drawn from `seed`.
    public convenience init(_ spec: ModelSpec, seed: UInt64) throws {
        var weights = RandomGenerator(seed: seed, stream: 1)
        var built: [Layer?] = []
        var parts: [(Int, Layer)] = []
        var shape = spec.inputShape
        var noiseLayers = 0
        var i = 0
        while i < spec.layers.count {
            let layer = spec.layers[i]
            let kind = layer.layerKind
            let fused = spec.fusedActivation(after: i) ?? .identity
            let context = LayerBuildContext(index: i, inputShape: shape, activation: fused, seed: seed,
                                            weights: weights, built: built)
            context.noiseLayersBefore = noiseLayers
            let made = try kind.make(layer, context)
            weights = context.weights
            if made is StochasticLayer { noiseLayers += 1 }
            built.append(made)
            parts.append((i, made))
            shape = try kind.outputShape(layer, shape)
            if fused != .identity {
                built.append(nil)
                shape = try spec.layers[i + 1].layerKind.outputShape(spec.layers[i + 1], shape)
                i += 1
            }
            i += 1
        }
        let encoderCount = spec.encoderLayers.map { k in parts.filter { $0.0 < k }.count }
        self.init(spec: spec, inputShape: spec.inputShape, parts: parts, encoderLayerCount: encoderCount, renaming: true)
    }

    /// A network of layers written in Swift, e.g. `Network(layers: [Linear(784, 10, generator: &g)], inputShape: [784])`.
    /// Parameters are renamed `layers.<position>.<name>` (a `Linear`'s `weight` and `bias`).
    public convenience init(layers: [Layer], inputShape: [Int], encoderLayerCount: Int? = nil) throws {
        guard !layers.isEmpty else { throw DescentError("network: no layers") }
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw DescentError("network: the input shape must be positive sizes, got \(inputShape)")
        }
        if let k = encoderLayerCount, !(k >= 1 && k < layers.count) {
            throw DescentError("network: the encoder must have between 1 and \(layers.count - 1) layers, got \(k)")
        }
        self.init(spec: nil, inputShape: inputShape, parts: Array(layers.enumerated()), encoderLayerCount: encoderLayerCount,
                  renaming: true)
    }

    /// Layers shared with another network (a level of a stacked autoencoder); names are kept.
    convenience init(sharing parts: [(Int, Layer)], inputShape: [Int], encoderLayerCount: Int?) {
        self.init(spec: nil, inputShape: inputShape, parts: parts, encoderLayerCount: encoderLayerCount, renaming: false)
    }

    private init(spec: ModelSpec?, inputShape: [Int], parts: [(Int, Layer)], encoderLayerCount: Int?, renaming: Bool) {
        self.spec = spec
        self.inputShape = inputShape
        self.layers = parts.map(\.1)
        self.layerIndices = parts.map(\.0)
        self.encoderLayerCount = encoderLayerCount
        self.chain = Sequential(layers)
        if renaming {
            // Names already under the layer's own prefix are kept (a block's `layers.3.body.0.weight`).
            for (index, layer) in parts {
                let prefix = "layers.\(index)."
                for p in layer.parameters where !p.name.hasPrefix(prefix) {
                    let local = p.name.split(separator: ".").last.map(String.init) ?? p.name
                    p.name = prefix + local
                }
                for b in layer.buffers where !b.name.hasPrefix(prefix) {
                    let local = b.name.split(separator: ".").last.map(String.init) ?? b.name
                    b.name = prefix + local
                }
            }
        }
        parameters = chain.parameters
        buffers = layers.flatMap(\.buffers)
        stochasticLayers = layers.compactMap { $0 as? StochasticLayer }
        penaltyLayers = layers.compactMap { $0 as? PenaltyLayer }
    }

    /// Every trainable parameter, in layer order (a tied weight once, with its encoder).
    public let parameters: [Parameter]
    /// Every buffer (state that is not trained, e.g. running statistics), in layer order.
    public let buffers: [Buffer]
    private let stochasticLayers: [StochasticLayer]
    private let penaltyLayers: [PenaltyLayer]

    /// Whether data whose examples have `shape` fit the network (the same shape, or as
    /// many values when the input is flat).
    public func accepts(_ shape: [Int]) -> Bool { ModelSpec.accepts(shape, input: inputShape) }

    /// Throws a one-line error when examples of `data` do not fit the input.
    public func checkInput(_ data: DataSource) throws {
        guard accepts(data.sampleShape) else {
            throw DescentError("the model expects inputs of \(ModelSpec.shapeText(inputShape)) values, the data have \(ModelSpec.shapeText(data.sampleShape))")
        }
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor { chain.forward(x, training: training) }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        chain.backward(gradOutput, needsInputGradient: needsInputGradient)
    }

    /// The sum of the penalties the last backward pass added (sparsity layers), else 0.
    public var penalty: Double { penaltyLayers.reduce(0) { $0 + $1.penalty } }

    /// Re-seeds every stochastic layer for an epoch: layer k (dropout, masking, in order)
    /// gets `RandomGenerator(seed:stream: stream + 7919·k)`.
    public func beginEpoch(seed: UInt64, stream: UInt64) {
        for (k, layer) in stochasticLayers.enumerated() {
            layer.generator = RandomGenerator(seed: seed, stream: stream &+ UInt64(k) &* 7919)
        }
    }

    /// The code of `x` (evaluation mode): the output of the encoder's last layer, or of
    /// the first `layers` layers when given (0…`layers.count`; a batch-level call, so other
    /// values trap — `encodeAll` checks them and throws). Valid until the next forward.
    public func encode(_ x: Tensor, layers count: Int? = nil) -> Tensor {
        var h = x
        for layer in layers.prefix(count ?? encoderLayerCount ?? layers.count) { h = layer.forward(h, training: false) }
        return h
    }
}

extension Network {
    /// Values per example of the output, from the last layer that fixes it (`Layer.outputWidth`).
    var outputCount: Int? { layers.reversed().lazy.compactMap(\.outputWidth).first }
}
