/// Flattens each example to a vector, as `torch.nn.Flatten()`:
///
/// ```
/// input N × C × H × W  →  output N × (C·H·W)          (backward: the reverse reshape)
/// ```
/// No data move: the input tensor is reshaped in place and restored in backward (every
/// layer reads its buffers as rows of values). Dense layers flatten by themselves; this
/// layer makes the step explicit, as in PyTorch.
public final class Flatten: Layer {
    private var inPlace = InPlaceReshape()

    public init() {}

    public func forward(_ x: Tensor, training: Bool) -> Tensor { inPlace.forward(x, to: [x.rows, x.columns]) }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        inPlace.backward(gradOutput, needsInputGradient: needsInputGradient)
    }
}

extension Flatten {
    /// `flatten`.
    public static let kind = LayerKind(name: "flatten", summary: "N×C×H×W → N×(C·H·W)",
                                       outputShape: { _, shape in [shape.reduce(1, *)] },
                                       onnx: { g, layer in g.apply("Flatten", layer, attributes: [("axis", .int(1))]) }) { _, _ in Flatten() }
}

extension LayerSpec {
    public static let flatten = LayerSpec(valid: Flatten.kind)
}
