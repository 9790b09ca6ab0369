import Foundation
import XCTest
@testable import Descent

/// `residual(…)`: the text and JSON forms, the shortcut chosen from the shapes, torch's
/// parameter names, finite differences in both modes (against PyTorch: ConvFixtureTests'
/// `residual` case), and the checks.
final class ResidualTests: XCTestCase {
    static let model = "2x6x6: conv2d(4, 3, padding=same), residual(conv2d(4, 3, padding=same), batchnorm2d, tanh, "
        + "conv2d(4, 3, padding=same), batchnorm2d), sigmoid, residual(conv2d(6, 3, stride=2, padding=1), tanh), flatten, linear(3)"

    func testTextAndJSONFormsAndNames() throws {
        let spec = try ModelSpec.parse(Self.model)
        XCTAssertEqual(spec.description, Self.model + "; loss=cross-entropy")
        XCTAssertEqual(try ModelSpec.parse(spec.description), spec)
        let json = try JSONEncoder().encode(spec)
        XCTAssertEqual(try JSONDecoder().decode(ModelSpec.self, from: json), spec)
        XCTAssertEqual(try spec.shapesAfterEachLayer()[1], [4, 6, 6])
        XCTAssertEqual(try spec.shapesAfterEachLayer()[3], [6, 3, 3])
        let net = try Network(spec, seed: 1)
        XCTAssertEqual(net.parameters.map(\.name), [
            "layers.0.weight", "layers.0.bias",
            "layers.1.body.0.weight", "layers.1.body.0.bias", "layers.1.body.1.weight", "layers.1.body.1.bias",
            "layers.1.body.3.weight", "layers.1.body.3.bias", "layers.1.body.4.weight", "layers.1.body.4.bias",
            "layers.3.body.0.weight", "layers.3.body.0.bias", "layers.3.shortcut.weight", "layers.5.weight", "layers.5.bias"])
        XCTAssertEqual(net.buffers.map(\.name).filter { $0.hasSuffix("running_mean") },
                       ["layers.1.body.1.running_mean", "layers.1.body.4.running_mean"])
        let shapes = [spec.inputShape] + (try spec.shapesAfterEachLayer())
        XCTAssertEqual(net.parameters.scalarCount, zip(spec.layers, shapes).map { $0.layerKind.parameterCount($0, $1) }.reduce(0, +))
        XCTAssertNil((net.layers[1] as? Residual)?.shortcut)
        XCTAssertEqual((net.layers[3] as? Residual)?.shortcut?.geometry.stride, 2)
    }

    /// y = F(x) + x exactly, with F's output computed alone.
    func testIdentityShortcutAddsTheInput() throws {
        let spec = try ModelSpec.parse("1x4x4: residual(conv2d(1, 3, padding=same), tanh), flatten, linear(2)")
        let net = try Network(spec, seed: 2)
        let block = try XCTUnwrap(net.layers[0] as? Residual)
        let x = GradientCheck.random([2, 1, 4, 4], seed: 3)
        let f = block.body.forward(x, training: false).toArray()
        XCTAssertEqual(block.forward(x, training: false).toArray(), zip(f, x.toArray()).map { $0 + $1 })
    }

    func testGradientsInEvaluationMode() throws {
        let net = try Network(try ModelSpec.parse(Self.model), seed: 4)
        // Running statistics other than 0 and 1, so that evaluation mode normalises.
        for b in net.buffers where !b.name.hasSuffix("num_batches_tracked") {
            for i in 0..<b.value.count { b.value[i] = b.name.hasSuffix("running_var") ? 0.5 + 0.4 * Float(i) : 0.2 * Float(i) - 0.3 }
        }
        GradientCheck.check(net, input: GradientCheck.random([2, 2, 6, 6], seed: 6))
    }

    func testGradientsInTrainingMode() throws {
        let net = try Network(try ModelSpec.parse(Self.model), seed: 7)
        let x = GradientCheck.random([3, 2, 6, 6], seed: 8)
        GradientCheck.check(parameters: net.parameters, input: x, forward: { net.forward(x, training: true) },
                            backward: { net.backward($0, needsInputGradient: true) })
    }

    /// The preset: three blocks (identity, then two projections), 10 class scores.
    func testResNetPreset() throws {
        let spec = try XCTUnwrap(ModelSpec.preset(named: "resnet-fmnist"))
        let net = try Network(spec, seed: 0)
        XCTAssertEqual(net.layers.compactMap { ($0 as? Residual).map { $0.shortcut?.geometry.stride } }, [nil, 2, 2])
        XCTAssertEqual(try spec.shapesAfterEachLayer().last, [10])
        XCTAssertEqual(net.parameters.scalarCount, 173_914)
        let shapes = [spec.inputShape] + (try spec.shapesAfterEachLayer())
        XCTAssertEqual(zip(spec.layers, shapes).map { $0.layerKind.parameterCount($0, $1) }.reduce(0, +), 173_914)
        XCTAssertEqual(net.forward(GradientCheck.random([2, 1, 28, 28], seed: 1, low: 0, high: 1), training: false).shape, [2, 10])
    }

    func testChecks() throws {
        for (text, mention) in [("8: residual(linear(5)), linear(3)", "a flat block must keep its size"),
                                ("8: residual(linear(8), dropout(0.5)), linear(3)", "cannot be inside a block"),
                                ("1x6x6: residual(conv2d(2, 2)), flatten, linear(3)", "no 1×1 convolution"),
                                ("8: residual(), linear(3)", "expected a layer name"),
                                ("8: residual(linear(8), linear(3)", "missing ')'"),
                                ("8: residual, linear(3)", "residual needs its layers in parentheses")] {
            XCTAssertThrowsError(try Network(try ModelSpec.parse(text), seed: 1), text) { e in
                XCTAssertTrue("\(e)".contains(mention), "\(text): \(e)")
            }
        }
        // A flat block that keeps its size has the identity shortcut.
        let net = try Network(try ModelSpec.parse("8: residual(linear(8), tanh, linear(8)), relu, linear(3)"), seed: 1)
        XCTAssertEqual(net.parameters.map(\.name).prefix(2), ["layers.0.body.0.weight", "layers.0.body.0.bias"])
    }
}
