import Foundation

/// The measures of a variational autoencoder (a `Network` with a `GaussianLayer` code whose
/// decoder gives Bernoulli logits, i.e. trained on the `bernoulli` loss) on a data set, all in nats per example and all from seeded streams:
///
/// ```
/// ELBO(x)  = E_q[log p(x|z)] − KL(q(z|x) ‖ N(0, I))          one z per image (stream "ELBO"), KL exact
/// log p(x) ≥ log (1/K) Σ_s p(x|z_s) p(z_s) / q(z_s|x)        z_s ~ q(z|x), K per image (stream "IWAE")
/// active units: #{ j : Var_x(μ_j(x)) > 0.01 }                 μ = E_q[z] (Burda et al. 2016, §5.2)
/// ```
/// The second is the importance-weighted bound of Burda, Grosse & Salakhutdinov ("Importance
/// Weighted Autoencoders", 2016), the estimate of log p(x) papers report with K = 5000 or 1000;
/// it is at least the ELBO in expectation and tends to log p(x) as K grows. The ELBO is the
/// one with β = 1, whatever β the model was trained with. The weights are summed per image as
/// a running log-sum-exp in Double; ε is drawn image after image, so the numbers are fixed by
/// the seed whatever the thread count.
public enum VariationalEvaluation {
    public struct Result: Codable, Equatable, Sendable {
        /// −ELBO per example: reconstruction + KL.
        public var negativeELBO: Double
        /// −E_q[log p(x|z)] per example (one sample).
        public var reconstruction: Double
        /// KL(q(z|x) ‖ N(0, I)) per example.
        public var kl: Double
        /// −(importance-weighted bound) per example, an estimate of −log p(x); nil when K = 0.
        public var negativeLogLikelihood: Double?
        /// K, the samples per image of the importance-weighted bound.
        public var samples: Int
        /// Var over the data of μ_j, per latent unit.
        public var unitVariances: [Double]
        /// Units with variance above 0.01.
        public var activeUnits: Int
    }

    /// The layers of `network` before its Gaussian code, and the code layer.
    public static func split(_ network: Network) throws -> (encoder: Int, code: GaussianLayer) {
        guard let g = network.layers.firstIndex(where: { $0 is GaussianLayer }), let code = network.layers[g] as? GaussianLayer else {
            throw DescentError("the network has no gaussian layer: it is not a variational autoencoder")
        }
        return (g, code)
    }

    /// Measures `network` on `data` with K = `samples` importance samples per image (0: no bound).
    public static func evaluate(_ network: Network, data: DataSource, samples: Int, seed: UInt64,
                                batchSize: Int = 100) throws -> Result {
        guard samples >= 0 else { throw DescentError("importance samples must be ≥ 0, got \(samples)") }
        try network.checkInput(data)
        let (g, code) = try split(network)
        let k = code.units
        let decoder = Array(network.layers[(g + 1)...])
        func decode(_ z: Tensor) -> Tensor { decoder.reduce(z) { h, layer in layer.forward(h, training: false) } }
        var elboNoise = RandomGenerator(seed: seed, stream: 0x454C_424F)
        var iwaeNoise = RandomGenerator(seed: seed, stream: 0x4957_4145)
        var reconstruction = 0.0, kl = 0.0, bound = 0.0
        var sum = [Double](repeating: 0, count: k), sumSquares = [Double](repeating: 0, count: k)
        let chunk = samples == 0 ? 0 : Swift.min(samples, Swift.max(1, 5000 / batchSize))
        let z = Tensor(shape: [Swift.max(1, batchSize * Swift.max(chunk, 1)), k])
        let epsilon = Tensor(shape: [batchSize, k])
        var rowNLL = [Double](repeating: 0, count: batchSize * Swift.max(chunk, 1))
        try Batches(data, batchSize: batchSize).forEachBatch { batch in
            let b = batch.count
            let h = network.encode(batch.inputs, layers: g).clone()  // [b, 2k]: μ, log σ²
            for r in 0..<b { for j in 0..<k { let m = Double(h.data[r * 2 * k + j]); sum[j] += m; sumSquares[j] += m * m } }
            // The ELBO: one z per image.
            epsilon.reshape([b, k])
            for i in 0..<epsilon.count { epsilon.data[i] = elboNoise.normal() }
            let logits = decode(code.forward(h, noise: epsilon))
            kl += code.meanKL * Double(b)
            reconstruction += rowNegativeLogLikelihoods(logits, batch.clean, repeats: 1, into: &rowNLL).reduce(0, +)
            guard samples > 0 else { return }
            // The importance-weighted bound: K z per image, `chunk` at a time.
            var top = [Double](repeating: -.infinity, count: b), total = [Double](repeating: 0, count: b)
            var logWeights = [Double](repeating: 0, count: b * chunk)
            var done = 0
            while done < samples {
                let s = Swift.min(chunk, samples - done)
                z.reshape([b * s, k])
                for r in 0..<b {
                    let mu = h.data + r * 2 * k, lv = mu + k
                    for t in 0..<s {
                        var w = 0.0
                        for j in 0..<k {
                            let e = iwaeNoise.normal(), v = mu[j] + Foundation.exp(0.5 * lv[j]) * e
                            z.data[(r * s + t) * k + j] = v
                            // log N(z; 0, I) − log N(z; μ, σ²) = −½ z² + ½ ε² + ½ log σ²
                            w += 0.5 * (Double(e) * Double(e) - Double(v) * Double(v) + Double(lv[j]))
                        }
                        logWeights[r * s + t] = w
                    }
                }
                let nll = rowNegativeLogLikelihoods(decode(z), batch.clean, repeats: s, into: &rowNLL)
                for r in 0..<b {
                    for t in 0..<s {
                        let w = logWeights[r * s + t] - nll[r * s + t]
                        if w > top[r] { total[r] = total[r] * Foundation.exp(top[r] - w) + 1; top[r] = w } else { total[r] += Foundation.exp(w - top[r]) }
                    }
                }
                done += s
            }
            for r in 0..<b { bound += top[r] + Foundation.log(total[r]) - Foundation.log(Double(samples)) }
        }
        let n = Double(Swift.max(data.count, 1))
        let variances = (0..<k).map { j in Swift.max(0, sumSquares[j] / n - (sum[j] / n) * (sum[j] / n)) }
        return Result(negativeELBO: (reconstruction + kl) / n, reconstruction: reconstruction / n, kl: kl / n,
                      negativeLogLikelihood: samples > 0 ? -bound / n : nil, samples: samples,
                      unitVariances: variances, activeUnits: variances.filter { $0 > 0.01 }.count)
    }

    /// −log p(x_r | z) for every row of `logits`, whose rows come in groups of `repeats` per
    /// row of `clean` (rows split over threads; each row's sum is serial).
    static func rowNegativeLogLikelihoods(_ logits: Tensor, _ clean: Tensor, repeats: Int, into out: inout [Double]) -> ArraySlice<Double> {
        let rows = logits.rows, f = logits.columns
        precondition(f == clean.columns && rows == clean.rows * repeats, "VariationalEvaluation: \(logits.shape) vs \(clean.shape) × \(repeats)")
        if out.count < rows { out = [Double](repeating: 0, count: rows) }
        out.withUnsafeMutableBufferPointer { o in
            let (z, t, dst) = (logits.data, clean.data, o.baseAddress!)
            Parallel.forRanges(rows, elementsPerItem: f) { range in
                for r in range { dst[r] = BernoulliLikelihood.negativeLogLikelihood(z + r * f, t + (r / repeats) * f, count: f) }
            }
        }
        return out[0..<rows]
    }
}
