import Descent
import Foundation
import XCTest

/// The "Writing your own layer" article's example is a separate package, `Examples/Swish`,
/// that depends on Descent by path and edits nothing in it: it builds, its own tests pass
/// (finite-difference gradients), and its `descent-swish` — the whole command line plus
/// `swish` — trains with the layer in `--model`, lists it in `--help`, saves it in a
/// checkpoint and evaluates it, while PyTorch, given the package's torch form
/// (`swish_torch.py`), rebuilds the checkpoint and gets the same accuracy.
final class ExamplePackageTests: XCTestCase {
    static let package = Support.repositoryRoot + "/Examples/Swish"

    /// Runs `arguments[0]`, looked up in PATH, to completion.
    func run(_ arguments: [String]) throws -> Support.Output { try Support.run("/usr/bin/env", arguments) }

    func testSwishPackageBuildsTrainsEvaluatesAndLoadsInPyTorch() throws {
        let build = try run(["swift", "build", "--package-path", Self.package, "--build-tests"])
        XCTAssertEqual(build.status, 0, String((build.stdout + build.stderr).suffix(3000)))
        let tests = try run(["swift", "test", "--package-path", Self.package, "--skip-build", "--disable-swift-testing"])
        XCTAssertEqual(tests.status, 0, String((tests.stdout + tests.stderr).suffix(3000)))
        XCTAssertTrue((tests.stdout + tests.stderr).contains("Executed 3 tests, with 0 failures"), tests.stdout + tests.stderr)
        let binPath = try run(["swift", "build", "--package-path", Self.package, "--show-bin-path"])
        let swish = binPath.stdout.trimmingCharacters(in: .whitespacesAndNewlines) + "/descent-swish"
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: swish), swish)

        let help = try run([swish, "train", "--help"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("swish(beta=1.0)"), help.stdout)

        let data = try Support.fashionSlice(train: 3000, test: 1000)
        let out = Support.temporaryFolder("swish-run")
        let model = "784: linear(64), swish, linear(10)"
        let train = try run([swish, "train", "--data-dir", data, "--model", model, "--epochs", "2", "--seed", "1",
                             "--threads", "1", "--out", out, "--json"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let checkpointPath = out + "/model.safetensors"
        let checkpoint = try Checkpoint.read(checkpointPath)
        let beta = try XCTUnwrap(checkpoint.tensors["layers.1.beta"]?.toArray())
        XCTAssertEqual(beta.count, 1)
        XCTAssertNotEqual(beta, [1], "β is trained")

        let e = try run([swish, "evaluate", checkpointPath, "--data-dir", data, "--out", Support.temporaryFolder("swish-eval"), "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        let ours = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        let accuracy = try XCTUnwrap(ours["accuracy"] as? Double)
        XCTAssertGreaterThan(accuracy, 0.65, "2 epochs on 3000 Fashion-MNIST images (chance: 0.1)")

        let torch = try InteropTests.python("descent_checkpoint.py", [checkpointPath, "--data-dir", data, "--backend", "torch", "--json",
                                                                      "--layers", Self.package + "/swish_torch.py"])
        XCTAssertEqual(torch["accuracy"] as? Double, accuracy, "PyTorch with swish_torch.py")
        XCTAssertEqual(try XCTUnwrap(torch["loss"] as? Double), try XCTUnwrap(ours["loss"] as? Double), accuracy: 1e-5)
        XCTAssertThrowsError(try InteropTests.python("descent_checkpoint.py", [checkpointPath, "--data-dir", data, "--json"])) { error in
            XCTAssertTrue("\(error)".contains("'swish' has no torch form here"), "\(error)")
        }

        // The plain `descent` does not know the layer, and says so in one line.
        let plain = try Support.descent(["evaluate", checkpointPath, "--data-dir", data])
        XCTAssertEqual(plain.status, 1)
        XCTAssertTrue(plain.stderr.contains("unknown layer 'swish'"), plain.stderr)
    }
}
