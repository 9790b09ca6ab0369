import XCTest
@testable import Descent

/// Issue #12 item 2: every record is checked when read; a record that fails is rejected,
/// named with its line, and not counted (the sweep redoes its run).
final class RecordCheckTests: XCTestCase {
    var fixture: String { Support.fixtures.appendingPathComponent("results/results.jsonl").path }

    func valid() throws -> RunRecord {
        let r = try ResultsStore(path: fixture).read().records[0]
        XCTAssertNil(r.problem)
        return r
    }

    /// Each kind of damage is caught, with a reason that says what is wrong.
    func testEachDamageIsCaught() throws {
        let good = try valid()
        let damages: [(String, (inout RunRecord) -> Void, String)] = [
            ("key of another run", { $0.key = "0123456789abcdef" }, "is not the key of its configuration and seed"),
            ("seed changed under its key", { $0.seed = 7 }, "is not the key"),
            ("config changed under its key", { $0.config.epochs = 20 }, "is not the key"),
            ("finished with fewer epochs", { $0.epochs.removeLast() }, "finished with 2 of its 3 epochs"),
            ("accuracy above 1", { $0.epochs[1].testAccuracy = 1.7 }, "test accuracy 1.7 is outside [0, 1] at epoch 2"),
            ("negative accuracy", { $0.epochs[0].testAccuracy = -0.1 }, "outside [0, 1]"),
            ("no accuracy", { $0.epochs[0].testAccuracy = nil }, "no test accuracy at epoch 1"),
            ("negative test loss", { $0.epochs[2].testLoss = -1 }, "test loss -1.0 is not a finite number ≥ 0 at epoch 3"),
            ("infinite training loss", { $0.epochs[0].trainLoss = .infinity }, "training loss inf"),
            ("NaN training loss", { $0.epochs[0].trainLoss = .nan }, "training loss nan"),
            ("negative seconds", { $0.epochs[0].seconds = -2 }, "seconds -2.0"),
            ("epochs out of order", { $0.epochs.swapAt(0, 1) }, "epoch 1 is numbered 2"),
            ("diverged with every epoch", { $0.status = .diverged }, "diverged, but has all 3 of its 3 epochs"),
            ("negative total seconds", { $0.totalSeconds = -1 }, "total seconds"),
            ("fingerprint not a digest", { $0.data = RunData(fingerprint: "abc", trainImages: 6000, testImages: 10) }, "not a SHA-256"),
            ("trained on other than its limit", { $0.data = RunData(fingerprint: String(repeating: "a", count: 64), trainImages: 4000, testImages: 10) },
             "trained on 4000 images, but its train limit is 6000"),
        ]
        for (name, damage, reason) in damages {
            var r = good
            damage(&r)
            XCTAssertTrue(r.problem?.contains(reason) ?? false, "\(name): \(r.problem ?? "accepted")")
        }
        var ok = good
        ok.data = RunData(fingerprint: String(repeating: "0", count: 64), trainImages: 6000, testImages: 10)
        XCTAssertNil(ok.problem, "a record with its data is valid")
    }

    /// A damaged line is rejected and named by its line number; the valid lines are kept,
    /// and a later valid record of the same run is the one used (the redone run).
    func testStoreRejectsAndNamesDamagedLines() throws {
        let path = Support.temporaryFolder() + "/results.jsonl"
        let records = try ResultsStore(path: fixture).read().records
        var bad = records[0]
        bad.epochs[1].testAccuracy = 1.7
        let store = ResultsStore(path: path)
        try store.append(bad)
        try store.append(records[1])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let huge = text.split(separator: "\n")[1].replacingOccurrences(of: "\"test_loss\":", with: "\"test_loss\":1e999,\"x\":")
        try FileBytes.write(Array((text + "{\"key\": 1}\n[1, 2]\n" + huge + "\n").utf8), to: path)
        try store.append(records[0])
        let c = try store.read()
        XCTAssertEqual(c.records.map(\.key), [records[1].key, records[0].key])
        XCTAssertEqual(c.records[1].epochs[1].testAccuracy, records[0].epochs[1].testAccuracy)
        XCTAssertEqual(c.rejected.map(\.line), [1, 3, 4, 5])
        XCTAssertTrue(c.rejected[0].reason.contains("test accuracy 1.7"), c.rejected[0].reason)
        XCTAssertEqual(c.rejected[1].reason, "not a run record: bad key")
        XCTAssertEqual(c.rejected[2].reason, "not a JSON object")
        XCTAssertEqual(c.rejected[3].reason, "not valid JSON (or a number out of range)")
        let summary = try XCTUnwrap(c.rejectedSummary())
        XCTAssertTrue(summary.hasPrefix("4 rejected line(s): \(path) line 1: test accuracy 1.7"), summary)
    }

    /// The same key on other data is another run; the same key on the same data a repeat.
    func testRunsAreKeyAndData() throws {
        let r = try valid()
        var a = r, b = r
        a.data = RunData(fingerprint: String(repeating: "a", count: 64), trainImages: 6000, testImages: 10)
        b.data = RunData(fingerprint: String(repeating: "b", count: 64), trainImages: 6000, testImages: 10)
        let path = Support.temporaryFolder() + "/results.jsonl"
        for x in [a, b, a] { try ResultsStore(path: path).append(x) }
        let c = try ResultsStore(path: path).read()
        XCTAssertEqual(c.records.count, 2)
        XCTAssertEqual(c.duplicates, 1)
        XCTAssertTrue(a.isRun(on: DataFingerprint(files: Array(repeating: "x", count: 4)), isCatalogue: { _ in true }) == false)
        // A record from before fingerprints is a run on its dataset's catalogue files.
        XCTAssertTrue(r.isRun(on: DataFingerprint(files: Array(repeating: "x", count: 4)), isCatalogue: { $0 == .fashionMNIST }))
        XCTAssertFalse(r.isRun(on: DataFingerprint(files: Array(repeating: "x", count: 4)), isCatalogue: { _ in false }))
        XCTAssertEqual(r.dataFingerprint, DataFingerprint.catalogue(.fashionMNIST)?.value)
    }

    /// Every record of the committed comparison passes the checks.
    func testCommittedComparisonRecordsAreTrusted() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../docs/comparison/results.jsonl").standardized.path
        guard FileBytes.exists(path) else { throw Support.skip("no docs/comparison") }
        let c = try ResultsStore(path: path).read()
        XCTAssertEqual(c.records.count, 18)
        XCTAssertEqual(c.rejected, [])
    }
}
