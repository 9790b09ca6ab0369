import XCTest
@testable import Descent

/// One (or two) steps per rule, computed by hand. θ₀ = 1 and g = 0.5 unless stated.
extension OptimizerTests {
    /// Steps `optimizer` once per gradient in `gradients` on a 1-element parameter θ₀ = 1.
    func trajectory(_ optimizer: Optimizer, _ gradients: [Float], start: Float = 1) -> [Float] {
        let p = Parameter(name: "theta", value: Tensor(shape: [1], values: [start]))
        return gradients.map { g in
            p.grad[0] = g
            optimizer.step([p])
            return p.value[0]
        }
    }

    func assertClose(_ actual: [Float], _ expected: [Double], _ message: String, accuracy: Float = 1e-6,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, message, file: file, line: line)
        for (a, e) in zip(actual, expected) {
            XCTAssertEqual(a, Float(e), accuracy: accuracy, message, file: file, line: line)
        }
    }

    func testSGDHandStep() throws {
        // θ = 1 − 0.1·0.5 = 0.95
        assertClose(trajectory(try SGD(learningRate: 0.1), [0.5]), [0.95], "sgd")
        // weight decay 0.1: g = 0.5 + 0.1·1 = 0.6; θ = 1 − 0.1·0.6 = 0.94
        assertClose(trajectory(try SGD(learningRate: 0.1, weightDecay: 0.1), [0.5]), [0.94], "sgd wd")
        // The learning rate given is the one used (the seed's SGD ignored it): lr 0.5 → 1 − 0.25
        assertClose(trajectory(try SGD(learningRate: 0.5), [0.5]), [0.75], "sgd lr")
    }

    func testMomentumSGDHandSteps() throws {
        // lr 0.1, μ 0.9. Step 1: b = g = 0.5 (torch clones g); θ = 1 − 0.1·0.5 = 0.95
        // Step 2: b = 0.9·0.5 + 0.5 = 0.95; θ = 0.95 − 0.1·0.95 = 0.855
        assertClose(trajectory(try MomentumSGD(learningRate: 0.1), [0.5, 0.5]), [0.95, 0.855], "momentum")
        // Nesterov. Step 1: b = 0.5; d = g + μb = 0.5 + 0.45 = 0.95; θ = 1 − 0.095 = 0.905
        // Step 2: b = 0.95; d = 0.5 + 0.9·0.95 = 1.355; θ = 0.905 − 0.1355 = 0.7695
        assertClose(trajectory(try MomentumSGD(learningRate: 0.1, nesterov: true), [0.5, 0.5]),
                    [0.905, 0.7695], "nesterov")
    }

    func testAdaGradHandSteps() throws {
        // lr 0.1, ε 1e-10. Step 1: s = 0.25; θ = 1 − 0.1·0.5/(0.5 + 1e-10) = 0.9
        // Step 2: s = 0.5, √s = 0.70710678; θ = 0.9 − 0.05/0.70710678 = 0.82928932
        assertClose(trajectory(try AdaGrad(learningRate: 0.1), [0.5, 0.5]), [0.9, 0.82928932], "adagrad")
        // initial accumulator 0.75: s = 0.75 + 0.25 = 1; θ = 1 − 0.1·0.5/1 = 0.95
        assertClose(trajectory(try AdaGrad(learningRate: 0.1, initialAccumulatorValue: 0.75), [0.5]), [0.95],
                    "adagrad initial accumulator")
    }

    func testRMSpropHandSteps() throws {
        // lr 0.01, α 0.99, ε 1e-8: s = 0.01·0.25 = 0.0025, √s = 0.05; θ = 1 − 0.01·0.5/0.05 = 0.9
        assertClose(trajectory(try RMSprop(learningRate: 0.01), [0.5]), [0.9], "rmsprop")
        // centered: a = 0.01·0.5 = 0.005; s − a² = 0.0025 − 0.000025 = 0.002475, √ = 0.04974937
        // θ = 1 − 0.005/0.04974937 = 1 − 0.10050378 = 0.89949622
        assertClose(trajectory(try RMSprop(learningRate: 0.01, centered: true), [0.5]), [0.89949622], "centered")
        // momentum 0.9. Step 1: b = 0.5/0.05 = 10; θ = 1 − 0.01·10 = 0.9
        // Step 2: s = 0.99·0.0025 + 0.0025 = 0.004975, √s = 0.07053368; b = 0.9·10 + 0.5/0.07053368
        //         = 9 + 7.08881205 = 16.08881205; θ = 0.9 − 0.1608881205 = 0.73911188
        assertClose(trajectory(try RMSprop(learningRate: 0.01, momentum: 0.9), [0.5, 0.5]), [0.9, 0.73911188],
                    "rmsprop momentum")
    }

    func testAdaDeltaHandStep() throws {
        // lr 1, ρ 0.95, ε 1e-6: s = 0.05·0.25 = 0.0125; std = √(0.0125 + 1e-6) = 0.11180787
        // d = √(0 + 1e-6)/std·g = 0.001/0.11180787·0.5 = 0.00894391·0.5 = 0.00447196
        // θ = 1 − 0.00447196 = 0.99552804;  u = 0.05·d² = 0.05·1.99984e-5 = 9.99920e-7
        let optimizer = try AdaDelta()
        let p = Parameter(name: "theta", value: Tensor(shape: [1], values: [1]))
        p.grad[0] = 0.5
        optimizer.step([p])
        XCTAssertEqual(p.value[0], 0.99552804, accuracy: 1e-7)
        let state = try XCTUnwrap(optimizer.stateTensors(of: p))
        XCTAssertEqual(state[0][0], 0.0125, accuracy: 1e-8)   // 1 − ρ is 0.05000001 in Float
        XCTAssertEqual(state[1][0], 9.99920e-7, accuracy: 1e-11)
    }

    func testAdamHandSteps() throws {
        // lr 0.001. Step 1 (g = 0.5): m = 0.05, v = 0.001·0.25 = 0.00025; 1 − β1 = 0.1, 1 − β2 = 0.001
        //   step size = 0.001/0.1 = 0.01; √v/√0.001 = 0.5; θ = 1 − 0.01·0.05/(0.5 + 1e-8) = 0.999
        // Step 2 (g = −0.5): m = 0.045 − 0.05 = −0.005; v = 0.999·0.00025 + 0.00025 = 0.00049975
        //   1 − β1² = 0.19, 1 − β2² = 0.001999; v/0.001999 = 0.25 → √ = 0.5
        //   θ = 0.999 − (0.001/0.19)·(−0.005)/0.5 = 0.999 + 0.0000526316 = 0.9990526316
        assertClose(trajectory(try Adam(), [0.5, -0.5]), [0.999, 0.9990526316], "adam", accuracy: 1e-7)
        // AMSGrad: v̂ = max(v̂, v) = v here (v grows), same steps.
        assertClose(trajectory(try Adam(amsgrad: true), [0.5, -0.5]), [0.999, 0.9990526316], "amsgrad",
                    accuracy: 1e-7)
        // AMSGrad keeps the max: after g = 10 then g = 0.1, v̂ stays ≥ v.
        let ams = try Adam(amsgrad: true)
        let p = Parameter(name: "theta", value: Tensor(shape: [1], values: [1]))
        for g: Float in [10, 0.1] { p.grad[0] = g; ams.step([p]) }
        let s = try XCTUnwrap(ams.stateTensors(of: p))
        XCTAssertEqual(s[2][0], 0.1, accuracy: 1e-5)          // v̂ = 0.001·100 = 0.1 (1 − β2 = 0.00099999 in Float)
        XCTAssertLessThan(s[1][0], s[2][0])                   // v = 0.999·0.1 + 0.001·0.01
    }

    func testAdamWHandStep() throws {
        // lr 0.1, λ 0.1: θ = 1·(1 − 0.1·0.1) = 0.99, then the Adam step −lr·sign(g) = −0.1 → 0.89
        assertClose(trajectory(try AdamW(learningRate: 0.1, weightDecay: 0.1), [0.5]), [0.89], "adamw")
        // Adam's L2 instead: g = 0.5 + 0.1 = 0.6, first step still −lr·sign(g) → 0.9
        assertClose(trajectory(try Adam(learningRate: 0.1, weightDecay: 0.1), [0.5]), [0.9], "adam l2")
    }
}
