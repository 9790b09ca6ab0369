import Foundation
import XCTest
@testable import Descent

/// `descent train --dataset cifar10 --model cifar10-3c3d` and CIFAR-100's `--label`, on
/// archives in the official layout written here and found as a cached dataset would be
/// (`DESCENT_DATA_DIR/<name>/`); downloads go to a file:// mirror.
final class CIFARCLITests: XCTestCase {
    func environment(_ root: String) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["DESCENT_DATA_DIR"] = root + "/data"
        env["XDG_CACHE_HOME"] = root + "/cache"
        env["DESCENT_MIRRORS"] = "file://" + root + "/mirror/"
        return env
    }

    func testCIFAR10TrainsAndEvaluatesWith3c3d() throws {
        let root = try makeTemporaryDirectory(self)
        try FileBytes.makeDirectories(root + "/data/cifar10")
        try FileBytes.write(try DataCIFARTests.cifar10Archive(perBatch: 8, test: 10), to: root + "/data/cifar10/cifar-10-binary.tar.gz")
        let out = root + "/run"
        let r = try Support.descent(["train", "--dataset", "cifar10", "--model", "cifar10-3c3d", "--epochs", "1", "--batch-size", "10",
                                     "--weight-decay", "0.002", "--threads", "1", "--offline", "--out", out, "--json"], environment: environment(root))
        XCTAssertEqual(r.status, 0, r.stderr)
        let checkpoint = try Checkpoint.read(out + "/model.safetensors")
        XCTAssertEqual(checkpoint.tensors["layers.0.weight"]?.shape, [64, 3, 5, 5])
        XCTAssertEqual(checkpoint.tensors["layers.10.weight"]?.shape, [512, 1152], "3×3×128 after the third pooling")
        XCTAssertTrue(checkpoint.metadata["run"]?.contains(#""dataset":"cifar10""#) == true)
        let e = try Support.descent(["evaluate", out + "/model.safetensors", "--json"], environment: environment(root))
        XCTAssertEqual(e.status, 0, e.stderr)
        let evaluation = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(evaluation["test_images"] as? Int, 10)
        XCTAssertNotNil((evaluation["per_class_accuracy"] as? [String: Any])?["airplane"])
    }

    func testCIFAR100CoarseLabelsAreRecordedAndEvaluated() throws {
        let root = try makeTemporaryDirectory(self)
        try FileBytes.makeDirectories(root + "/data/cifar100")
        let entries = [("cifar-100-binary/train.bin", DataCIFARTests.records(20) { [UInt8($0 % 20), UInt8(99 - $0)] }),
                       ("cifar-100-binary/test.bin", DataCIFARTests.records(6) { [UInt8($0), UInt8($0)] })]
        try FileBytes.write(try Gzip.compress(tarArchive(entries)), to: root + "/data/cifar100/cifar-100-binary.tar.gz")
        let out = root + "/run"
        let args = ["train", "--dataset", "cifar100", "--model", "flatten, linear(20)", "--epochs", "1", "--threads", "1", "--offline", "--json"]
        let r = try Support.descent(args + ["--label", "coarse", "--out", out], environment: environment(root))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(try Checkpoint.read(out + "/model.safetensors").metadata["run"]?.contains(#""labels":"coarse""#) == true)
        let e = try Support.descent(["evaluate", out + "/model.safetensors", "--json"], environment: environment(root))
        XCTAssertEqual(e.status, 0, e.stderr)
        let evaluation = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((evaluation["per_class_accuracy"] as? [String: Any])?.keys.sorted(), CIFARBinary.coarseNames.sorted())
        // Fine labels go up to 99: a 20-class model refuses them.
        let fine = try Support.descent(args, environment: environment(root))
        XCTAssertNotEqual(fine.status, 0)
        XCTAssertTrue(fine.stderr.contains("20 classes, but the training labels in cifar100 go up to 99"), fine.stderr)
        for (extra, message) in [(["--label", "medium"], "--label must be fine or coarse, got 'medium'"),
                                 (["--label", "coarse", "--dataset", "cifar10"], "--label coarse: these data have one kind of label")] {
            let bad = try Support.descent(args + extra, environment: environment(root))
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
            XCTAssertTrue(bad.stderr.contains(message), bad.stderr)
        }
    }

    /// A mirror serving another archive under the official name: refused by its SHA-256, one line, nothing cached.
    func testDownloadIsVerified() throws {
        let root = try makeTemporaryDirectory(self)
        try FileBytes.makeDirectories(root + "/mirror")
        try FileBytes.write(try DataCIFARTests.cifar10Archive(), to: root + "/mirror/cifar-10-binary.tar.gz")
        let r = try Support.descent(["train", "--dataset", "cifar10", "--model", "cifar10-3c3d", "--epochs", "1"], environment: environment(root))
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("descent: error: cifar-10-binary.tar.gz: download into") && r.stderr.contains("SHA-256 mismatch"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/cache/descent/cifar10"), [])
    }
}
