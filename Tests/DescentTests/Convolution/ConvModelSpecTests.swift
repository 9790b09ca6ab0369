import Foundation
import XCTest
@testable import Descent

/// The convolution layers in model descriptions: text and JSON forms, shapes, one-line errors
/// for impossible shapes, the CNN presets, run configurations and checkpoints.
final class ConvModelSpecTests: XCTestCase {
    func testTextFormRoundTripsAndDropsDefaults() throws {
        let text = "1x28x28: conv2d(6, 5, stride=1, padding=2, bias=true, init=glorot), relu, maxpool2d(2), "
            + "conv2d(8, 3, padding=same, bias=false, init=he), avgpool2d(3, stride=2, padding=1), upsample, flatten, "
            + "linear(392), reshape(8, 7, 7), convtranspose2d(1, 4, stride=2, padding=1, output_padding=0), flatten, linear(10)"
        let spec = try ModelSpec.parse(text)
        XCTAssertEqual(spec.description, "1x28x28: conv2d(6, 5, padding=2), relu, maxpool2d(2), conv2d(8, 3, padding=same, bias=false, init=he), "
            + "avgpool2d(3, stride=2, padding=1), upsample, flatten, linear(392), reshape(8, 7, 7), "
            + "convtranspose2d(1, 4, stride=2, padding=1), flatten, linear(10); loss=cross-entropy")
        XCTAssertEqual(try ModelSpec.parse(spec.description), spec)
        let json = try JSONEncoder().encode(spec)
        XCTAssertEqual(try JSONDecoder().decode(ModelSpec.self, from: json), spec)
        XCTAssertEqual(try spec.shapesAfterEachLayer(), [[6, 28, 28], [6, 28, 28], [6, 14, 14], [8, 14, 14], [8, 7, 7], [8, 14, 14],
                                                         [1568], [392], [8, 7, 7], [1, 14, 14], [196], [10]])
        // The Swift constructors give the same layers.
        XCTAssertEqual(try LayerSpec.conv2d(6, kernel: 5, padding: .zeros(2)), spec.layers[0])
        XCTAssertEqual(try LayerSpec.conv2d(8, kernel: 3, padding: .same, bias: false, initialization: .he), spec.layers[3])
        XCTAssertEqual(try LayerSpec.maxPool2d(2), spec.layers[2])
        XCTAssertEqual(try LayerSpec.avgPool2d(3, stride: 2, padding: 1), spec.layers[4])
        XCTAssertEqual(try LayerSpec.upsample(), spec.layers[5])
        XCTAssertEqual(try LayerSpec.reshape(8, 7, 7), spec.layers[8])
        XCTAssertEqual(try LayerSpec.convTranspose2d(1, kernel: 4, stride: 2, padding: 1), spec.layers[9])
    }

    func testImpossibleShapesAndOptionsAreOneLineErrors() {
        let cases: [(String, String)] = [
            ("784: conv2d(6, 5), flatten, linear(10)", "needs a C×H×W input"),
            ("1x28x28: conv2d(6, 29), flatten, linear(10)", "a 29×29 kernel does not fit a 28×28 input"),
            ("1x28x28: conv2d(6, 3, stride=2, padding=same), flatten, linear(10)", "padding=same needs stride 1"),
            ("1x28x28: conv2d(6, 3, padding=valid), flatten, linear(10)", "padding must be a whole number or same"),
            ("1x28x28: conv2d(6, 3, padding=-1), flatten, linear(10)", "padding must be ≥ 0 or same"),
            ("1x28x28: conv2d(0, 3), flatten, linear(10)", "out_channels must be a positive whole number"),
            ("1x28x28: maxpool2d(2, padding=2), flatten, linear(10)", "padding must be at most half the kernel"),
            ("1x4x4: maxpool2d(5), flatten, linear(10)", "a 5×5 window does not fit a 4×4 input"),
            ("100: reshape(3, 4, 4), flatten, linear(10)", "3x4x4 = 48 values, the input has 100"),
            ("2x3x3: convtranspose2d(1, 3, stride=2, output_padding=2), flatten, linear(10)", "output_padding must be smaller than the stride"),
            ("1x28x28: conv2d(6, 5), relu, linear(10), upsample", "upsample"),
            ("1x28x28: conv2d(6, 5), relu", "must end in a vector of class scores"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try ModelSpec.parse(text), text) { error in
                let m = (error as? DescentError)?.message ?? "\(error)"
                XCTAssertTrue(m.contains(message), "\(text): \(m)")
                XCTAssertFalse(m.contains("\n"), m)
            }
        }
    }

