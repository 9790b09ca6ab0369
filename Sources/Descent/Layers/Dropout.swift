/// Inverted dropout (Srivastava et al. 2014, in the "inverted" form used by PyTorch
/// and Chainer): during training each element is zeroed with probability `p` and the
/// survivors are scaled by 1/(1−p), so evaluation is the identity with no rescaling.
///
/// ```
/// training:   y = x ⊙ m / (1 − p),  m ~ Bernoulli(1 − p)      ∂L/∂x = ∂L/∂y ⊙ m / (1 − p)
/// evaluation: y = x
/// ```
/// The mask is drawn from the layer's own seeded generator: one 64-bit draw per forward
/// keys a vectorised counter-based hash of the element index (see `Kernels.dropout`).
public final class Dropout: StochasticLayer {
    public var probability: Float { core.probability }
    public var generator: RandomGenerator
    private var core: BernoulliMask

    /// Throws when `probability` is not in [0, 1).
    public init(_ probability: Float, generator: RandomGenerator) throws {
        guard probability >= 0, probability < 1 else { throw DescentError("dropout: p must be in [0, 1), got \(probability)") }
        self.generator = generator
        core = BernoulliMask(probability: probability, keep: 1 / (1 - probability))
    }

    /// The scale of a kept element, 1/(1 − p).
    var keep: Float { core.keep }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        core.forward(x, training: training, generator: &generator)
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        core.backward(gradOutput, needsInputGradient: needsInputGradient)
    }
}

extension Dropout {
    /// `dropout(p)`. Dropout layer k of a network (counting from 0, with masking layers)
    /// draws from `RandomGenerator(seed:stream: 10 + k)` until a trainer re-seeds it per epoch.
    public static let kind = LayerKind(
        name: "dropout", summary: "inverted dropout: zero with probability p, scale the rest by 1/(1−p) (training only)",
        arguments: [.probability("p")],
        onnx: Dropout.onnxForm,
        make: { spec, context in
            try Dropout(Float(spec.number("p")!), generator: RandomGenerator(seed: context.seed, stream: 10 &+ UInt64(context.noiseLayersBefore)))
        })
}

extension LayerSpec {
    /// `dropout(p)`, p in [0, 1).
    public static func dropout(_ p: Double) throws -> LayerSpec { try LayerSpec(Dropout.kind, ["p": .number(p)]) }
}

extension Dropout {
    /// ONNX: the identity (evaluation mode).
    public static let onnxForm: ONNXExport.Exporter = { g, layer in g.apply("Identity", layer) }
}
