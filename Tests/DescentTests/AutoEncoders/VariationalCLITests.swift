import Foundation
import XCTest
@testable import Descent
import DescentReport

/// `descent autoencoder` on variational autoencoders (the presets vae-mlp and fmnist-vae) on a
/// small Fashion-MNIST slice: metrics, resume bit for bit, and the two facts every VAE
/// evaluation must show — the importance-weighted bound is at least the ELBO, and a network
/// whose encoder gives the prior (μ = 0, log σ² = 0) has a KL of exactly 0.
final class VariationalCLITests: XCTestCase {
    func metrics(_ path: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    func testVAEMLPReportsItsMetricsAndResumesExactly() throws {
        let data = try Support.fashionSlice(train: 500, test: 100)
        let common = ["autoencoder", "--data-dir", data, "--model", "vae-mlp", "--corruption", "0", "--optimizer", "adam",
                      "--validation", "100", "--probe-epochs", "0", "--iwae-samples", "50", "--beta", "1", "--threads", "1"]
        let run = "ae_fashion-mnist_vae-mlp_beta1_cr0_adam_e3_s0"
        let out1 = Support.temporaryFolder(), out2 = Support.temporaryFolder()
        let first = try Support.descent(common + ["--epochs", "2", "--no-pictures", "--out", out1])
        XCTAssertEqual(first.status, 0, first.stderr)
        let checkpoint = out1 + "/ae_fashion-mnist_vae-mlp_beta1_cr0_adam_e2_s0/model.safetensors"
        let resumed = try Support.descent(common + ["--epochs", "3", "--resume", checkpoint, "--out", out1 + "/resumed"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        let whole = try Support.descent(common + ["--epochs", "3", "--no-pictures", "--out", out2])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let a = try metrics(out1 + "/resumed/\(run)/metrics.json"), b = try metrics(out2 + "/\(run)/metrics.json")
        let (ha, hb) = (try XCTUnwrap(a["history"] as? [[String: Any]]), try XCTUnwrap(b["history"] as? [[String: Any]]))
        XCTAssertEqual(ha.count, 3)
        for key in ["train_loss", "test_loss", "validation_loss", "penalty"] {
            XCTAssertEqual(ha[2][key] as? Double, hb[2][key] as? Double, key)
            XCTAssertNotNil(ha[2][key] as? Double, key)
        }
        let (va, vb) = (try XCTUnwrap(a["variational"] as? [String: Any]), try XCTUnwrap(b["variational"] as? [String: Any]))
        XCTAssertEqual(va["negative_elbo"] as? Double, vb["negative_elbo"] as? Double, "the resumed run is the uninterrupted one")
        let (elbo, rec, kl) = (try XCTUnwrap(va["negative_elbo"] as? Double), try XCTUnwrap(va["reconstruction"] as? Double),
                               try XCTUnwrap(va["kl"] as? Double))
        XCTAssertEqual(elbo, rec + kl, accuracy: 1e-9 * elbo)
        XCTAssertGreaterThan(kl, 0)
        XCTAssertLessThan(elbo, 784 * log(2.0), "better than a coin per pixel after 3 epochs")
        let bound = try XCTUnwrap(va["negative_log_likelihood"] as? Double)
        XCTAssertLessThanOrEqual(bound, elbo, "log p(x) ≥ IWAE bound ≥ ELBO")
        XCTAssertEqual(va["samples"] as? Int, 50)
        XCTAssertEqual((va["unit_variances"] as? [Double])?.count, 20)
        XCTAssertNotNil(va["active_units"] as? Int)
        XCTAssertEqual(a["code_size"] as? Int, 20)
        XCTAssertNotNil((a["pca"] as? [String: Any])?["test_mse"] as? Double)
        for text in ["test −ELBO", "importance-weighted bound, 50 samples", "active units", "PCA, 20 components"] {
            XCTAssertTrue(resumed.stdout.contains(text), text + "\n" + resumed.stdout)
        }
        let dir = out1 + "/resumed/\(run)"
        for name in ["samples", "traversals"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/\(name).svg"), name)
            let png = try PNG.read(dir + "/\(name).png")
            XCTAssertGreaterThan(png.width, 10 * 56, name)
        }
        let active = try XCTUnwrap(va["active_units"] as? Int)
        let traversals = try String(contentsOfFile: dir + "/traversals.svg", encoding: .utf8)
        XCTAssertEqual(traversals.components(separatedBy: "(var ").count - 1, active, "one labelled row per active unit")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/manifold.png"), "a 20-unit code has no 2-D manifold")
        // --beta is part of the model: a checkpoint of β = 1 does not resume with β = 4.
        let other = try Support.descent(common.map { $0 == "1" ? "4" : $0 } + ["--epochs", "4", "--resume", checkpoint,
                                                                              "--out", Support.temporaryFolder()])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("descent: error:") && other.stderr.contains("beta"), other.stderr)
        let plain = try Support.descent(["autoencoder", "--data-dir", data, "--model", "seed-ae", "--beta", "2", "--epochs", "0",
                                         "--out", Support.temporaryFolder()])
        XCTAssertEqual(plain.status, 1)
        XCTAssertTrue(plain.stderr.contains("--beta: the model has no gaussian layer"), plain.stderr)
    }

    /// An untrained network whose encoder's last layer is zeroed gives μ = 0 and log σ² = 0
    /// for every image: q(z|x) is the prior, the KL is exactly 0, and the importance weights are
    /// p(x|z), so the bound is log mean p(x|z_s) ≥ mean log p(x|z_s), the ELBO (Jensen).
    func testKLIsZeroAtThePriorAndTheBoundIsAtLeastTheELBO() throws {
        let data = try Support.fashionSlice(train: 200, test: 100)
        let model = "1x28x28: linear(32), relu, linear(8), gaussian(4) | linear(32), relu, linear(784); loss=bernoulli"
        let net = try Network(try ModelSpec.parse(model), seed: 0)
        var tensors: [String: Tensor] = [:]
        for p in net.parameters {
            if p.name.hasPrefix("layers.2.") { p.value.fill(0) }
            tensors[p.name] = p.value
        }
        let folder = Support.temporaryFolder()
        try SafeTensors.write(tensors, to: folder + "/prior.safetensors")
        let r = try Support.descent(["autoencoder", "--data-dir", data, "--model", model, "--corruption", "0", "--epochs", "0",
                                     "--init-from", folder + "/prior.safetensors", "--iwae-samples", "200", "--probe-epochs", "0",
                                     "--no-pca", "--no-pictures", "--threads", "1", "--out", folder])
        XCTAssertEqual(r.status, 0, r.stderr)
        let run = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: folder).first { $0.hasPrefix("ae_") })
        let v = try XCTUnwrap(try metrics(folder + "/\(run)/metrics.json")["variational"] as? [String: Any])
        XCTAssertEqual(v["kl"] as? Double, 0)
        XCTAssertEqual(v["active_units"] as? Int, 0)
        let elbo = try XCTUnwrap(v["negative_elbo"] as? Double), bound = try XCTUnwrap(v["negative_log_likelihood"] as? Double)
        XCTAssertEqual(elbo, try XCTUnwrap(v["reconstruction"] as? Double))
        XCTAssertLessThanOrEqual(bound, elbo)
    }

