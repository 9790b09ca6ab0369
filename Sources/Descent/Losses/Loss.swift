/// A training objective: the mean loss of a network's output on a batch and, on request,
/// its gradient ∂L/∂output (in a buffer owned by the loss, valid until its next call).
///
/// ```
/// let loss = SoftmaxCrossEntropy()
/// let value = loss(network(batch.inputs, training: true), batch, computeGradient: true)
/// network.backward(value.gradient!)
/// ```
/// Classification losses read `batch.labels` and also count correct predictions;
/// reconstruction losses compare with `batch.clean` (`ReconstructionLoss`). Conform a class
/// of your own to add one.
/// A call runs once per batch: a label count or an output size that does not fit the batch
/// traps (`precondition`, a programming error); `Trainer` checks that the data have labels
/// and that every label is below the network's outputs before the first batch, and throws.
public protocol Loss: AnyObject {
    /// Whether the loss reads labels (the data must have them).
    var needsLabels: Bool { get }
    func callAsFunction(_ output: Tensor, _ batch: Batch, computeGradient: Bool) -> LossValue
    /// What the network's output stands for in the target's space: the output itself for
    /// most losses, σ(logits) for `BinaryCrossEntropy` (the reconstruction of a model whose
    /// last layer gives logits). Valid until the loss's next call.
    func prediction(_ output: Tensor) -> Tensor
}

extension Loss {
    public func prediction(_ output: Tensor) -> Tensor { output }
}

/// The result of a loss on one batch.
public struct LossValue {
    /// Mean over the batch (and, for element-wise losses, over the elements).
    public var loss: Double
    /// Correct argmax predictions (classification losses), else nil.
    public var correct: Int?
    /// ∂L/∂output, when requested.
    public var gradient: Tensor?

    public init(loss: Double, correct: Int? = nil, gradient: Tensor? = nil) {
        self.loss = loss
        self.correct = correct
        self.gradient = gradient
    }
}

/// The losses a model description can name.
public enum LossKind: String, Codable, CaseIterable, Sendable {
    /// Softmax followed by the negative log-likelihood (`SoftmaxCrossEntropy`), for classifiers.
    case crossEntropy = "cross-entropy"
    /// Mean squared error against the clean input (`MeanSquaredError`), for autoencoders.
    case meanSquaredError = "mse"
    /// Binary cross-entropy from logits against the clean input (`BinaryCrossEntropy`), for
    /// autoencoders of values in [0, 1] whose last layer gives logits: the reconstruction is
    /// their sigmoid.
    case binaryCrossEntropy = "bce"

    /// A fresh loss object.
    public func make() -> Loss {
        switch self {
        case .crossEntropy: SoftmaxCrossEntropy()
        case .meanSquaredError: MeanSquaredError()
        case .binaryCrossEntropy: BinaryCrossEntropy()
        }
    }

    /// Whether the network reconstructs its input (the output has the input's size).
    public var isReconstruction: Bool { self != .crossEntropy }
}
