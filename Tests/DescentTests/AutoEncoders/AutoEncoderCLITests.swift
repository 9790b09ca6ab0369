import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import Descent
import DescentReport

/// Runs `descent autoencoder` / `descent stacked` on a small Fashion-MNIST slice.
final class AutoEncoderCLITests: XCTestCase {
    /// Runs `descent <arguments> --threads 1 --out <a fresh folder>`, fails the test unless it
    /// succeeds, and returns its output, the folder of its run (`run`, inside the out folder)
    /// and that run's metrics.json.
    private func descentRun(_ arguments: [String], run: String, test: String = #function,
                            file: StaticString = #filePath, line: UInt = #line)
        throws -> (output: Support.Output, dir: String, metrics: [String: Any]) {
        let out = Support.temporaryFolder(test)
        let r = try Support.descent(arguments + ["--threads", "1", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        let dir = out + "/" + run
        let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/metrics.json")))
        return (r, dir, try XCTUnwrap(metrics as? [String: Any], file: file, line: line))
    }

    func testHelpDocumentsTheOptions() throws {
        let r = try Support.descent(["autoencoder", "--help"])
        XCTAssertEqual(r.status, 0)
        for option in ["--hidden", "--activation", "--code-activation", "--loss", "--dropout", "--corruption", "--inverted-masking",
                       "--tied", "--sparsity-weight", "--resume"] {
            XCTAssertTrue(r.stdout.contains(option), option)
        }
        let s = try Support.descent(["stacked", "--help"])
        for option in ["--model", "--pretrain-epochs", "--finetune-epochs", "--no-pretrain"] {
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
        // Clean-input and matched-input (masked as in training) errors, labelled, beside PCA and the mean image.
        let clean = try XCTUnwrap(metrics["test_mse_clean_input"] as? Double)
        let matched = try XCTUnwrap(metrics["test_mse_matched_input"] as? Double)
        XCTAssertNotEqual(clean, matched)
        XCTAssertEqual(metrics["matched_input"] as? String, "masked (p = 0.3)")
        XCTAssertNotNil(metrics["test_mse_scaled_input"] as? Double)
        XCTAssertNotNil(metrics["mean_image_baseline_test_mse"] as? Double)
        XCTAssertNotNil(metrics["wall_seconds"] as? Double)
        XCTAssertEqual(metrics["code_size"] as? Int, 16)
        for label in ["autoencoder, clean input", "autoencoder, masked (p = 0.3) input", "PCA, 16 components", "mean image"] {
            XCTAssertTrue(r.stdout.contains(label), label)
        }
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
        let (_, dir, metrics) = try descentRun(["stacked", "--data-dir", data, "--model", "784-36-9", "--pretrain-epochs", "1",
                                                "--finetune-epochs", "1", "--probe-epochs", "1"],
                                               run: "sae_fashion-mnist_784-36-9_sigmoid_do0_cr.3_adam_pre1_ft1_s0")
        let deep = try PNG.read(dir + "/level1_pixelspace.png")
        XCTAssertEqual([deep.width, deep.height], [3 * 56 + 2, 3 * 56 + 2])
        XCTAssertEqual((metrics["pretraining"] as? [Any])?.count, 2)
        XCTAssertNotNil(metrics["test_mse_after_pretraining"] as? Double)
        let bad = try Support.descent(["stacked", "--data-dir", data, "--model", "700-10"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--model 700-10") || bad.stderr.contains("--model starts with 700"), bad.stderr)
    }

    /// `--loss bce --code-activation identity`: logits out, pixel-space MSE reported per epoch and
    /// at the end, a linear code; a 2-value code draws the code map beside PCA's.
    func testStackedBCEWithLinearTwoValueCodeDrawsTheCodeMap() throws {
        let data = try Support.fashionSlice(train: 400, test: 120)
        let (r, dir, metrics) = try descentRun(["stacked", "--data-dir", data, "--model", "784-20-2", "--code-activation", "identity",
                                                "--loss", "bce", "--corruption", "0", "--pretrain-epochs", "1", "--finetune-epochs", "1",
                                                "--probe-epochs", "1"],
                                               run: "sae_fashion-mnist_784-20-2_sigmoid_codeidentity_do0_cr0_bce_adam_pre1_ft1_s0")
        XCTAssertTrue((metrics["model"] as? String)?.hasSuffix("linear(2) | linear(20), sigmoid, linear(784); loss=bce") == true, "\(metrics["model"] ?? "")")
        XCTAssertEqual(metrics["loss"] as? String, "bce")
        let clean = try XCTUnwrap(metrics["test_mse_clean_input"] as? Double)
        let bce = try XCTUnwrap(metrics["test_loss"] as? Double)
        XCTAssertLessThan(clean, 0.2)
        XCTAssertGreaterThan(bce, clean)  // the loss and the pixel MSE are told apart
        XCTAssertEqual(metrics["test_mse_matched_input"] as? Double, clean)  // trained on clean inputs
        XCTAssertEqual(metrics["matched_input"] as? String, "clean")
        let history = try XCTUnwrap(metrics["history"] as? [[String: Any]])
        XCTAssertEqual(history.last?["test_mse"] as? Double, clean)
        XCTAssertEqual((metrics["pretraining"] as? [[String: Any]])?.map { $0["loss"] as? String }, ["bce", "mse"])
        XCTAssertTrue(r.stdout.contains("train_bce   test_bce   test_mse"), r.stdout)
        // The code map: well-formed SVG, one disc per test image (≤ 500 per class) in each of the two panels, and the legend.
        let svg = try String(contentsOfFile: dir + "/code-map.svg", encoding: .utf8)
        XCTAssertTrue(XMLParser(data: Data(svg.utf8)).parse())
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 2 * 120 + 10)
        for name in ["T-shirt/top", "Ankle boot", "PCA", "autoencoder"] { XCTAssertTrue(svg.contains(name), name) }
        XCTAssertEqual((metrics["pictures"] as? [String])?.filter { $0.hasPrefix("code-map") }, ["code-map.svg", "code-map.png"])
        let png = try PNG.read(dir + "/code-map.png")  // rasterised at the SVG's own size
        XCTAssertTrue(svg.contains("width=\"\(png.width)\" height=\"\(png.height)\""), "\(png.width)×\(png.height)")
    }

    /// `--inverted-masking`: its own folder and run configuration; the matched input is the
    /// inverted masked one, and no scaled-input error is reported (clean inputs already match in expectation).
    func testInvertedMaskingRun() throws {
        let data = try Support.fashionSlice(train: 300, test: 100)
        let (_, dir, metrics) = try descentRun(["autoencoder", "--data-dir", data, "--hidden", "8", "--corruption", "0.3",
                                                "--inverted-masking", "--epochs", "1", "--probe-epochs", "0", "--no-pictures"],
                                               run: "ae_fashion-mnist_h8_sigmoid_do0_cr.3inv_adam_e1_s0")
        XCTAssertEqual(metrics["inverted_masking"] as? Bool, true)
        XCTAssertEqual(metrics["matched_input"] as? String, "masked (p = 0.3, inverted)")
        XCTAssertNil(metrics["test_mse_scaled_input"])
        XCTAssertNotNil(metrics["test_mse_matched_input"] as? Double)
        let (_, meta) = try SafeTensors.read(dir + "/model.safetensors")
        XCTAssertTrue(meta["run"]?.contains("\"inverted_masking\":true") == true, meta["run"] ?? "")
    }

    /// MNIST from `--data-dir` (there is no real MNIST on the test machine): small IDX files
    /// written here load as `--dataset mnist`, with MNIST's class names in the code map.
    func testMNISTFromDataDir() throws {
        let dir = Support.temporaryFolder()
        try writeDataset(train: syntheticSet(count: 200, height: 28, width: 28), test: syntheticSet(count: 50, height: 28, width: 28),
                         to: dir, gzip: true)
        let (r, run, metrics) = try descentRun(["stacked", "--dataset", "mnist", "--data-dir", dir, "--offline", "--model", "784-12-2",
                                                "--code-activation", "identity", "--loss", "bce", "--corruption", "0",
                                                "--pretrain-epochs", "1", "--finetune-epochs", "1", "--probe-epochs", "1"],
                                               run: "sae_mnist_784-12-2_sigmoid_codeidentity_do0_cr0_bce_adam_pre1_ft1_s0")
        XCTAssertTrue(r.stdout.hasPrefix("mnist: 200 train / 50 test images"), r.stdout)
        XCTAssertEqual(metrics["dataset"] as? String, "mnist")
        XCTAssertNotNil(metrics["test_mse_clean_input"] as? Double)
        let svg = try String(contentsOfFile: run + "/code-map.svg", encoding: .utf8)
        XCTAssertTrue(svg.contains(">9</text>"))
    }
}

