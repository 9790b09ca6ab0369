/// Masking noise of the denoising autoencoder (Vincent et al. 2008): during training
/// each input element is set to 0 with probability `p`, independently, **without**
/// rescaling the survivors (unlike dropout). Evaluation is the identity.
///
/// ```
/// training:   x̃ = x ⊙ m,  m ~ Bernoulli(1 − p)      ∂L/∂x = ∂L/∂x̃ ⊙ m
/// evaluation: x̃ = x
/// ```
/// The mask is drawn from the layer's own generator, so a new mask is drawn for every
/// batch (and hence every epoch). The autoencoder trainer does not use this layer on
/// images: it fuses the same noise into the byte → Float batch conversion
/// (`MaskingNoise.corruptingCopy`), which is equivalent and saves a pass.
public final class MaskingNoise: Layer {
    public let probability: Float
    public var generator: RandomGenerator
    private var output = Workspace()
    private var mask = Workspace()
    private var inputGrad = Workspace()
    private var wasTraining = false

    public init(_ probability: Float, generator: RandomGenerator) {
        precondition(probability >= 0 && probability < 1, "MaskingNoise: p must be in [0, 1), got \(probability)")
        self.probability = probability
        self.generator = generator
    }

    /// 24-bit threshold: an element is zeroed when the top 24 bits of a draw are below it.
    @inlinable static func threshold(_ p: Float) -> UInt64 { UInt64((Double(p) * 16_777_216).rounded()) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        wasTraining = training && probability > 0
        guard wasTraining else { return x }
        let y = output.get(x.shape)
        let m = mask.get(x.shape)
        let t = MaskingNoise.threshold(probability)
        let (xs, ys, ms) = (x.data, y.data, m.data)
        for i in 0..<x.count {
            let keep: Float = (generator.next() >> 40) < t ? 0 : 1
            ms[i] = keep
            ys[i] = xs[i] * keep
        }
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard wasTraining, let m = mask.tensor else { return gradOutput }
        let gx = inputGrad.get(gradOutput.shape)
        let (g, ms, o) = (gradOutput.data, m.data, gx.data)
        for i in 0..<gx.count { o[i] = g[i] * ms[i] }
        return gx
    }

    /// `corrupted[i] = p == 0 ? clean[i] : (u < p ? 0 : clean[i])` over `n` values, with
    /// draws from `generator` — the fused form used on minibatches.
    @inlinable public static func corruptingCopy(_ clean: UnsafePointer<Float>, into corrupted: UnsafeMutablePointer<Float>,
                                                 count n: Int, probability p: Float, generator: inout RandomGenerator) {
        guard p > 0 else { corrupted.update(from: clean, count: n); return }
        let t = threshold(p)
        for i in 0..<n { corrupted[i] = (generator.next() >> 40) < t ? 0 : clean[i] }
    }
}
