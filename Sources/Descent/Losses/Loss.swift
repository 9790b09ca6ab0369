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

/// A loss a model description can name (`loss=mse`): its name, what the network's output
/// is compared with, and how to make one. Registered in a `Registry`; Descent's own are
/// `.crossEntropy`, `.meanSquaredError` and `.binaryCrossEntropy`, declared beside their classes.
///
/// ```
/// extension LossKind {
///     static let huber = LossKind(name: "huber", summary: "Huber loss against the clean input",
///                                 target: .input) { HuberLoss() }
/// }
/// try registry.register(LossKind.huber)
/// ```
/// Two kinds are equal when their names are; the JSON form is the name.
public struct LossKind: Hashable, Sendable, CustomStringConvertible {
    /// What the network's output is compared with.
    public enum Target: Sendable {
        /// Class labels: the output is a vector of class scores (a classifier).
        case labels
        /// The clean input: the output has as many values as the input (an autoencoder).
        case input
    }

    /// The name in the text form and in JSON, e.g. `"mse"`.
    public let rawValue: String
    /// One line for `--help`.
    public let summary: String
    public let target: Target
    /// Whether the loss takes logits and applies its own squashing (`bce`): a description
    /// must not end in an activation layer then.
    public let takesLogits: Bool
    private let factory: @Sendable () -> Loss

    public init(name: String, summary: String, target: Target, takesLogits: Bool = false,
                make: @escaping @Sendable () -> Loss) {
        self.rawValue = name
        self.summary = summary
        self.target = target
        self.takesLogits = takesLogits
        self.factory = make
    }

    /// A fresh loss object.
    public func make() -> Loss { factory() }

    /// Whether the network reconstructs its input (the output has the input's size).
    public var isReconstruction: Bool { target == .input }

    public var description: String { rawValue }

    public static func == (a: LossKind, b: LossKind) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

/// JSON: the name, looked up in the decoder's registry (`JSONDecoder.descent(_:)`).
extension LossKind: Codable {
    public init(from decoder: Decoder) throws {
        self = try decoder.registered("loss", lookup: { $0.loss(named: $1) }, names: { $0.losses.map(\.rawValue) })
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}
