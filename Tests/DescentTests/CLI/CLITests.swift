import XCTest
@testable import Descent

/// Runs the built `descent` binary.
final class CLITests: XCTestCase {
    func testHelpListsEveryOptimizer() throws {
        let r = try Support.descent(["train", "--help"])
        XCTAssertEqual(r.status, 0)
        let help = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let names = Registry.builtIn.optimizers.map(\.rawValue).joined(separator: ", ")
        XCTAssertTrue(help.contains("(values: \(names); default: adam)"), help)
        // Every hyper-parameter that has a flag is listed with the rules that use it.
        XCTAssertTrue(help.contains("--momentum <momentum> Momentum (momentum, rmsprop, muon)."), help)
        // A rule's own hyper-parameters (not fields of OptimizerConfig) are listed too, with their rules.
        XCTAssertTrue(help.contains("--momentum-decay <momentumDecay>: Momentum decay ψ of the μ schedule (nadam, nadamw)."), help)
        for p in HyperParameter.builtIn {
            guard let flag = p.flag else { continue }
            XCTAssertTrue(help.contains(flag + (p.isFlag ? " " : " <")), flag)
            XCTAssertTrue(help.contains(p.help), p.help)
        }
    }

    func testTrainPrintsJSONLinesWithTheDocumentedKeys() throws {
        let dir = try Support.fashionSlice(train: 1000, test: 200)
        let out = Support.temporaryFolder()
        let r = try Support.descent(["train", "--data-dir", dir, "--model", "784-32-10", "--optimizer", "adam",
                                     "--epochs", "2", "--seed", "0", "--json", "--out", out, "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        for (i, line) in lines.enumerated() {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertEqual(Set(object.keys), ["epoch", "train_loss", "test_loss", "test_accuracy", "seconds"])
            XCTAssertEqual(object["epoch"] as? Int, i + 1)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/metrics.jsonl"))
    }

    func testBadInputsGiveOneLineErrorsAndNonZeroExit() throws {
        let dir = try Support.fashionSlice(train: 100, test: 50)
        let cases: [([String], String)] = [
            (["train", "--optimizer", "adabelief"], "adabelief"),
            (["train", "--lr", "-1", "--data-dir", dir], "lr"),
            (["train", "--lr", "nan", "--data-dir", dir], "lr"),
            (["train", "--model", "784-x-10", "--data-dir", dir], "784-x-10"),
            (["train", "--epochs", "0", "--data-dir", dir], "epochs"),
            (["train", "--data-dir", "/nonexistent/data"], "/nonexistent/data"),
            (["train", "--data-dir", dir, "--out", "/proc/version/out"], "/proc/version"),
            (["compare", "--shard", "3/2", "--data-dir", dir], "shard"),
            (["report", "/nonexistent/results"], "/nonexistent/results"),
        ]
        for (args, mention) in cases {
            let r = try Support.descent(args)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(args): \(r.stderr)")
            XCTAssertTrue(lines.first?.hasPrefix("descent: error: ") ?? false, "\(args): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(mention), "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Fatal error"), "\(args): \(r.stderr)")
            XCTAssertFalse(r.stderr.contains("Stack dump"), "\(args): \(r.stderr)")
        }
    }
}
