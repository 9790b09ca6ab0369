import CKernels

/// Softmax followed by the negative log-likelihood, fused and numerically stable, as
/// `torch.nn.CrossEntropyLoss()` (mean over the batch):
///
/// ```
/// L = (1/B) Σ_b [ log Σ_c e^(z_bc − m_b) − (z_b,y_b − m_b) ],   m_b = max_c z_bc
/// ∂L/∂z_bc = (softmax(z_b)_c − 1[c = y_b]) / B
/// ```
/// Shapes: logits `B × C`, labels B class indices in `0..<C`. Subtracting the row maximum
/// keeps every exponent ≤ 0 (no overflow); the per-row sums are accumulated in Double.
public final class SoftmaxCrossEntropy: Loss {
    private var gradient = Workspace()

    public init() {}

    public var needsLabels: Bool { true }

    /// The loss of `logits` against `batch.labels`, with the number of correct argmax predictions.
    public func callAsFunction(_ logits: Tensor, _ batch: Batch, computeGradient: Bool) -> LossValue {
        self(logits, labels: batch.labels, computeGradient: computeGradient)
    }

    /// The loss of `logits` (B × C) against `labels` (B values, each < C).
    public func callAsFunction<Labels: Collection>(_ logits: Tensor, labels: Labels, computeGradient: Bool) -> LossValue
    where Labels.Element == UInt8 {
        let (rows, cols) = (logits.rows, logits.columns)
        precondition(labels.count == rows, "SoftmaxCrossEntropy: \(labels.count) labels for \(rows) rows")
        let g: Tensor? = computeGradient ? gradient.get(logits.shape) : nil
        var correct = 0
        let total = labels.withContiguousStorageIfAvailable { l in
            precondition(l.allSatisfy { Int($0) < cols }, "SoftmaxCrossEntropy: a label is ≥ \(cols) classes")
            return descent_softmax_xent(logits.data, l.baseAddress!, g?.data, rows, cols, 1 / Float(rows), &correct)
        } ?? Array(labels).withUnsafeBufferPointer { l in
            precondition(l.allSatisfy { Int($0) < cols }, "SoftmaxCrossEntropy: a label is ≥ \(cols) classes")
            return descent_softmax_xent(logits.data, l.baseAddress!, g?.data, rows, cols, 1 / Float(rows), &correct)
        }
        return LossValue(loss: total / Double(max(rows, 1)), correct: correct, gradient: g)
    }
}

extension LossKind {
    /// `cross-entropy`: softmax followed by the negative log-likelihood (`SoftmaxCrossEntropy`), for classifiers.
    public static let crossEntropy = LossKind(
        name: "cross-entropy", summary: "softmax and negative log-likelihood of the labels (classifiers)",
        target: .labels) { SoftmaxCrossEntropy() }
}
