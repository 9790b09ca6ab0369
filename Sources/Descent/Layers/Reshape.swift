/// Gives each example the shape C × H × W, as PyTorch's `Unflatten(1, (C, H, W))`: the
/// inverse of `Flatten`, e.g. between the dense code of an autoencoder and its
/// convolutional decoder.
///
/// ```
/// input N × (C·H·W)  →  output N × C × H × W          (backward: the reverse reshape)
/// ```
/// No data move: the input tensor is reshaped in place and restored in backward, as `Flatten` does.
public final class Reshape: Layer {
    public let shape: [Int]
    private var inPlace = InPlaceReshape()

    public init(_ shape: [Int]) { self.shape = shape }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.columns == shape.reduce(1, *), "Reshape: input has \(x.columns) values per example, expected \(shape.reduce(1, *))")
        return inPlace.forward(x, to: [x.rows] + shape)
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        inPlace.backward(gradOutput, needsInputGradient: needsInputGradient)
    }
}

/// The in-place reshape of `Flatten` and `Reshape`: forward gives the input tensor itself
/// the new shape; backward restores it (later layers' backward may read it) and gives the
/// gradient the input's shape.
struct InPlaceReshape {
    private var input: Tensor?
    private var inputShape: [Int] = []

    mutating func forward(_ x: Tensor, to shape: [Int]) -> Tensor {
        input = x
        inputShape = x.shape
        x.reshape(shape)
        return x
    }

    func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        input?.reshape(inputShape)
        guard needsInputGradient else { return nil }
        gradOutput.reshape(inputShape)
        return gradOutput
    }
}

extension Reshape {
    /// `reshape(channels, height, width)`.
    public static let kind = LayerKind(
        name: "reshape", summary: "N×(C·H·W) → N×C×H×W (torch Unflatten), e.g. before a convolutional decoder",
        arguments: [.positiveInt("channels"), .positiveInt("height"), .positiveInt("width")],
        outputShape: { spec, shape in
            let target = [spec.int("channels")!, spec.int("height")!, spec.int("width")!]
            guard LayerKind.product(target) == LayerKind.product(shape) else {
                throw DescentError("\(ModelSpec.shapeText(target)) = \(LayerKind.product(target)) values, the input has \(LayerKind.product(shape))")
            }
            return target
        },
        onnx: Reshape.onnxForm,
        make: { spec, _ in Reshape([spec.int("channels")!, spec.int("height")!, spec.int("width")!]) })
}

extension LayerSpec {
    /// `reshape(channels, height, width)`.
    public static func reshape(_ channels: Int, _ height: Int, _ width: Int) throws -> LayerSpec {
        try LayerSpec(Reshape.kind, ["channels": .int(channels), "height": .int(height), "width": .int(width)])
    }
}

extension Reshape {
    /// ONNX: Reshape to N × the output shape.
    public static let onnxForm: ONNXExport.Exporter = { g, layer in
        let shape = g.constant("\(layer.name).shape", ints: [-1] + layer.outputShape)
        g.apply("Reshape", layer, inputs: [shape])
    }
}
