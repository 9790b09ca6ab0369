import CKernels

/// The negative log-likelihood of the clean input under independent Bernoulli pixels with
/// logits z, summed over the values of an example and averaged over the batch: nats per
/// example, the reconstruction term of a variational autoencoder's negative ELBO (Kingma &
/// Welling 2014, with grey levels in [0, 1] as soft targets, as their code and PyTorch's
/// example VAE use them):
///
/// ```
/// L = (1/B) Σ_b Σ_i [ max(z_bi, 0) − z_bi t_bi + log(1 + e^(−|z_bi|)) ]      (= −Σ_i log Bernoulli(t_bi; σ(z_bi)))
/// ∂L/∂z_bi = (σ(z_bi) − t_bi) / B
/// ```
/// It is `BinaryCrossEntropy` times the values per example (torch:
/// `F.binary_cross_entropy_with_logits(z, t, reduction="sum") / B`), and shares its kernel and
/// its blocked sum, so the value is the same bits on any thread count. The reconstruction is σ(z).
public final class BernoulliLikelihood: ReconstructionLoss {
    private var gradient = Workspace()
    private var probabilities = Workspace()
    private var sum = BlockedSum()

    public init() {}

    /// The loss of `logits` against `target` (same shape, rows = examples, values in [0, 1]).
    public func callAsFunction(_ logits: Tensor, target: Tensor, computeGradient: Bool) -> LossValue {
        precondition(logits.count == target.count, "BernoulliLikelihood: \(logits.shape) vs \(target.shape)")
        let b = Swift.max(logits.rows, 1)
        let g: Tensor? = computeGradient ? gradient.get(logits.shape) : nil
        let (z, t, scale) = (logits.data, target.data, 1 / Float(b))
        let total = sum(count: logits.count) { lo, count, totals in
            descent_bce_logits(z + lo, t + lo, g.map { $0.data + lo }, count, scale, totals)
        }
        return LossValue(loss: total / Double(b), gradient: g)
    }

    /// σ(logits), the mean of each Bernoulli pixel (valid until the next call).
    public func prediction(_ logits: Tensor) -> Tensor {
        let p = probabilities.get(logits.shape)
        Kernels.sigmoid(logits.data, p.data, count: p.count)
        return p
    }

    /// −log p(t | z) of one example of `count` values, in nats (no gradient).
    static func negativeLogLikelihood(_ logits: UnsafePointer<Float>, _ target: UnsafePointer<Float>, count: Int) -> Double {
        var total = 0.0
        var block = 0.0
        var start = 0
        while start < count {
            let n = Swift.min(4096, count - start)
            descent_bce_logits(logits + start, target + start, nil, n, 0, &block)
            total += block
            start += n
        }
        return total
    }
}

extension LossKind {
    /// `bernoulli`: the Bernoulli negative log-likelihood from logits, summed over the values
    /// of an example (nats per example; `BernoulliLikelihood`): a VAE's reconstruction term.
    public static let bernoulli = LossKind(
        name: "bernoulli", summary: "Bernoulli negative log-likelihood from logits, summed over values, mean over examples (nats; VAEs)",
        target: .input, takesLogits: true) { BernoulliLikelihood() }
}
