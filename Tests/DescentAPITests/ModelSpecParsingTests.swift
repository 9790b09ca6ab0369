import Descent
import Foundation
import XCTest

/// The text form of model descriptions, through the public API only.
final class ModelSpecParsingTests: XCTestCase {
    /// Valid forms: each parses, prints its canonical form, and the canonical form parses
    /// back to an equal description (and so does its JSON).
    func testValidFormsRoundTrip() throws {
        let cases: [(text: String, shape: [Int], loss: LossKind, canonical: String)] = [
            ("linear(10)", [784], .crossEntropy, "784: linear(10); loss=cross-entropy"),
            ("784: linear(100), relu, linear(10)", [1], .crossEntropy, "784: linear(100), relu, linear(10); loss=cross-entropy"),
            ("  linear( 100 ) ,tanh,linear(10)  ", [1, 28, 28], .crossEntropy, "784: linear(100), tanh, linear(10); loss=cross-entropy"),
            ("dropout(0.1), linear(784), relu, dropout(0.5), linear(10)", [784], .crossEntropy,
             "784: dropout(0.1), linear(784), relu, dropout(0.5), linear(10); loss=cross-entropy"),
            ("linear(units=32), sigmoid, linear(10)", [784], .crossEntropy, "784: linear(32), sigmoid, linear(10); loss=cross-entropy"),
            ("linear(100), sigmoid | linear(784), sigmoid", [784], .meanSquaredError, "784: linear(100), sigmoid | linear(784), sigmoid; loss=mse"),
            ("784: linear(100), sigmoid | linear(784, tied=0), sigmoid; loss=mse", [1], .crossEntropy,
             "784: linear(100), sigmoid | linear(784, tied=0), sigmoid; loss=mse"),
            ("linear(64), sigmoid, sparsity(0.05, 0.1) | dropout(0.2), linear(784)", [784], .meanSquaredError,
             "784: linear(64), sigmoid, sparsity(0.05, 0.1) | dropout(0.2), linear(784); loss=mse"),
            ("6x6: flatten, masking(0.25), linear(3)", [1], .crossEntropy, "36: flatten, masking(0.25), linear(3); loss=cross-entropy"),
            ("linear(10); loss=cross-entropy", [20], .meanSquaredError, "20: linear(10); loss=cross-entropy"),
        ]
        for c in cases {
            let spec = try ModelSpec.parse(c.text, inputShape: c.shape, loss: c.loss)
            XCTAssertEqual(spec.description, c.canonical, c.text)
            XCTAssertEqual(try ModelSpec.parse(spec.description), spec, c.text)
            let json = try JSONEncoder().encode(spec)
            XCTAssertEqual(try JSONDecoder().decode(ModelSpec.self, from: json), spec, c.text)
        }
    }

    /// Malformed descriptions: one line, naming the bad part.
    func testMalformedFormsNameTheBadPart() {
        let cases: [(text: String, mentions: String)] = [
            ("", "expected a layer name"),
            ("lineer(10)", "unknown layer 'lineer'"),
            ("linear(10", "missing ')'"),
            ("linear(10))", "unexpected ')'"),
            ("linear()", "missing units"),
            ("linear(-3)", "units must be a positive whole number"),
            ("linear(0)", "units must be a positive whole number"),
            ("linear(2.5)", "units must be a whole number"),
            ("linear(ten)", "units must be a whole number"),
            ("linear(10, 20, 30)", "takes 2 argument(s)"),
            ("linear(10, width=3)", "unknown argument 'width'"),
            ("linear(10, units=3)", "units is given twice"),
            ("relu(3)", "relu takes 0 argument(s)"),
            ("dropout(1.0), linear(10)", "p must be in [0, 1)"),
            ("dropout(-0.1), linear(10)", "p must be in [0, 1)"),
            ("dropout(nan), linear(10)", "p must be a number"),
            ("linear(10),", "a layer is missing at the end"),
            ("linear(10),, linear(3)", "expected a layer name"),
            ("linear(10) | linear(3) | linear(784)", "a second '|'"),
            ("linear(10); lr=3", "unknown setting 'lr'"),
            ("linear(10); loss=hinge", "unknown loss 'hinge'"),
            ("linear(10); loss", "expected 'loss=…'"),
            ("0x28: linear(10)", "'0x28' is not an input shape"),
            ("a28: linear(10)", "'a28' is not an input shape"),
            ("linear(10, tied=0)", "is tied to layer 0"),
            ("linear(10); loss=mse", "as many values as its input"),
            ("| linear(10)", "expected a layer name"),
            ("linear(100), sigmoid | linear(784, tied=5)", "is tied to layer 5"),
            ("linear(100), sigmoid | linear(784, tied=1)", "is tied to layer 1"),
            ("sparsity(1.5, 0.1), linear(10)", "target must be in (0, 1)"),
            ("linear(10), @", "expected a layer name after 'linear(10),'"),
            ("linear(10) relu", "unexpected 'r'"),
        ]
        for c in cases {
            let shape: [Int]? = c.text.hasPrefix("0x") || c.text.hasPrefix("a28") ? nil : [784]
            let loss: LossKind = c.text.contains("|") ? .meanSquaredError : .crossEntropy
            XCTAssertThrowsError(try ModelSpec.parse(c.text, inputShape: shape, loss: loss), c.text) { error in
                let message = (error as? DescentError)?.message ?? "\(error)"
                XCTAssertTrue(message.contains(c.mentions), "'\(c.text)': \(message)")
                XCTAssertFalse(message.contains("\n"), "'\(c.text)': not one line")
                XCTAssertTrue(message.hasPrefix("model: "), "'\(c.text)': \(message)")
            }
        }
        XCTAssertGreaterThanOrEqual(cases.count, 20)
    }

