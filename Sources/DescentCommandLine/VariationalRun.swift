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
    /// units into `m.variational`, and their lines in the log.
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
