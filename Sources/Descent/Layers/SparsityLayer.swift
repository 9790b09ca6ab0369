/// The sparsity penalty of the sparse autoencoder as a layer placed on the code:
/// the identity in the forward pass, and in the backward pass it adds ∂P/∂h of the
/// `SparsityPenalty` P (KL divergence of each unit's mean activation from a target ρ,
/// weighted by β) to the gradient flowing back:
///
/// ```
/// forward:  y = h          backward:  ∂L/∂h = ∂L/∂y + ∂P/∂h,   P = β Σ_j KL(ρ ‖ ρ̂_j)
/// ```
/// `penalty` holds P of the last backward pass; trainers add it to the reported loss.
public final class SparsityLayer: Layer, PenaltyLayer {
    public let sparsity: SparsityPenalty
    private var input: Tensor?
    private var gradient = Workspace()
    public private(set) var penalty = 0.0

    public init(_ sparsity: SparsityPenalty) { self.sparsity = sparsity }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        input = x
        return x
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let h = input else { preconditionFailure("SparsityLayer.backward before forward") }
        let g = gradient.get(gradOutput.shape)
        g.data.update(from: gradOutput.data, count: gradOutput.count)
        penalty = sparsity(h, accumulateInto: g)
        return needsInputGradient ? g : nil
    }
}

/// A layer that adds a penalty term to the loss during its backward pass.
public protocol PenaltyLayer: Layer {
    /// The penalty of the last backward pass.
    var penalty: Double { get }
}

extension SparsityLayer {
    /// `sparsity(target, weight)`: the KL sparsity penalty on the activations before it.
    public static let kind = LayerKind(
        name: "sparsity", summary: "KL sparsity penalty β Σ_j KL(ρ ‖ mean activation of unit j) on the values before it (identity forward)",
        arguments: [LayerArgument("target", .number) { v in let t = v.numberValue!; return t > 0 && t < 1 ? nil : "must be in (0, 1)" },
                    LayerArgument("weight", .number) { v in v.numberValue! >= 0 ? nil : "must be ≥ 0" }],
        onnx: SparsityLayer.onnxForm,
        make: { spec, _ in
            SparsityLayer(try SparsityPenalty(target: Float(spec.number("target")!), weight: Float(spec.number("weight")!)))
        })
}

extension LayerSpec {
    /// `sparsity(target, weight)`.
    public static func sparsity(target: Double, weight: Double) throws -> LayerSpec {
        try LayerSpec(SparsityLayer.kind, ["target": .number(target), "weight": .number(weight)])
    }
}

extension SparsityLayer {
    /// ONNX: the identity (the penalty acts on training only).
    public static let onnxForm: ONNXExport.Exporter = { g, layer in g.apply("Identity", layer) }
}
