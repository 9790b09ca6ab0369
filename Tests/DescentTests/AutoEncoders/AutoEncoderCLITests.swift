import Foundation
import XCTest
@testable import Descent
import DescentReport

/// Runs `descent autoencoder` / `descent stacked` on a small Fashion-MNIST slice.
final class AutoEncoderCLITests: XCTestCase {
    func testHelpDocumentsTheOptions() throws {
        let r = try Support.descent(["autoencoder", "--help"])
        XCTAssertEqual(r.status, 0)
        for option in ["--hidden", "--activation", "--dropout", "--corruption", "--tied", "--sparsity-weight", "--resume"] {
            XCTAssertTrue(r.stdout.contains(option), option)
        }
        let s = try Support.descent(["stacked", "--help"])
        for option in ["--layers", "--pretrain-epochs", "--finetune-epochs", "--no-pretrain"] {
            XCTAssertTrue(s.stdout.contains(option), option)
        }
    }

    func testAutoEncoderWritesMetricsPicturesAndACheckpointAndResumes() throws {
        let data = try Support.fashionSlice(train: 600, test: 200)
        let out = Support.temporaryFolder()
        let args = ["autoencoder", "--data-dir", data, "--hidden", "16", "--activation", "sigmoid", "--dropout", "0.1",
                    "--corruption", "0.3", "--optimizer", "adam", "--probe-epochs", "2", "--threads", "1", "--out", out]
        let r = try Support.descent(args + ["--epochs", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let dir = out + "/ae_fashion-mnist_h16_sigmoid_do.1_cr.3_adam_e2_s0"
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/metrics.json"))) as! [String: Any]
        XCTAssertEqual((metrics["history"] as? [Any])?.count, 2)
        XCTAssertNotNil(metrics["test_mse"] as? Double)
        XCTAssertNotNil((metrics["probe"] as? [String: Any])?["test_accuracy"] as? Double)
        XCTAssertNotNil((metrics["pca"] as? [String: Any])?["test_mse"] as? Double)
        for png in ["encoder.png", "decoder.png", "reconstructions.png", "pca.png"] {
            let image = try PNG.read(dir + "/" + png)
            XCTAssertGreaterThan(image.width, 28, png)
        }
        // Encoder filters: 16 tiles as 4 × 4, 56 px each, 1-px spacing.
        let enc = try PNG.read(dir + "/encoder.png")
        XCTAssertEqual([enc.width, enc.height], [4 * 56 + 3, 4 * 56 + 3])
        let (tensors, meta) = try SafeTensors.read(dir + "/model.safetensors")
        XCTAssertEqual(meta["epochs_done"], "2")
        XCTAssertEqual(tensors["layers.0.weight"]?.shape, [16, 784])
        XCTAssertEqual(tensors["optimizer/layers.0.weight.exp_avg"]?.shape, [16, 784])  // Adam state travels too
        // Resume to 3 epochs from the 2-epoch checkpoint.
        let out2 = Support.temporaryFolder()
        let r2 = try Support.descent(["autoencoder", "--data-dir", data, "--hidden", "16", "--dropout", "0.1",
                                      "--probe-epochs", "0", "--no-pca", "--no-pictures", "--threads", "1", "--out", out2,
                                      "--epochs", "3", "--resume", dir + "/model.safetensors"])
        XCTAssertEqual(r2.status, 0, r2.stderr)
        XCTAssertTrue(r2.stdout.contains("resumed"), r2.stdout)
        let m2 = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out2 + "/ae_fashion-mnist_h16_sigmoid_do.1_cr.3_adam_e3_s0/metrics.json"))) as! [String: Any]
        XCTAssertEqual((m2["history"] as? [[String: Any]])?.map { $0["epoch"] as? Int }, [1, 2, 3])
        // …and equals an uninterrupted 3-epoch run.
        let out3 = Support.temporaryFolder()
        let r3 = try Support.descent(["autoencoder", "--data-dir", data, "--hidden", "16", "--dropout", "0.1",
                                      "--probe-epochs", "0", "--no-pca", "--no-pictures", "--threads", "1", "--out", out3, "--epochs", "3"])
        XCTAssertEqual(r3.status, 0, r3.stderr)
        let m3 = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out3 + "/ae_fashion-mnist_h16_sigmoid_do.1_cr.3_adam_e3_s0/metrics.json"))) as! [String: Any]
        let last2 = (m2["history"] as! [[String: Any]])[2], last3 = (m3["history"] as! [[String: Any]])[2]
        XCTAssertEqual(last2["test_loss"] as? Double, last3["test_loss"] as? Double)
        XCTAssertEqual(last2["train_loss"] as? Double, last3["train_loss"] as? Double)
        // A checkpoint of other options is refused with the first difference, and so is a finished one.
        let other = try Support.descent(["autoencoder", "--data-dir", data, "--hidden", "16", "--dropout", "0.1", "--corruption", "0.2",
                                         "--probe-epochs", "0", "--no-pca", "--no-pictures", "--threads", "1", "--out", Support.temporaryFolder(),
                                         "--epochs", "4", "--resume", dir + "/model.safetensors"])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("corruption = 0.3"), other.stderr)
        let done = try Support.descent(["autoencoder", "--data-dir", data, "--hidden", "16", "--dropout", "0.1",
                                        "--probe-epochs", "0", "--no-pca", "--no-pictures", "--threads", "1", "--out", Support.temporaryFolder(),
                                        "--epochs", "2", "--resume", dir + "/model.safetensors"])
        XCTAssertEqual(done.status, 1)
        XCTAssertTrue(done.stderr.contains("already been trained for 2 epoch(s)"), done.stderr)
    }

    func testStackedWritesDeepUnitPictures() throws {
        let data = try Support.fashionSlice(train: 500, test: 100)
        let out = Support.temporaryFolder()
        let r = try Support.descent(["stacked", "--data-dir", data, "--layers", "784,36,9", "--pretrain-epochs", "1",
                                     "--finetune-epochs", "1", "--probe-epochs", "1", "--threads", "1", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        let dir = out + "/sae_fashion-mnist_784-36-9_sigmoid_do0_cr.3_adam_pre1_ft1_s0"
        let deep = try PNG.read(dir + "/level1_pixelspace.png")
        XCTAssertEqual([deep.width, deep.height], [3 * 56 + 2, 3 * 56 + 2])
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/metrics.json"))) as! [String: Any]
        XCTAssertEqual((metrics["pretraining"] as? [Any])?.count, 2)
        XCTAssertNotNil(metrics["test_mse_after_pretraining"] as? Double)
        let bad = try Support.descent(["stacked", "--data-dir", data, "--layers", "700,10"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--layers"), bad.stderr)
    }
}
