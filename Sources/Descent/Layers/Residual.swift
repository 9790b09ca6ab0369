/// A residual block (He et al. 2016, "Deep Residual Learning for Image Recognition"): layers
/// F whose output is added to a shortcut of the block's input,
///
/// ```
/// y = F(x) + x          identity shortcut, when F keeps the shape
/// y = F(x) + P x        projection shortcut otherwise: P a 1×1 convolution without bias and
///                       with the stride that gives F's H × W, to F's channels (He et al.'s option B)
/// ∂L/∂x = ∂F/∂x ᵀ g + g   (or + Pᵀ g),   g = ∂L/∂y
/// ```
/// written `residual(conv2d(32, 3, padding=same), batchnorm2d, relu, conv2d(32, 3, padding=same),
/// batchnorm2d), relu`: the activation after the sum is the layer after the block, as in
/// torchvision's BasicBlock. Parameters are named as torch names a module holding a
/// `body` `nn.Sequential` and a `shortcut` convolution: `layers.<i>.body.<j>.weight`,
/// `layers.<i>.shortcut.weight`. Inside the block activations run as layers of their own
/// (not fused), and noise layers (dropout, masking, sparsity) are refused: the training loop
/// re-seeds and reads only the network's own.
public final class Residual: Layer {
    /// F, applied in order.
    public let body: Sequential
    /// P, or nil for the identity.
    public let shortcut: Conv2D?
    private var output = Workspace()
    private var gradCopy = Workspace()
    private var inputGrad = Workspace()

    /// A block of `body` with `shortcut` (nil: the identity, so F must keep the shape).
    public init(body: [Layer], shortcut: Conv2D?) throws {
        guard !body.isEmpty else { throw DescentError("residual: the block has no layers") }
        if let noisy = body.first(where: { $0 is StochasticLayer || $0 is PenaltyLayer }) {
            throw DescentError("residual: \(type(of: noisy)) cannot be inside a block (noise and penalty layers go outside it)")
        }
        self.body = Sequential(body)
        self.shortcut = shortcut
    }

    public var parameters: [Parameter] { body.parameters + (shortcut?.parameters ?? []) }
    public var buffers: [Buffer] { body.layers.flatMap(\.buffers) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let f = body.forward(x, training: training)
        let s = shortcut?.forward(x, training: training) ?? x
        precondition(f.shape == s.shape, "Residual: the body gives \(f.shape), the shortcut \(s.shape)")
        let y = output.get(f.shape)
        let (fd, sd, yd) = (f.data, s.data, y.data)
        for i in 0..<y.count { yd[i] = fd[i] + sd[i] }
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        // Both paths read g; a layer may reuse its gradient's storage, so the shortcut gets a copy.
        let g = gradCopy.get(gradOutput.shape)
        g.data.update(from: gradOutput.data, count: gradOutput.count)
        let fromBody = body.backward(gradOutput, needsInputGradient: needsInputGradient)
        let fromShortcut = shortcut.map { $0.backward(g, needsInputGradient: needsInputGradient) } ?? g
        guard needsInputGradient, let a = fromBody, let b = fromShortcut else { return nil }
        let gx = inputGrad.get(a.shape)
        let (ad, bd, gd) = (a.data, b.data, gx.data)
        for i in 0..<gx.count { gd[i] = ad[i] + bd[i] }
        return gx
    }
}

extension Residual {
    /// The shapes after each layer of `body` on `input`, and the stride of the projection
    /// (nil: the identity; throws when no 1×1 convolution gives F's shape).
    static func plan(_ body: [LayerSpec], input: [Int]) throws -> (shapes: [Int], projection: Int?) {
        var shape = input
        for (j, layer) in body.enumerated() {
            do { shape = try layer.layerKind.outputShape(layer, shape) } catch let e as DescentError {
                throw DescentError("residual: layer \(j) (\(layer)): \(e.message)")
            }
        }
        if shape == input { return (shape, nil) }
        guard input.count == 3, shape.count == 3 else {
            throw DescentError("residual: the block turns \(ModelSpec.shapeText(input)) into \(ModelSpec.shapeText(shape)); a shortcut projects only C×H×W to C'×H'×W' (a flat block must keep its size)")
        }
        for stride in 1...max(input[1], input[2]) where (input[1] - 1) / stride + 1 == shape[1] && (input[2] - 1) / stride + 1 == shape[2] {
            return (shape, stride)
        }
        throw DescentError("residual: no 1×1 convolution turns \(ModelSpec.shapeText(input)) into \(ModelSpec.shapeText(shape)) for the shortcut")
    }

