/// A described network as an ONNX graph (opset `ONNX.opset`), evaluation mode: dropout,
/// masking noise and sparsity are identities.
///
/// ```
/// input   "input"  float32  N × (the model's input shape: N×784, or N×1×28×28 with spatial layers)
///                           pixel / 255, as Descent's batches
/// output  "output" float32  N × (the last layer's shape): a classifier's logits (no softmax),
///                           an autoencoder's reconstruction (logits with loss=bce)
///         "code"   float32  N × (the code's shape), autoencoders only: the encoder's output
/// ```
/// Each layer kind declares its ONNX nodes (`LayerKind.onnx`, in the layer's own file, as a
/// user's registered kind does); weights are initializers under their checkpoint names
/// (`layers.<i>.weight`), a tied decoder reuses its encoder's weight (Gemm without transB).
/// A kind without an ONNX form cannot be exported (and `InteropTests` fails for a built-in
/// kind without one).
public enum ONNXExport {
    /// What one layer's exporter sees: the layer, where it is, the shapes of one example
    /// before and after it.
    public struct LayerSite {
        public let spec: LayerSpec
        public let index: Int
        public let inputShape: [Int]
        public let outputShape: [Int]
        /// The layer's name, `layers.<index>` (`layers.<i>.body.<index>` inside a block):
        /// its parameters are `<name>.weight`, its nodes `<name>[.suffix]`.
        public let name: String

        public init(spec: LayerSpec, index: Int, inputShape: [Int], outputShape: [Int], name: String? = nil) {
            self.spec = spec
            self.index = index
            self.inputShape = inputShape
            self.outputShape = outputShape
            self.name = name ?? "layers.\(index)"
        }
    }

    /// Appends one layer's nodes to `graph`, reading `graph.current` and leaving its output there.
    public typealias Exporter = @Sendable (inout ONNXGraphBuilder, LayerSite) throws -> Void

    /// The ONNX model of `network` (which must have been built from a description, e.g. by
    /// `Checkpoint.makeNetwork`), its weights as they are now.
    public static func model(_ network: Network, name: String) throws -> ONNX.Model {
        guard let spec = network.spec else { throw DescentError("onnx: the network has no model description") }
        let parameters = Dictionary(network.parameters.map { ($0.name, $0.value) } + network.buffers.map { ($0.name, $0.value) },
                                    uniquingKeysWith: { a, _ in a })
        let shapes = try spec.shapesAfterEachLayer()
        var g = ONNXGraphBuilder(model: ONNX.Model(graphName: name, doc: spec.description), parameters: parameters)
        g.model.inputs = [ONNX.ValueInfo(name: "input", shape: [nil] + spec.inputShape.map { $0 },
                                         doc: "pixel / 255, float32, N × \(ModelSpec.shapeText(spec.inputShape))")]
        var code: String?
        for (i, layer) in spec.layers.enumerated() {
            guard let export = layer.layerKind.onnx else { throw DescentError("onnx: layer \(i) (\(layer)) has no ONNX form") }
            try export(&g, LayerSite(spec: layer, index: i, inputShape: i == 0 ? spec.inputShape : shapes[i - 1], outputShape: shapes[i]))
            if spec.encoderLayers == i + 1 { code = g.current }
        }
        let what = spec.classCount != nil ? "class scores (logits; softmax gives probabilities)"
            : spec.loss.takesLogits ? "the reconstruction's logits (its sigmoid is the reconstruction)" : "the reconstruction"
        g.model.nodes.append(ONNX.Node("Identity", name: "output", inputs: [g.current], outputs: ["output"]))
        g.model.outputs = [ONNX.ValueInfo(name: "output", shape: [nil] + shapes.last!.map { $0 }, doc: what)]
        if let code, let k = spec.encoderLayers {
            g.model.nodes.append(ONNX.Node("Identity", name: "code", inputs: [code], outputs: ["code"]))
            g.model.outputs.append(ONNX.ValueInfo(name: "code", shape: [nil] + shapes[k - 1].map { $0 }, doc: "the code (the encoder's output)"))
        }
        return g.model
    }
}

/// The graph being built by `ONNXExport`: nodes in order, the tensor the last one wrote,
/// and the initializers added so far (each weight once, however many nodes read it).
public struct ONNXGraphBuilder {
    public internal(set) var model: ONNX.Model
    /// The tensor the layers so far end in (starts as the graph's input).
    public internal(set) var current = "input"
    let parameters: [String: Tensor]
    var added: Set<String> = []

    init(model: ONNX.Model, parameters: [String: Tensor]) {
        self.model = model
        self.parameters = parameters
    }

    /// Appends `opType(current, inputs…)` as node `layers.<i>[.suffix]`, whose output
    /// (named as the node) becomes `current`.
    public mutating func apply(_ opType: String, _ layer: ONNXExport.LayerSite, suffix: String? = nil, inputs: [String] = [],
                               attributes: [(String, ONNX.Attribute)] = []) {
        let name = layer.name + (suffix.map { "." + $0 } ?? "")
        model.nodes.append(ONNX.Node(opType, name: name, inputs: [current] + inputs, outputs: [name], attributes: attributes))
        current = name
    }

    /// The parameter or buffer called `name` as a graph constant (added the first time).
    public mutating func parameter(_ name: String) throws -> String {
        guard let t = parameters[name] else { throw DescentError("onnx: the network has no parameter '\(name)'") }
        if added.insert(name).inserted { model.initializers.append(.init(name: name, dims: t.shape, values: .floats(t.toArray()))) }
        return name
    }

    /// An int64 vector constant.
    public mutating func constant(_ name: String, ints: [Int]) -> String {
        if added.insert(name).inserted { model.initializers.append(.init(name: name, dims: [ints.count], values: .ints(ints))) }
        return name
    }

    /// A float32 vector constant.
    public mutating func constant(_ name: String, floats: [Float]) -> String {
        if added.insert(name).inserted { model.initializers.append(.init(name: name, dims: [floats.count], values: .floats(floats))) }
        return name
    }
}
