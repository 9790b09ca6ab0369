import Descent

/// A loss written outside Descent: the multi-class hinge loss of `torch.nn.MultiMarginLoss()`
/// (p = 1, margin 1), for classifiers,
///
/// ```
/// L = (1/N) Σ_n (1/C) Σ_{j ≠ y_n} max(0, 1 − x[n, y_n] + x[n, j])
/// ∂L/∂x[n, j] = 1/(N·C) for each j ≠ y_n with a positive term, and ∂L/∂x[n, y_n] = −(their count)/(N·C)
/// ```
/// Text form: `…; loss=hinge`.
final class MultiMargin: Loss {
    private var gradient = Tensor(shape: [0])

    var needsLabels: Bool { true }

    func callAsFunction(_ output: Tensor, _ batch: Batch, computeGradient: Bool) -> LossValue {
        let n = output.rows, c = output.columns
        precondition(batch.labels.count == n, "hinge: \(batch.labels.count) labels for \(n) rows")
        if computeGradient { gradient = Scale.reuse(gradient, output.shape); gradient.fill(0) }
        var total = 0.0, correct = 0
        for (r, label) in batch.labels.enumerated() {
            let y = Int(label), row = output.data + r * c
            var best = 0
            for j in 1..<c where row[j] > row[best] { best = j }
            if best == y { correct += 1 }
            for j in 0..<c where j != y {
                let term = 1 - row[y] + row[j]
                guard term > 0 else { continue }
                total += Double(term)
                if computeGradient {
                    let w = 1 / Float(n * c)
                    gradient.data[r * c + j] += w
                    gradient.data[r * c + y] -= w
                }
            }
        }
        return LossValue(loss: total / Double(n * c), correct: correct, gradient: computeGradient ? gradient : nil)
    }

    static let kind = LossKind(name: "hinge", summary: "multi-class hinge loss (torch MultiMarginLoss; an example loss)",
                               target: .labels) { MultiMargin() }
}
