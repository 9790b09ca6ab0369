import CKernels

/// Softmax followed by the negative log-likelihood, fused and numerically stable.
///
/// ```
/// L = (1/B) Σ_b [ log Σ_c e^(z_bc − m_b) − (z_b,y_b − m_b) ],   m_b = max_c z_bc
/// ∂L/∂z_bc = (softmax(z_b)_c − 1[c = y_b]) / B
/// ```
/// Subtracting the row maximum keeps every exponent ≤ 0 (no overflow); the per-row
/// sums are accumulated in Double.
public final class SoftmaxCrossEntropy {
    private var gradient = Workspace()

    public init() {}

    /// Result of one evaluation: mean loss, number of correct argmax predictions,
    /// and (when requested) ∂L/∂logits, valid until the next call.
    public struct Result {
        public let loss: Double
        public let correct: Int
        public let gradient: Tensor?
    }

    /// Evaluates the loss for `logits` (B × C) against integer `labels` (B values).
    public func callAsFunction(_ logits: Tensor, labels: UnsafePointer<UInt8>, computeGradient: Bool) -> Result {
        let (rows, cols) = (logits.rows, logits.columns)
        let g: Tensor? = computeGradient ? gradient.get(logits.shape) : nil
        var correct = 0
        let total = descent_softmax_xent(logits.data, labels, g?.data, rows, cols, 1 / Float(rows), &correct)
        return Result(loss: total / Double(rows), correct: correct, gradient: g)
    }

    /// Convenience for arrays of labels.
    public func callAsFunction(_ logits: Tensor, labels: [UInt8], computeGradient: Bool) -> Result {
        precondition(labels.count == logits.rows, "SoftmaxCrossEntropy: \(labels.count) labels for \(logits.rows) rows")
        return labels.withUnsafeBufferPointer { self(logits, labels: $0.baseAddress!, computeGradient: computeGradient) }
    }
}
