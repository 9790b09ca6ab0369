import CKernels

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
public final class Dropout: Layer {
    public let probability: Float
    public var generator: RandomGenerator
    private var scaleMask = Workspace()
    private var output = Workspace()
    private var inputGrad = Workspace()
    private var wasTraining = false

    public init(_ probability: Float, generator: RandomGenerator) {
        precondition(probability >= 0 && probability < 1, "Dropout: p must be in [0, 1), got \(probability)")
        self.probability = probability
        self.generator = generator
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        wasTraining = training && probability > 0
        guard wasTraining else { return x }
        let mask = scaleMask.get(x.shape)
        let y = output.get(x.shape)
        Kernels.dropout(x.data, into: y.data, mask: mask.data, count: x.count,
                        probability: probability, generator: &generator)
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard wasTraining, let mask = scaleMask.tensor else { return gradOutput }
        let gx = inputGrad.get(gradOutput.shape)
        Kernels.multiply(gradOutput.data, mask.data, into: gx.data, count: gx.count)
        return gx
    }
}