    func testTwoUnitCodeDrawsTheManifoldBesideTheCodes() throws {
        let data = try Support.fashionSlice(train: 300, test: 100)
        let out = Support.temporaryFolder()
        let r = try Support.descent(["autoencoder", "--data-dir", data, "--model", "784: linear(64), relu, linear(4), gaussian(2) | linear(64), relu, linear(784); loss=bernoulli",
                                     "--corruption", "0", "--epochs", "1", "--iwae-samples", "5", "--probe-epochs", "0", "--no-pca",
                                     "--threads", "1", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let run = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: out).first { $0.hasPrefix("ae_") })
        let svg = try String(contentsOfFile: out + "/\(run)/manifold.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains("decoded over the prior") && svg.contains("Ankle boot"), "the manifold beside the class map")
        let png = try PNG.read(out + "/\(run)/manifold.png")
        XCTAssertGreaterThan(png.width, 20 * 29 + 320)
    }

    /// A gaussian code trained on the MSE trains (with its KL penalty) but reports no ELBO: its
    /// decoder's outputs are pixels, not the logits of a likelihood.
    func testGaussianCodeOnTheMSEHasNoELBO() throws {
        let data = try Support.fashionSlice(train: 100, test: 50)
        let out = Support.temporaryFolder()
        let r = try Support.descent(["autoencoder", "--data-dir", data, "--model", "784: linear(8), gaussian(4) | linear(784), sigmoid; loss=mse",
                                     "--corruption", "0", "--epochs", "1", "--probe-epochs", "0", "--no-pca", "--no-pictures",
                                     "--threads", "1", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stdout.contains("test −ELBO"), r.stdout)
        let run = try XCTUnwrap(try FileManager.default.contentsOfDirectory(atPath: out).first { $0.hasPrefix("ae_") })
        let m = try metrics(out + "/\(run)/metrics.json")
        XCTAssertNil(m["variational"])
        XCTAssertNotNil((m["history"] as? [[String: Any]])?.first?["penalty"] as? Double, "the KL penalty is trained and reported")
    }

    func testNormalQuantiles() {
        XCTAssertEqual(VariationalPictures.normalQuantile(0.975), 1.959963985, accuracy: 1e-8)
        XCTAssertEqual(VariationalPictures.normalQuantile(0.5), 0, accuracy: 1e-12)
        XCTAssertEqual(VariationalPictures.normalQuantile(0.001), -3.090232306, accuracy: 1e-8)
        XCTAssertEqual(VariationalPictures.normalQuantile(0.3), -VariationalPictures.normalQuantile(0.7), accuracy: 1e-9)
        XCTAssertEqual(VariationalPictures.quantiles(4).count, 4)
    }

    func testFMNISTVAETrainsAnEpoch() throws {
        let data = try Support.fashionSlice(train: 100, test: 50)
        let out = Support.temporaryFolder()
        let r = try Support.descent(["autoencoder", "--data-dir", data, "--model", "fmnist-vae", "--corruption", "0", "--epochs", "1",
                                     "--optimizer", "adam", "--iwae-samples", "10", "--probe-epochs", "0", "--no-pictures",
                                     "--threads", "2", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let m = try metrics(out + "/ae_fashion-mnist_fmnist-vae_cr0_adam_e1_s0/metrics.json")
        let v = try XCTUnwrap(m["variational"] as? [String: Any])
        XCTAssertEqual((v["unit_variances"] as? [Double])?.count, 8)
        XCTAssert((v["negative_elbo"] as? Double ?? .nan).isFinite)
    }
}