    /// Presets and the MLP shorthand, and the legacy run-configuration JSON of a plain MLP.
    func testPresetsAndShorthand() throws {
        let seed = try XCTUnwrap(ModelSpec.preset(named: "seed-mlp"))
        XCTAssertEqual(seed.description,
                       "784: dropout(0.1), linear(784), relu, dropout(0.5), linear(784), relu, dropout(0.5), linear(10); loss=cross-entropy")
        XCTAssertEqual(try ModelSpec.resolve("784-784-784-10", inputShape: [1, 28, 28], loss: .crossEntropy, mlp: (.relu, 0.1, 0.5)), seed)
        XCTAssertEqual(try ModelSpec.resolve("seed-mlp", inputShape: [1, 28, 28], loss: .crossEntropy), seed)
        XCTAssertEqual(seed.mlpForm?.sizes, [784, 784, 784, 10])
        XCTAssertEqual(ModelSpec.preset(named: "seed-ae")?.codeSize, 100)
        XCTAssertEqual(ModelSpec.preset(named: "seed-dae")?.codeSize, 25)
        XCTAssertNil(ModelSpec.preset(named: "seed-ae")?.mlpForm)
        XCTAssertThrowsError(try ModelSpec.resolve("seed-mpl", inputShape: [784], loss: .crossEntropy)) { error in
            XCTAssertTrue("\(error)".contains("not a preset"), "\(error)")
        }
        XCTAssertThrowsError(try ModelSpec.resolve("784-0-10", inputShape: [784], loss: .crossEntropy))
        // The run configuration of seed-mlp is the JSON the records of docs/comparison were keyed by.
        let config = ClassifierRunConfig.seedMLP(OptimizerConfig(kind: .sgd))
        XCTAssertEqual(config.canonicalJSON,
                       #"{"activation":"relu","batch_size":128,"dataset":"fashion-mnist","epochs":20,"hidden_dropout":0.5,"input_dropout":0.1,"model":[784,784,784,10],"optimizer":{"kind":"sgd"}}"#)
        XCTAssertEqual(RunSpec(config: config, seed: 0).key, try legacyKey(optimizer: "sgd", seed: 0))
        // A plain MLP of other sizes and activation keeps the legacy form too; any other model is written as its description.
        var tanh = config
        tanh.model = try ModelSpec.parse("linear(64), tanh, linear(10)", inputShape: [784])
        XCTAssertTrue(tanh.canonicalJSON.contains(#""activation":"tanh","batch_size":128,"dataset":"fashion-mnist","epochs":20,"hidden_dropout":0,"input_dropout":0,"model":[784,64,10]"#), tanh.canonicalJSON)
        var cnn = config
        cnn.model = try ModelSpec.parse("linear(64), tanh, linear(32), relu, linear(10)", inputShape: [784])
        XCTAssertTrue(cnn.canonicalJSON.contains(#""model":{"input":[784],"layers":[{"kind":"linear","units":64}"#), cnn.canonicalJSON)
        XCTAssertEqual(try JSONDecoder().decode(ClassifierRunConfig.self, from: Data(cnn.canonicalJSON.utf8)), cnn)
    }

    /// The key of the committed docs/comparison record of `optimizer` and `seed`.
    func legacyKey(optimizer: String, seed: Int) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/comparison/results.jsonl")
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let c = o["config"] as! [String: Any]
            if (c["optimizer"] as! [String: Any])["kind"] as? String == optimizer, o["seed"] as? Int == seed, c["epochs"] as? Int == 20 {
                return o["key"] as! String
            }
        }
        let reason = "no \(optimizer) seed \(seed) record in docs/comparison"
        if ProcessInfo.processInfo.environment["CI"] == "true" { throw DescentError("CI=true, so this test must run, but: " + reason) }
        throw XCTSkip(reason)
    }
}
