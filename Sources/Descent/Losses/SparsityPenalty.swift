import Foundation

/// Sparsity penalty of the sparse autoencoder (Ng, "Sparse autoencoder", CS294A notes):
/// the KL divergence between a target activation ρ and each hidden unit's mean
/// activation over the batch, summed over units and weighted by β.
///
/// ```
/// ρ̂_j = (1/B) Σ_b h_bj
/// P   = β Σ_j [ ρ log(ρ/ρ̂_j) + (1−ρ) log((1−ρ)/(1−ρ̂_j)) ]
/// ∂P/∂h_bj = (β/B) [ −ρ/ρ̂_j + (1−ρ)/(1−ρ̂_j) ]
/// ```
/// Meant for activations in (0, 1) (sigmoid). For other activations ρ̂_j is clamped to
/// [1e-6, 1 − 1e-6]; where the clamp is active the gradient is that of the clamped value.
public final class SparsityPenalty {
    public let target: Float
    public let weight: Float
    static let clampEpsilon: Double = 1e-6
    private var means: [Double] = []
    private var unitGradient: [Float] = []

    public init(target: Float, weight: Float) throws {
        guard target > 0, target < 1 else { throw DescentError("sparsity target must be in (0, 1), got \(target)") }
        guard weight >= 0, weight.isFinite else { throw DescentError("sparsity weight must be a finite number ≥ 0, got \(weight)") }
        self.target = target
        self.weight = weight
    }

    /// The penalty for activations `h` (B × units); when `accumulateInto` is given,
    /// adds ∂P/∂h into it (same shape).
    @discardableResult
    public func callAsFunction(_ h: Tensor, accumulateInto gradient: Tensor?) -> Double {
        let (b, k) = (h.rows, h.columns)
        if means.count != k { means = [Double](repeating: 0, count: k); unitGradient = [Float](repeating: 0, count: k) }
        let rho = Double(target)
        let beta = Double(weight)
        var penalty = 0.0
        means.withUnsafeMutableBufferPointer { m in
            unitGradient.withUnsafeMutableBufferPointer { ug in
                for j in 0..<k { m[j] = 0 }
                let hd = h.data
                for r in 0..<b {
                    let row = hd + r * k
                    for j in 0..<k { m[j] += Double(row[j]) }
                }
                for j in 0..<k {
                    let q = Swift.min(Swift.max(m[j] / Double(b), SparsityPenalty.clampEpsilon), 1 - SparsityPenalty.clampEpsilon)
                    penalty += rho * log(rho / q) + (1 - rho) * log((1 - rho) / (1 - q))
                    ug[j] = Float(beta / Double(b) * (-rho / q + (1 - rho) / (1 - q)))
                }
                if let g = gradient {
                    precondition(g.count == h.count, "SparsityPenalty: gradient \(g.shape) vs activations \(h.shape)")
                    let gd = g.data
                    for r in 0..<b {
                        let row = gd + r * k
                        for j in 0..<k { row[j] += ug[j] }
                    }
                }
            }
        }
        return beta * penalty
    }
}
