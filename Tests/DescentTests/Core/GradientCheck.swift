import XCTest
@testable import Descent

/// Finite-difference gradient checking in Float.
///
/// The probe loss is `L = Σ_i r_i · y_i` with fixed random weights r (so every output
/// element matters and ∂L/∂y = r). Central differences with step h = 1e-2 on Float32
/// values of order 1: truncation error O(h²) ≈ 1e-4 and rounding error ≈ 1e-7/h ≈ 1e-5, so
/// we accept |analytic − numeric| ≤ 2e-3 + 2e-2 · |numeric| (stated tolerance).
/// Losses are evaluated in Double where the layer allows it.
enum GradientCheck {
    static let h: Float = 1e-2
    static let absoluteTolerance: Float = 2e-3
    static let relativeTolerance: Float = 2e-2

    /// Checks ∂L/∂input and ∂L/∂parameters of `layer` at input `x`.
    static func check(_ layer: Layer, input x: Tensor, seed: UInt64 = 7,
                      file: StaticString = #filePath, line: UInt = #line) {
        check(parameters: layer.parameters, input: x, seed: seed,
              forward: { layer.forward(x, training: false) },
              backward: { layer.backward($0, needsInputGradient: true) }, file: file, line: line)
    }

    /// The general check: `forward` evaluates the model, `backward(∂L/∂y)` accumulates
    /// parameter gradients and returns ∂L/∂x (checked against `input` when both exist);
    /// `extra` adds a loss term whose gradient `backward` must also include (e.g. a penalty).
    static func check(parameters: [Parameter], input x: Tensor?, seed: UInt64 = 7,
                      forward: () -> Tensor, backward: (Tensor) -> Tensor?, extra: (() -> Double)? = nil,
                      file: StaticString = #filePath, line: UInt = #line) {
        var g = RandomGenerator(seed: seed)
        let y0 = forward()
        let r = Tensor(shape: y0.shape)
        g.fillUniform(r, low: -1, high: 1)

        func loss() -> Double {
            let y = forward()
            var s = 0.0
            for i in 0..<y.count { s += Double(y[i]) * Double(r[i]) }
            return s + (extra?() ?? 0)
        }
        // Analytic.
        parameters.zeroGrad()
        _ = forward()
        let gx = backward(r)?.clone()
        let paramGrads = parameters.map { $0.grad.clone() }

        func compare(_ name: String, _ analytic: Float, _ num: Float) {
            XCTAssert(abs(analytic - num) <= absoluteTolerance + relativeTolerance * abs(num),
                      "\(name): analytic \(analytic) vs numeric \(num)", file: file, line: line)
        }
        if let x, let gx {
            for (i, n) in numericGradient(x, loss: loss).enumerated() { compare("∂L/∂x[\(i)]", gx[i], n) }
        }
        for (p, pg) in zip(parameters, paramGrads) {
            for (i, n) in numericGradient(p.value, loss: loss).enumerated() { compare("∂L/∂\(p.name)[\(i)]", pg[i], n) }
        }
    }

    /// Central differences of a scalar `loss` with respect to every element of `x`, with step `h`.
    static func numericGradient(_ x: Tensor, h: Float = h, loss: () -> Double) -> [Float] {
        (0..<x.count).map { i in
            let old = x[i]
            x[i] = old + h; let lp = loss()
            x[i] = old - h; let lm = loss()
            x[i] = old
            return Float((lp - lm) / Double(2 * h))
        }
    }

    /// One training pass of a layer that multiplies its input by a random mask (dropout,
    /// masking noise), which a finite difference cannot check: the input x uniform in
    /// [low, high) (seed `seed`, positive so that the scale s = y / x is defined), the
    /// output y = x ⊙ s (a copy), ∂L/∂y uniform in [−1, 1) (seed `seed + 1`) and ∂L/∂x, which
    /// must be ∂L/∂y ⊙ s.
    static func maskedPass(_ layer: Layer, shape: [Int], seed: UInt64, low: Float, high: Float)
        -> (x: Tensor, y: Tensor, gy: Tensor, gx: Tensor) {
        let x = random(shape, seed: seed, low: low, high: high)
        let y = layer.forward(x, training: true).clone()
        let gy = random(shape, seed: seed + 1)
        return (x, y, gy, layer.backward(gy, needsInputGradient: true)!)
    }

    /// A tensor with uniform values in [low, high).
    static func random(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
        var g = RandomGenerator(seed: seed)
        let t = Tensor(shape: shape)
        g.fillUniform(t, low: low, high: high)
        return t
    }
}
