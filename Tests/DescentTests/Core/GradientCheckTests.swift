import XCTest
@testable import Descent

/// Finite-difference checks for every layer and loss (tolerances in GradientCheck).
final class GradientCheckTests: XCTestCase {
    func testLinearIdentity() throws {
        var g = RandomGenerator(seed: 1)
        GradientCheck.check(try Linear(5, 4, generator: &g), input: GradientCheck.random([3, 5], seed: 2))
    }

    func testLinearFusedActivations() throws {
        for act in Activation.allCases {
            var g = RandomGenerator(seed: 3)
            let layer = try Linear(6, 4, activation: act, generator: &g)
            // Give the bias non-zero values so they matter in the check.
            g.fillUniform(layer.bias.value, low: -0.5, high: 0.5)
            // Inputs away from ReLU's kink: shift so |z| is rarely tiny; the check uses h = 1e-2.
            GradientCheck.check(layer, input: GradientCheck.random([4, 6], seed: 4))
        }
    }

    func testStandaloneActivations() {
        for layer in [ReLU(), Sigmoid(), Tanh(), LeakyReLU(), GELU(), SiLU(), ActivationLayer(.identity)] {
            let x = GradientCheck.random([3, 7], seed: 5, low: -2, high: 2)
            // Keep ReLU inputs away from 0, where it is not differentiable.
            for i in 0..<x.count where abs(x[i]) < 0.05 { x[i] = 0.3 }
            GradientCheck.check(layer, input: x)
        }
    }

    func testSequential() throws {
        var g = RandomGenerator(seed: 9)
        let net = try Sequential([Linear(4, 6, activation: .tanh, generator: &g), Sigmoid(),
                              Linear(6, 3, generator: &g)])
        GradientCheck.check(net, input: GradientCheck.random([2, 4], seed: 10))
    }

    func testDropoutBackwardMatchesItsMask() throws {
        // Dropout is random in training, so it is checked against its own mask:
        // y = x ⊙ s with s ∈ {0, 1/(1−p)}, hence ∂L/∂x = ∂L/∂y ⊙ s = ∂L/∂y ⊙ y / x.
        let d = try Dropout(0.3, generator: RandomGenerator(seed: 11))
        let (x, y, gy, gx) = GradientCheck.maskedPass(d, shape: [10, 50], seed: 12, low: 0.5, high: 1.5)
        var dropped = 0
        for i in 0..<x.count {
            let s = y[i] / x[i]
            XCTAssert(s == 0 || abs(s - 1 / 0.7) < 1e-5, "scale \(s)")
            XCTAssertEqual(gx[i], gy[i] * s, accuracy: 1e-5)
            if s == 0 { dropped += 1 }
        }
        XCTAssertEqual(Double(dropped) / Double(x.count), 0.3, accuracy: 0.06)
        // Evaluation is the identity.
        let e = d.forward(x, training: false)
        XCTAssertEqual(e.toArray(), x.toArray())
    }

    func testSoftmaxCrossEntropy() {
        let logits = GradientCheck.random([4, 5], seed: 14, low: -3, high: 3)
        let labels: [UInt8] = [0, 3, 4, 1]
        let loss = SoftmaxCrossEntropy()
        let grad = loss(logits, labels: labels, computeGradient: true).gradient!.clone()
        let numeric = GradientCheck.numericGradient(logits) { loss(logits, labels: labels, computeGradient: false).loss }
        for (i, n) in numeric.enumerated() { XCTAssertEqual(grad[i], n, accuracy: 1e-3) }
    }

    func testSoftmaxCrossEntropyIsStableAndExact() {
        // Huge logits must not overflow: log-sum-exp of [1000, 0] = 1000 + log(1 + e^-1000).
        let logits = Tensor(shape: [2, 2], values: [1000, 0, -1000, -1000])
        let r = SoftmaxCrossEntropy()(logits, labels: [1, 0], computeGradient: true)
        // Row 0: loss = 1000; row 1: loss = log 2. Mean = (1000 + log 2) / 2.
        XCTAssertEqual(r.loss, (1000 + log(2.0)) / 2, accuracy: 1e-6)
        XCTAssertEqual(r.correct, 1)  // row 0 predicts 0 (label 1: wrong); row 1 ties → index 0 (right)
        XCTAssertTrue(r.gradient!.toArray().allSatisfy { $0.isFinite })
    }

    func testMeanSquaredError() {
        let y = GradientCheck.random([3, 4], seed: 15)
        let t = GradientCheck.random([3, 4], seed: 16)
        let mse = MeanSquaredError()
        let grad = mse(y, target: t, computeGradient: true).gradient!.clone()
        var expected = 0.0
        for i in 0..<y.count { expected += Double(y[i] - t[i]) * Double(y[i] - t[i]) }
        XCTAssertEqual(mse(y, target: t, computeGradient: false).loss, expected / 12, accuracy: 1e-6)
        let numeric = GradientCheck.numericGradient(y) { mse(y, target: t, computeGradient: false).loss }
        for (i, n) in numeric.enumerated() { XCTAssertEqual(grad[i], n, accuracy: 1e-4) }
    }

    func testTransposedGemmVariants() {
        // C = op(A) op(B) for all four transpose combinations against a naive product.
        let a = GradientCheck.random([3, 4], seed: 17), b = GradientCheck.random([4, 5], seed: 18)
        func naive(_ x: Tensor, _ y: Tensor) -> [Float] {
            var out = [Float](repeating: 0, count: x.rows * y.columns)
            for i in 0..<x.rows { for j in 0..<y.columns { for k in 0..<x.columns { out[i * y.columns + j] += x[i, k] * y[k, j] } } }
            return out
        }
        func transposed(_ x: Tensor) -> Tensor {
            let t = Tensor(shape: [x.columns, x.rows])
            for i in 0..<x.rows { for j in 0..<x.columns { t[j, i] = x[i, j] } }
            return t
        }
        let expected = naive(a, b)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let c = Tensor(shape: [3, 5])
            BLAS.gemm(ta ? transposed(a) : a, transposeA: ta, tb ? transposed(b) : b, transposeB: tb, into: c)
            for i in 0..<15 { XCTAssertEqual(c[i], expected[i], accuracy: 1e-5) }
        }
    }

    func testVectorKernelsMatchLibm() {
        let x = (0..<2001).map { Float($0 - 1000) / 40 }   // −25 … 25
        var y = [Float](repeating: 0, count: x.count)
        Kernels.exp(x, &y, count: x.count)
        for (a, b) in zip(x, y) { XCTAssertEqual(b, Foundation.exp(a), accuracy: Foundation.exp(a) * 3e-7) }
        Kernels.sigmoid(x, &y, count: x.count)
        for (a, b) in zip(x, y) { XCTAssertEqual(b, 1 / (1 + Foundation.exp(-a)), accuracy: 2e-7) }
        Kernels.tanh(x, &y, count: x.count)
        for (a, b) in zip(x, y) { XCTAssertEqual(b, Foundation.tanh(a), accuracy: 3e-7) }
    }
}
