import ArgumentParser
import Descent
import DescentReport
import Foundation

/// The options of `descent autoencoder` for variational autoencoders (models with a
/// `gaussian` code, e.g. the presets vae-mlp and fmnist-vae).
struct VariationalOptions: ParsableArguments {
    @Option(help: "Weight β of the KL term of every gaussian layer (β = 1: the ELBO; default: the model's, 1 unless it says beta=…).")
    var beta: Double?
    @Option(help: "Importance samples per test image of the bound on log p(x) (Burda et al. 2016) reported for VAEs; 0 skips it.")
    var iwaeSamples = 1000

    func validate() throws {
        if let b = beta, !(b >= 0 && b.isFinite) { throw ValidationError("--beta must be a finite number ≥ 0, got \(b)") }
        if iwaeSamples < 0 { throw ValidationError("--iwae-samples must be ≥ 0, got \(iwaeSamples)") }
    }

    /// `spec` with the β of --beta; throws when --beta is given for a model without a gaussian layer.
    func apply(to spec: ModelSpec) throws -> ModelSpec {
        guard let beta else { return spec }
        guard spec.isVariational else { throw DescentError("--beta: the model has no gaussian layer (it is not a variational autoencoder)") }
        return try spec.settingGaussianBeta(beta)
    }

    /// The part of a folder name for --beta (`_beta4`), empty without it.
    var condition: String { beta.map { "_beta" + fmt0(Float($0)) } ?? "" }
}

extension AERun {
    /// For a VAE: the test ELBO with its parts, the importance-weighted bound and the active
    /// units into `m.variational`, and their lines in the log. Only for loss bernoulli, whose
    /// decoder gives the logits of a likelihood (a gaussian code trained on the MSE has no ELBO
    /// to report, and neither pictures that need the unit variances).
    static func evaluateVariational(_ network: Network, test: ImageSet, samples: Int, seed: UInt64, json: Bool,
                                    into m: inout AutoEncoderMetrics) throws {
        let start = Date()
        let r = try VariationalEvaluation.evaluate(network, data: .images(test), samples: samples, seed: seed)
        m.variational = r
        log(String(format: "test −ELBO %.2f nats per image = reconstruction %.2f + KL %.2f (one z per image)", r.negativeELBO, r.reconstruction, r.kl), json: json)
        if let nll = r.negativeLogLikelihood {
            log(String(format: "test −log p(x) ≤ %.2f nats (importance-weighted bound, %d samples per image, %.0f s)", nll, samples,
                       Date().timeIntervalSince(start)), json: json)
        }
        log("active units: \(r.activeUnits) of \(r.unitVariances.count) (variance over the test set of E_q[z] > 0.01)", json: json)
    }
}

extension AERun {
    /// A VAE's pictures (`VariationalPictures`), each as .svg and .png: `samples` (100 draws
    /// from the prior, decoded: the Bernoulli means σ(logits)), `traversals` (one row per
    /// active unit, most variable first: that unit over 11 prior quantiles, the others at 0)
    /// and, for a 2-unit code, `manifold` (the decoder over 20 × 20 prior quantiles beside the
    /// test codes by class). Returns the file names written.
    static func writeVariationalPictures(_ network: Network, loss: Loss, test: ImageSet, dataset: DatasetName,
                                         result: VariationalEvaluation.Result, seed: UInt64, dir: String) throws -> [String] {
        let (g, code) = try VariationalEvaluation.split(network)
        let k = code.units, (w, h) = (test.width, test.height)
        func decode(_ z: Tensor) -> Tensor {
            loss.prediction(network.layers[(g + 1)...].reduce(z) { x, layer in layer.forward(x, training: false) }).clone()
        }
        var written: [String] = []
        var noise = RandomGenerator(seed: seed, stream: 0x5341_4D50)
        var rows: [Tensor] = []
        for _ in 0..<10 {
            let z = Tensor(shape: [10, k])
            for i in 0..<z.count { z.data[i] = noise.normal() }
            rows.append(decode(z))
        }
        written += try VariationalPictures.document(try AutoEncoderPictures.reconstructions(rows, width: w, height: h),
                                                    title: "100 samples from the prior, decoded",
                                                    subtitle: "z ~ N(0, I) of \(k) units; each pixel the decoder's Bernoulli mean σ(logit)")
            .write(to: dir + "/samples")
        let order = result.unitVariances.indices.filter { result.unitVariances[$0] > 0.01 }
            .sorted { result.unitVariances[$0] > result.unitVariances[$1] }
        if !order.isEmpty {
            let steps = VariationalPictures.quantiles(11)
            let traversals = try order.map { j -> Tensor in
                let z = Tensor(shape: [steps.count, k])
                for (i, v) in steps.enumerated() { z.data[i * k + j] = Float(v) }
                return decode(z)
            }
            written += try VariationalPictures.document(
                try AutoEncoderPictures.reconstructions(traversals, width: w, height: h),
                title: "latent traversals: one row per active unit",
                subtitle: String(format: "unit z_j over the prior's quantiles %.2f … %.2f, the other units 0; most variable unit first",
                                 steps.first!, steps.last!),
                rowLabels: order.map { String(format: "z%d (var %.2f)", $0 + 1, result.unitVariances[$0]) }).write(to: dir + "/traversals")
        }
        if k == 2 {
            let n = 20, q = VariationalPictures.quantiles(n)
            let grid = try (0..<n).map { r -> Tensor in
                let z = Tensor(shape: [n, 2])
                for c in 0..<n { z.data[c * 2] = Float(q[c]); z.data[c * 2 + 1] = Float(q[n - 1 - r]) }
                return decode(z)
            }
            let chosen = test.labels.isEmpty ? Array(0..<min(test.count, 5000))
                : ScatterPlot.firstOfEachClass(test.labels.map(Int.init), perClass: 500)
            let subset = try ImageSet(count: chosen.count, height: test.height, width: test.width,
                                      pixels: chosen.flatMap { test.pixels[($0 * test.featureCount)..<(($0 + 1) * test.featureCount)] },
                                      labels: chosen.map { test.labels.isEmpty ? 0 : test.labels[$0] })
            let means = try network.encodeAll(.images(subset))
            let plot = try ScatterPlot(panels: [.init(title: "test codes E_q[z] by class", xLabel: "z₁", yLabel: "z₂",
                                                      x: (0..<means.rows).map { Double(means.data[$0 * 2]) },
                                                      y: (0..<means.rows).map { Double(means.data[$0 * 2 + 1]) },
                                                      classes: subset.labels.map(Int.init))],
                                       classNames: dataset.classNames)
            written += try VariationalPictures.manifold(try AutoEncoderPictures.reconstructions(grid, width: w, height: h, scale: 1),
                                                        steps: n, codes: plot,
                                                        title: "a 2-unit VAE's manifold beside its codes (\(dataset.displayName))")
                .write(to: dir + "/manifold")
        }
        return written
    }
}
