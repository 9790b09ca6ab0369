/// Masking noise of the denoising autoencoder (Vincent et al. 2008): during training
/// each input element is set to 0 with probability `p`, independently, **without**
/// rescaling the survivors (unlike dropout), or, `inverted`, with the survivors scaled by
/// 1/(1 − p) as inverted dropout does, which keeps the input's expected value. Evaluation
/// is the identity.
///
/// ```
/// training:   x̃ = x ⊙ m,  m ~ Bernoulli(1 − p) · k      ∂L/∂x = ∂L/∂x̃ ⊙ m
///             k = 1 (plain: E[x̃] = (1 − p) x),  k = 1/(1 − p) (inverted: E[x̃] = x)
/// evaluation: x̃ = x
/// ```
/// The mask is drawn from the layer's own generator, so a new mask is drawn for every
/// batch (and hence every epoch): one 64-bit draw keys a vectorised counter-based hash
/// of the element index (see `Kernels.maskingNoise`). The autoencoder trainer does not
/// use this layer on images: it fuses the same noise into the byte → Float batch
/// conversion, which is equivalent and saves a pass.
public final class MaskingNoise: StochasticLayer {
    public var probability: Float { core.probability }
    /// Whether the survivors are scaled by 1/(1 − p).
    public var inverted: Bool { core.keep != 1 }
    public var generator: RandomGenerator
    private var core: BernoulliMask

    /// Throws when `probability` is not in [0, 1).
    public init(_ probability: Float, inverted: Bool = false, generator: RandomGenerator) throws {
        guard probability >= 0, probability < 1 else { throw DescentError("masking noise: p must be in [0, 1), got \(probability)") }
        self.generator = generator
        core = BernoulliMask(probability: probability, keep: inverted && probability > 0 ? 1 / (1 - probability) : 1)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        core.forward(x, training: training, generator: &generator)
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        core.backward(gradOutput, needsInputGradient: needsInputGradient)
    }

    /// `corrupted[i] = clean[i]` (× 1/(1 − p) when `inverted`), or 0 with probability `p`,
    /// over `n` values: the same draws as `forward` with this generator, without keeping the mask.
    public static func corruptingCopy(_ clean: UnsafePointer<Float>, into corrupted: UnsafeMutablePointer<Float>,
                                      count n: Int, probability p: Float, inverted: Bool = false,
                                      generator: inout RandomGenerator) {
        guard p > 0 else { corrupted.update(from: clean, count: n); return }
        Kernels.maskingNoise(clean, into: corrupted, count: n, probability: p, inverted: inverted, generator: &generator)
    }
}

extension MaskingNoise {
    /// `masking(p, inverted=false)`: masking noise as a layer (a trainer's `corruption` does
    /// the same to the input, fused).
    public static let kind = LayerKind(
        name: "masking", summary: "masking noise: zero with probability p, no rescaling, or ×1/(1-p) if inverted (training only)",
        arguments: [.probability("p"), LayerArgument("inverted", .bool, default: .bool(false))],
        onnx: MaskingNoise.onnxForm,
        make: { spec, context in
            try MaskingNoise(Float(spec.number("p")!), inverted: spec.flag("inverted")!,
                             generator: RandomGenerator(seed: context.seed, stream: 10 &+ UInt64(context.noiseLayersBefore)))
        })
}

extension LayerSpec {
    /// `masking(p)` or `masking(p, inverted=true)`, p in [0, 1).
    public static func masking(_ p: Double, inverted: Bool = false) throws -> LayerSpec {
        try LayerSpec(MaskingNoise.kind, ["p": .number(p), "inverted": .bool(inverted)])
    }
}

extension MaskingNoise {
    /// ONNX: the identity (evaluation mode).
    public static let onnxForm: ONNXExport.Exporter = { g, layer in g.apply("Identity", layer) }
}
