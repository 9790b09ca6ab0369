import CKernels

/// Binary cross-entropy fused with the sigmoid, from logits, numerically stable, as
/// `torch.nn.BCEWithLogitsLoss()` (mean over every element):
///
/// ```
/// L = (1/N) Σ_i [ max(z_i, 0) − z_i t_i + log(1 + e^(−|z_i|)) ]      (= −t log σ(z) − (1−t) log(1−σ(z)))
/// ∂L/∂z_i = (σ(z_i) − t_i) / N,      N = batch × features
/// ```
/// The network's last layer gives the logits z (no sigmoid layer): the reconstruction is
/// σ(z) (`prediction`), and the targets t are the clean pixels in [0, 1] (`batch.clean`),
/// as in Hinton & Salakhutdinov (2006), who fine-tune their deep autoencoder on this error.
/// No exponent is positive, so nothing overflows for any z; the terms are summed in blocks
/// of 4096 (one Double per block) and the blocks added in order, so the loss is the same
/// bits on any thread count.
///
/// ```swift
/// let loss = BinaryCrossEntropy()
/// let value = loss(logits, target: pixels, computeGradient: true)   // value.loss ≥ 0
/// let image = loss.prediction(logits)                                // σ(logits) in (0, 1)
/// ```
public final class BinaryCrossEntropy: ReconstructionLoss {
    private var mean = ElementwiseMean("BinaryCrossEntropy", gradientFactor: 1, descent_bce_logits)
    private var probabilities = Workspace()

    public init() {}

    /// The loss of `logits` against `target` (same element count, values in [0, 1]).
    public func callAsFunction(_ logits: Tensor, target: Tensor, computeGradient: Bool) -> LossValue {
        mean(logits, target: target, computeGradient: computeGradient)
    }

    /// σ(logits): the reconstruction the logits stand for (valid until the next call).
    public func prediction(_ logits: Tensor) -> Tensor {
        let p = probabilities.get(logits.shape)
        Kernels.sigmoid(logits.data, p.data, count: p.count)
        return p
    }
}

extension LossKind {
    /// `bce`: binary cross-entropy from logits against the clean input (`BinaryCrossEntropy`),
    /// for autoencoders of values in [0, 1] whose last layer gives logits: the reconstruction
    /// is their sigmoid.
    public static let binaryCrossEntropy = LossKind(
        name: "bce", summary: "binary cross-entropy from logits against the clean input (autoencoders)",
        target: .input, takesLogits: true) { BinaryCrossEntropy() }
}
