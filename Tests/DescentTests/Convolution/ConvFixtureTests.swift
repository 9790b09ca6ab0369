import Foundation
import XCTest
@testable import Descent

/// Compares small CNNs with PyTorch, element by element: `Tools/make_conv_fixtures.py`
/// (torch 2.15.0) wrote each network's weights, an input batch, the output and every
/// gradient of `L = Σ upstream ⊙ output` (Tests/Fixtures/conv). Descent builds the same
/// network from its text form, loads the weights by name and must reproduce the output,
/// every parameter gradient and the input gradient within
/// `|descent − torch| ≤ 2e-6 · (|torch| + max |torch| over the tensor)`: float32 sums taken
/// in another order (im2col products, lane sums) differ by a few ulps of the largest terms.
/// Measured worst: 1.4e-6, the residual case's first bias (printed by each test).
final class ConvFixtureTests: XCTestCase {
    struct Fixture: Decodable {
        struct Array: Decodable { let shape: [Int]; let values: [Float] }
        let `case`: String
        let torch: String
        let model: String
        let input: Array
        let parameters: [String: Array]
        let output: Array
        let upstream: [Float]
        let gradients: [String: [Float]]
    }

    static let tolerance: Float = 2e-6

    func load(_ name: String) throws -> Fixture {
        let url = Support.fixtures.appendingPathComponent("conv/\(name).json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// The worst |a − b| / (|b| + max |b|) over the elements (all of them are checked). A
    /// tensor that is 0 up to float noise (torch's largest value below 1e-5 · `floor`: the
    /// bias of a layer just before a batch normalisation in training) is compared on the
    /// scale of `floor`, the largest gradient of the network.
    func compare(_ what: String, _ a: [Float], _ b: [Float], floor: Float = 0, file: StaticString = #filePath, line: UInt = #line) -> Float {
        let largest = b.map(abs).max() ?? 0
        return Support.worstRelativeDifference(what, a, b, tolerance: ConvFixtureTests.tolerance,
                                               scale: largest < 1e-5 * floor ? floor : largest, file: file, line: line)
    }

    func check(_ name: String, threads: Int) throws {
        Parallel.setThreads(threads)
        defer { Parallel.setThreads(1) }
        let f = try load(name)
        XCTAssertEqual(f.torch.split(separator: "+").first, "2.15.0")
        let spec = try ModelSpec.parse(f.model)
        let net = try Network(spec, seed: 0)
        XCTAssertEqual(Set(net.parameters.map(\.name)), Set(f.parameters.keys), "parameter names")
        for p in net.parameters {
            let stored = f.parameters[p.name]!
            XCTAssertEqual(p.value.shape, stored.shape, "\(p.name): the layout of torch")
            p.value.data.update(from: stored.values, count: stored.values.count)
        }
        let x = Tensor(shape: f.input.shape, values: f.input.values)
        net.parameters.zeroGrad()
        let y = net.forward(x, training: true)
        var worst: [String: Float] = ["output": compare("\(name) output", y.toArray(), f.output.values)]
        let gx = net.backward(Tensor(shape: y.shape, values: f.upstream), needsInputGradient: true)!
        worst["input"] = compare("\(name) ∂L/∂input", gx.toArray(), f.gradients["input"]!)
        let largest = f.gradients.values.joined().map(abs).max() ?? 0
        for p in net.parameters { worst[p.name] = compare("\(name) ∂L/∂\(p.name)", p.grad.toArray(), f.gradients[p.name]!, floor: largest) }
        print("\(name), \(threads) thread(s): worst |Δ| / (|torch| + max|torch|): "
              + worst.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1e", $0.value))" }.joined(separator: ", "))
    }

    func testClassifierMatchesTorch() throws {
        for threads in [1, 2] { try check("classifier", threads: threads) }
    }

    func testDecoderMatchesTorch() throws {
        for threads in [1, 2] { try check("decoder", threads: threads) }
    }

    func testLeNetShapedNetworkMatchesTorch() throws {
        for threads in [1, 2] { try check("lenet-shaped", threads: threads) }
    }

    /// Residual blocks: an identity shortcut around conv2d, batchnorm2d (training), relu,
    /// conv2d, batchnorm2d, and a 1×1 stride-2 projection shortcut.
    func testResidualBlocksMatchTorch() throws {
        for threads in [1, 2] { try check("residual", threads: threads) }
    }

    /// LeakyReLU, GELU (erf form) and SiLU fused into conv2d (also with its max pooling),
    /// convtranspose2d and linear, and standing alone.
    func testLeakyReLUGELUAndSiLUMatchTorch() throws {
        for threads in [1, 2] { try check("activations", threads: threads) }
        // Of the 21 layers described, the six activations right after conv2d, convtranspose2d
        // and linear run inside them; the three after upsample, maxpool2d and flatten alone.
        let net = try Network(try ModelSpec.parse(try load("activations").model), seed: 0)
        XCTAssertEqual(net.layers.count, 15)
        XCTAssertEqual(net.layers.compactMap { ($0 as? Conv2D)?.activation }, [.leakyRelu, .gelu])
        XCTAssertEqual(net.layers.compactMap { ($0 as? ConvTranspose2D)?.activation }, [.silu])
        XCTAssertEqual(net.layers.compactMap { ($0 as? Linear)?.activation }, [.gelu, .silu, .leakyRelu, .identity])
        XCTAssertEqual(net.layers.compactMap { ($0 as? ActivationLayer)?.activation }, [.silu, .gelu, .leakyRelu])
    }
}
