import Descent
import Swish
import XCTest

/// The checks Descent makes of each of its own layers, made of one written outside it.
final class SwishTests: XCTestCase {
    /// The backward pass against central finite differences of the probe loss L = Σ r·y
    /// (r fixed), for the input and for β: |analytic − numeric| ≤ 2·10⁻³ + 2·10⁻² |numeric|.
    func testGradientsMatchFiniteDifferences() throws {
        var g = RandomGenerator(seed: 1)
        let x = Tensor(shape: [3, 5]), r = Tensor(shape: [3, 5])
        for i in 0..<x.count { x.data[i] = g.uniform(-2, 2); r.data[i] = g.uniform(-0.5, 0.5) }
        let layer = Swish(beta: 0.7)
        func loss() -> Double {
            let y = layer.forward(x, training: true)
            return (0..<y.count).reduce(0) { $0 + Double(y.data[$1] * r.data[$1]) }
        }
        _ = loss()
        let dx = layer.backward(r, needsInputGradient: true)!.toArray()
        let dBeta = layer.beta.grad.data[0]
        func numeric(_ p: UnsafeMutablePointer<Float>) -> Double {
            let h: Float = 1e-2, saved = p.pointee
            p.pointee = saved + h; let up = loss()
            p.pointee = saved - h; let down = loss()
            p.pointee = saved
            return (up - down) / Double(2 * h)
        }
        for i in 0..<x.count {
            let n = numeric(x.data + i)
            XCTAssertLessThanOrEqual(abs(Double(dx[i]) - n), 2e-3 + 2e-2 * abs(n), "∂L/∂x[\(i)]")
        }
        let n = numeric(layer.beta.value.data)
        XCTAssertLessThanOrEqual(abs(Double(dBeta) - n), 2e-3 + 2e-2 * abs(n), "∂L/∂β")
    }

    /// With β = 1, Swish is SiLU, which Descent ships: the two agree to rounding.
    func testBetaOneIsSiLU() throws {
        let x = Tensor(shape: [2, 4])
        for i in 0..<x.count { x.data[i] = Float(i) - 3.5 }
        let silu = try Network(ModelSpec.parse("8: silu"), seed: 0)
        let swish = Swish().forward(x, training: false).toArray(), reference = silu.forward(x, training: false).toArray()
        for (a, b) in zip(swish, reference) { XCTAssertEqual(a, b, accuracy: 2e-6 * max(1, abs(b))) }  // exp and division orders differ
    }

    /// Registered, `swish` reads in the text form, builds with its parameter named by its
    /// position, and is unknown to a registry without it.
    func testRegisteredKindParsesAndBuilds() throws {
        var registry = Registry.builtIn
        try registry.register(Swish.kind)
        let spec = try ModelSpec.parse("16: linear(8), swish(beta=0.5), linear(2)", registry: registry)
        let network = try Network(spec, seed: 3)
        XCTAssertEqual(network.parameters.map(\.name), ["layers.0.weight", "layers.0.bias", "layers.1.beta", "layers.2.weight", "layers.2.bias"])
        XCTAssertEqual(network.parameters[2].value.toArray(), [0.5])
        XCTAssertThrowsError(try ModelSpec.parse("16: linear(8), swish, linear(2)"))
        XCTAssertThrowsError(try registry.register(Swish.kind), "a second 'swish'")
    }
}
