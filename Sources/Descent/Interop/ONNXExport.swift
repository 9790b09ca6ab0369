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
/// Each layer kind maps to ONNX nodes in one place, `ONNXExport.layers[kind]`; weights are
/// initializers under their checkpoint names (`layers.<i>.weight`), a tied decoder reuses its
/// encoder's weight (Gemm without transB). A kind with no entry cannot be exported (and
/// `InteropTests` fails until it has one).
public enum ONNXExport {
    /// What one layer's exporter sees: the layer, where it is, the shapes of one example
    /// before and after it.
    public struct LayerSite {
        public let spec: LayerSpec
        public let index: Int
        public let inputShape: [Int]
        public let outputShape: [Int]
    }

    /// Appends one layer's nodes to `graph`, reading `graph.current` and leaving its output there.
    public typealias Exporter = @Sendable (inout ONNXGraphBuilder, LayerSite) throws -> Void

    /// The ONNX form of every layer kind, by name.
    public static let layers: [String: Exporter] = [
        // y = x Wᵀ + b: Gemm(x, W, b, transB=1) after a Flatten when the input is not flat;
        // tied to layer t: y = x W_t + b, Gemm(x, W_t, b) with W_t the encoder's own initializer.
        "linear": { g, layer in
            if layer.inputShape.count > 1 { g.apply("Flatten", layer, suffix: "flatten", attributes: [("axis", .int(1))]) }
            let bias = try g.parameter("layers.\(layer.index).bias")
            if let t = layer.spec.int("tied") {
                g.apply("Gemm", layer, inputs: [try g.parameter("layers.\(t).weight"), bias])
            } else {
                g.apply("Gemm", layer, inputs: [try g.parameter("layers.\(layer.index).weight"), bias], attributes: [("transB", .int(1))])
            }
        },
        "relu": { g, layer in g.apply("Relu", layer) },
        "sigmoid": { g, layer in g.apply("Sigmoid", layer) },
        "tanh": { g, layer in g.apply("Tanh", layer) },
        "dropout": { g, layer in g.apply("Identity", layer) },
        "masking": { g, layer in g.apply("Identity", layer) },
        "sparsity": { g, layer in g.apply("Identity", layer) },
        "flatten": { g, layer in g.apply("Flatten", layer, attributes: [("axis", .int(1))]) },
        // pads are [top, left, bottom, right] (ONNX: all begins, then all ends).
        "conv2d": { g, layer in
            let s = layer.spec
            let geometry = try ConvGeometry(inputShape: layer.inputShape, kernel: s.int("kernel")!, stride: s.int("stride")!,
                                            padding: ConvPadding(s["padding"]!))
            var inputs = [try g.parameter("layers.\(layer.index).weight")]
            if s.flag("bias")! { inputs.append(try g.parameter("layers.\(layer.index).bias")) }
            g.apply("Conv", layer, inputs: inputs, attributes: [
                ("kernel_shape", .ints([geometry.kernel, geometry.kernel])), ("strides", .ints([geometry.stride, geometry.stride])),
                ("pads", .ints([geometry.padTop, geometry.padLeft, geometry.padBottom, geometry.padRight])),
            ])
        },
        // H_out = (H − 1)·stride − 2·padding + k + output_padding, as torch's ConvTranspose2d.
        "convtranspose2d": { g, layer in
            let s = layer.spec
            let (k, stride, p, op) = (s.int("kernel")!, s.int("stride")!, s.int("padding")!, s.int("output_padding")!)
            var inputs = [try g.parameter("layers.\(layer.index).weight")]
            if s.flag("bias")! { inputs.append(try g.parameter("layers.\(layer.index).bias")) }
            g.apply("ConvTranspose", layer, inputs: inputs, attributes: [
                ("kernel_shape", .ints([k, k])), ("strides", .ints([stride, stride])), ("pads", .ints([p, p, p, p])),
                ("output_padding", .ints([op, op])),
            ])
        },
        // floor mode; padding never wins a maximum and counts as zeros in an average.
        "maxpool2d": { g, layer in g.apply("MaxPool", layer, attributes: poolAttributes(layer)) },
        "avgpool2d": { g, layer in
            g.apply("AveragePool", layer, attributes: poolAttributes(layer) + [("count_include_pad", .int(1))])
        },
        // torch's nearest: source index ⌊destination / scale⌋ (asymmetric, floor).
        "upsample": { g, layer in
            let scale = Float(layer.spec.int("scale")!)
            let scales = g.constant("layers.\(layer.index).scales", floats: [1, 1, scale, scale])
            g.apply("Resize", layer, inputs: ["", scales], attributes: [
                ("mode", .string("nearest")), ("coordinate_transformation_mode", .string("asymmetric")),
                ("nearest_mode", .string("floor")),
            ])
        },
        "reshape": { g, layer in
            let shape = g.constant("layers.\(layer.index).shape", ints: [-1] + layer.outputShape)
            g.apply("Reshape", layer, inputs: [shape])
        },
    ]

    static func poolAttributes(_ layer: LayerSite) -> [(String, ONNX.Attribute)] {
        let k = layer.spec.int("kernel")!
        let s = layer.spec.int("stride") ?? k
        let p = layer.spec.int("padding")!
        return [("kernel_shape", .ints([k, k])), ("strides", .ints([s, s])), ("pads", .ints([p, p, p, p]))]
    }

    /// The ONNX model of `network` (which must have been built from a description, e.g. by
    /// `Checkpoint.makeNetwork`), its weights as they are now.
    public static func model(_ network: Network, name: String) throws -> ONNX.Model {
        guard let spec = network.spec else { throw DescentError("onnx: the network has no model description") }
        let parameters = Dictionary(network.parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let shapes = try spec.shapesAfterEachLayer()
        var g = ONNXGraphBuilder(model: ONNX.Model(graphName: name, doc: spec.description), parameters: parameters)
        g.model.inputs = [ONNX.ValueInfo(name: "input", shape: [nil] + spec.inputShape.map { $0 },
                                         doc: "pixel / 255, float32, N × \(ModelSpec.shapeText(spec.inputShape))")]
        var code: String?
        for (i, layer) in spec.layers.enumerated() {
            guard let export = layers[layer.kind] else { throw DescentError("onnx: layer \(i) (\(layer)) has no ONNX form") }
            try export(&g, LayerSite(spec: layer, index: i, inputShape: i == 0 ? spec.inputShape : shapes[i - 1], outputShape: shapes[i]))
            if spec.encoderLayers == i + 1 { code = g.current }
        }
        let what = spec.classCount != nil ? "class scores (logits; softmax gives probabilities)"
            : spec.loss == .binaryCrossEntropy ? "the reconstruction's logits (its sigmoid is the reconstruction)" : "the reconstruction"
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
        let name = "layers.\(layer.index)" + (suffix.map { "." + $0 } ?? "")
        model.nodes.append(ONNX.Node(opType, name: name, inputs: [current] + inputs, outputs: [name], attributes: attributes))
        current = name
    }

    /// The parameter called `name` as a graph constant (added the first time).
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