    func testPresetsHaveTheIssuesArchitectures() throws {
        let lenet = try XCTUnwrap(ModelSpec.preset(named: "lenet5"))
        XCTAssertEqual(try lenet.shapesAfterEachLayer().map { $0.reduce(1, *) },
                       [6 * 784, 6 * 784, 6 * 196, 16 * 100, 16 * 100, 16 * 25, 400, 120, 120, 84, 84, 10])
        let l = try Network(lenet, seed: 0)
        XCTAssertEqual(l.parameters.scalarCount, 61_706)
        XCTAssertEqual(l.parameters.map(\.name), ["layers.0.weight", "layers.0.bias", "layers.3.weight", "layers.3.bias",
                                                  "layers.7.weight", "layers.7.bias", "layers.9.weight", "layers.9.bias",
                                                  "layers.11.weight", "layers.11.bias"])
        XCTAssertEqual(l.parameters[0].value.shape, [6, 1, 5, 5])
        let deepobs = try XCTUnwrap(ModelSpec.preset(named: "fmnist-2c2d"))
        XCTAssertEqual(try deepobs.shapesAfterEachLayer()[5], [64, 7, 7])
        XCTAssertEqual(try Network(deepobs, seed: 0).parameters.scalarCount, 3_274_634)  // DeepOBS's count
        let ae = try XCTUnwrap(ModelSpec.preset(named: "conv-ae"))
        XCTAssertEqual(ae.codeSize, 100)
        XCTAssertEqual(ae.outputShape, [1, 28, 28])
        XCTAssertEqual(ae.loss, .meanSquaredError)
        // `--model lenet5` resolves to the preset.
        XCTAssertEqual(try ModelSpec.resolve("lenet5", inputShape: [1, 28, 28], loss: .crossEntropy), lenet)
    }

    /// A CNN's run configuration is its ModelSpec JSON (so a run key covers every layer
    /// option), and decodes back to the same configuration.
    func testRunConfigurationOfACNNIsItsModelJSON() throws {
        let config = ClassifierRunConfig(dataset: .fashionMNIST, model: ModelSpec.preset(named: "lenet5")!, batchSize: 128,
                                         epochs: 10, optimizer: OptimizerConfig(kind: .adam))
        let object = try JSONSerialization.jsonObject(with: Data(config.canonicalJSON.utf8)) as! [String: Any]
        let model = try XCTUnwrap(object["model"] as? [String: Any])
        XCTAssertEqual(model["input"] as? [Int], [1, 28, 28])
        XCTAssertNil(object["activation"])
        XCTAssertEqual(try JSONDecoder().decode(ClassifierRunConfig.self, from: Data(config.canonicalJSON.utf8)), config)
        var other = config
        other.model = try ModelSpec.parse(ModelSpec.preset(named: "lenet5")!.description.replacingOccurrences(of: "padding=2", with: "padding=1")
            .replacingOccurrences(of: "conv2d(16, 5)", with: "conv2d(16, 5, padding=1)"))
        XCTAssertNotEqual(RunSpec(config: other, seed: 0).key, RunSpec(config: config, seed: 0).key)
    }

    /// A CNN's checkpoint holds 4-D weights in torch's layout and rebuilds the network.
    func testCheckpointOfACNNRebuildsIt() throws {
        let spec = try ModelSpec.parse("1x8x8: conv2d(3, 3, padding=same), relu, maxpool2d(2), flatten, linear(4)")
        let net = try Network(spec, seed: 2)
        let path = Support.temporaryFolder() + "/model.safetensors"
        try Checkpoint.save(net, optimizer: nil, epochsDone: 0, history: [], to: path)
        let loaded = try Checkpoint.read(path)
        XCTAssertEqual(try loaded.modelSpec(), spec)
        let rebuilt = try loaded.makeNetwork()
        XCTAssertEqual(rebuilt.parameters.map(\.value.shape), [[3, 1, 3, 3], [3], [4, 48], [4]])
        XCTAssertEqual(rebuilt.parameters.flatMap { $0.value.toArray() }, net.parameters.flatMap { $0.value.toArray() })
        let x = GradientCheck.random([5, 1, 8, 8], seed: 3)
        XCTAssertEqual(rebuilt(x).toArray(), net(x).toArray())
    }
}
