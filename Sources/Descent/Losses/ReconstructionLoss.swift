/// A loss that scores a network's output against a target of the same size, element by
/// element, and in training against the batch's clean input (`batch.clean`): an
/// autoencoder is scored against the uncorrupted image, and needs no labels.
///
/// A conforming loss writes only the call against an explicit target; the training call
/// and `needsLabels` come from this protocol:
/// ```swift
/// let mse = MeanSquaredError()
/// mse(output, batch, computeGradient: true)           // = mse(output, target: batch.clean, computeGradient: true)
/// mse(output, target: pixels, computeGradient: false).loss
/// ```
public protocol ReconstructionLoss: Loss {
    /// The loss of `output` against `target` (same element count), with ∂L/∂output when asked.
    func callAsFunction(_ output: Tensor, target: Tensor, computeGradient: Bool) -> LossValue
}

extension ReconstructionLoss {
    public var needsLabels: Bool { false }

    /// The loss of `output` against `batch.clean`.
    public func callAsFunction(_ output: Tensor, _ batch: Batch, computeGradient: Bool) -> LossValue {
        self(output, target: batch.clean, computeGradient: computeGradient)
    }
}