    /// `residual(layer, layer, …)`.
    public static let kind = LayerKind(
        name: "residual", summary: "residual block y = F(x) + x, or + a 1×1 convolution of x when F changes the shape; write the activation after it",
        arguments: [LayerArgument("layers", .layers)],
        outputShape: { spec, shape in try plan(spec["layers"]!.layersValue!, input: shape).shapes },
        parameterCount: { spec, shape in
            let body = spec["layers"]!.layersValue!
            guard let (out, stride) = try? plan(body, input: shape) else { return 0 }
            var count = stride == nil ? 0 : LayerKind.product(out[0], shape[0])
            var s = shape
            for layer in body {
                count = LayerKind.sum(count, layer.layerKind.parameterCount(layer, s))
                s = (try? layer.layerKind.outputShape(layer, s)) ?? s
            }
            return count
        },
        onnx: onnxForm,
        make: { spec, context in
            let body = spec["layers"]!.layersValue!
            let (out, stride) = try plan(body, input: context.inputShape)
            var layers: [Layer] = []
            var shape = context.inputShape
            for (j, layer) in body.enumerated() {
                let inner = LayerBuildContext(index: j, inputShape: shape, activation: .identity, seed: context.seed,
                                              weights: context.weights, built: [], namePrefix: context.name + ".body.")
                layers.append(try layer.layerKind.make(layer, inner))
                context.weights = inner.weights
                shape = try layer.layerKind.outputShape(layer, shape)
            }
            let projection = try stride.map { s in
                try Conv2D(inputShape: context.inputShape, outChannels: out[0], kernel: 1, stride: s, bias: false,
                           name: context.name + ".shortcut", generator: &context.weights)
            }
            return try Residual(body: layers, shortcut: projection)
        })

    /// ONNX: the body's nodes (`layers.<i>.body.<j>`), the shortcut's Conv (1×1, no bias)
    /// when there is one, and Add.
    static let onnxForm: ONNXExport.Exporter = { g, layer in
        let body = layer.spec["layers"]!.layersValue!
        let (_, stride) = try plan(body, input: layer.inputShape)
        let x = g.current
        var shortcut = x
        if let stride {
            let site = ONNXExport.LayerSite(spec: layer.spec, index: layer.index, inputShape: layer.inputShape,
                                            outputShape: layer.outputShape, name: layer.name + ".shortcut")
            g.apply("Conv", site, inputs: [try g.parameter(layer.name + ".shortcut.weight")], attributes: [
                ("kernel_shape", .ints([1, 1])), ("strides", .ints([stride, stride])), ("pads", .ints([0, 0, 0, 0])),
            ])
            shortcut = g.current
            g.current = x
        }
        var shape = layer.inputShape
        for (j, inner) in body.enumerated() {
            guard let export = inner.layerKind.onnx else { throw DescentError("onnx: \(layer.name).body.\(j) (\(inner)) has no ONNX form") }
            let out = try inner.layerKind.outputShape(inner, shape)
            try export(&g, ONNXExport.LayerSite(spec: inner, index: j, inputShape: shape, outputShape: out, name: "\(layer.name).body.\(j)"))
            shape = out
        }
        g.apply("Add", layer, inputs: [shortcut])
    }
}

extension LayerSpec {
    /// `residual(layers…)`.
    public static func residual(_ layers: [LayerSpec]) throws -> LayerSpec {
        try LayerSpec(Residual.kind, ["layers": .layers(layers)])
    }
}
