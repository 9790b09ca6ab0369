import Foundation
import Descent
import XCTest

/// A rule added the way a user adds one in their own package: this file imports Descent
/// without `@testable`, subclasses `StatefulOptimizer` and declares a descriptor. It is
/// Lion written as a plain Swift loop (Descent's built-in `lion` is the fused kernel), named
/// `outside-lion` so that it registers beside the built-in rules.
///
/// ```
/// c ← β1·m + (1 − β1)·g                      the update direction's sign source
/// θ ← θ − lr·(sign(c) + λ·θ)                 decoupled decay, scaled by lr
/// m ← β2·m + (1 − β2)·g                      m starts at 0
/// ```
/// Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms". State: `exp_avg`.
/// Defaults: lr 1e-4, β = (0.9, 0.99), λ = 0 (the paper's).
final class OutsideLion: StatefulOptimizer {
    let beta1: Float
    let beta2: Float

    static let rule = OptimizerRule(
        name: "outside-lion", displayName: "OutsideLion",
        options: [.learningRate(1e-4), .number(.beta1, default: 0.9, in: .unitInterval),
                  .number(.beta2, default: 0.99, in: .unitInterval), .weightDecay(0)],
        traffic: .init(reads: 3, writes: 2)) { v in
            try OutsideLion(learningRate: v[.learningRate], beta1: v[.beta1], beta2: v[.beta2], weightDecay: v[.weightDecay])
        }

    init(learningRate: Float = 1e-4, beta1: Float = 0.9, beta2: Float = 0.99, weightDecay: Float = 0) throws {
        try OutsideLion.rule.validate([.learningRate: learningRate, .beta1: beta1, .beta2: beta2, .weightDecay: weightDecay])
        self.beta1 = beta1
        self.beta2 = beta2
        super.init(learningRate: learningRate, weightDecay: weightDecay, slotNames: ["exp_avg"])
    }

    override var name: String { "outside-lion" }

    override func update(_ span: Span) {
        let m = span.state(0)
        for i in 0..<span.count {
            let g = span.grad[i]
            let c = beta1 * m[i] + (1 - beta1) * g
            let direction: Float = c > 0 ? 1 : (c < 0 ? -1 : 0)
            span.value[i] -= learningRate * (direction + weightDecay * span.value[i])
            m[i] = beta2 * m[i] + (1 - beta2) * g
        }
    }
}

final class OutsideRuleTests: XCTestCase {
    /// θ₀ = 1, lr 0.1, β = (0.9, 0.99). Step 1 (g = 0.5): c = 0.05 > 0 → θ = 0.9; m = 0.005.
    /// Step 2 (g = −0.5): c = 0.0045 − 0.05 < 0 → θ = 1.0; m = 0.00495 − 0.005 = −0.00005.
    func testHandSteps() throws {
        let lion = try OutsideLion.rule.make([.learningRate: 0.1])
        let p = Parameter(name: "theta", value: Tensor(shape: [1], values: [1]))
        var seen: [Float] = []
        for g: Float in [0.5, -0.5] {
            p.grad[0] = g
            lion.step([p])
            seen.append(p.value[0])
        }
        XCTAssertEqual(seen[0], 0.9, accuracy: 1e-7)
        XCTAssertEqual(seen[1], 1.0, accuracy: 1e-7)
        let state = lion.state(for: [p])
        XCTAssertEqual(state["theta.exp_avg"]?[0] ?? .nan, -0.00005, accuracy: 1e-9)
        XCTAssertEqual(state["theta.step"]?[0], 2)
        XCTAssertEqual(lion.stepCount, 2)
    }

    /// A rule from outside joins a copy of the built-in registry beside every built-in rule
    /// (the built-in `lion` included): configurations name it, JSON decodes it through that
    /// registry, and a taken name is refused.
    func testRegistersBesideTheBuiltInRules() throws {
        var registry = Registry.builtIn
        try registry.register(OutsideLion.rule)
        XCTAssertEqual(registry.optimizers.count, Registry.builtIn.optimizers.count + 1)
        XCTAssertNotNil(registry.optimizer(named: "lion"))
        let kind = try XCTUnwrap(registry.optimizer(named: "outside-lion"))
        let json = Data(#"{"kind":"outside-lion","learningRate":0.5}"#.utf8)
        let config = try JSONDecoder.descent(registry).decode(OptimizerConfig.self, from: json)
        XCTAssertEqual(config.kind, kind)
        XCTAssertEqual(config.summary, "outside-lion(lr=0.5, beta1=0.9, beta2=0.99)")
        XCTAssertTrue(try config.make() is OutsideLion)
        XCTAssertThrowsError(try JSONDecoder.descent(.builtIn).decode(OptimizerConfig.self, from: json))
        XCTAssertThrowsError(try registry.register(OutsideLion.rule))
    }

    /// The descriptor's defaults, checks and messages work for a rule from outside Descent.
    func testDescriptorChecksAndDefaults() throws {
        let lion = try XCTUnwrap(try OutsideLion.rule.make() as? OutsideLion)
        XCTAssertEqual([lion.learningRate, lion.beta1, lion.beta2, lion.weightDecay], [1e-4, 0.9, 0.99, 0])
        XCTAssertThrowsError(try OutsideLion.rule.make([.beta2: 1])) { error in
            XCTAssertEqual((error as? DescentError)?.message, "outside-lion: beta2 must be in [0, 1), got 1.0")
        }
        XCTAssertThrowsError(try OutsideLion.rule.make([.momentum: 0.9])) { error in
            XCTAssertEqual((error as? DescentError)?.message, "outside-lion: momentum does not apply to OutsideLion")
        }
        XCTAssertEqual(OutsideLion.rule.summaryParts(OutsideLion.rule.resolve([.learningRate: 0.001])),
                       ["lr=0.001", "beta1=0.9", "beta2=0.99"])
    }

    /// Least squares y = X·w* on 64 points of 3 features: Lion with a cosine schedule (a
    /// Descent wrapper) takes w from 0 to w* and the loss down by orders of magnitude;
    /// a checkpoint of its state resumes bit for bit; a NaN gradient is caught by checkedStep.
    func testTrainsALeastSquaresProblem() throws {
        let n = 64, d = 3
        let target: [Float] = [0.5, -1.25, 2]
        var x = [Float](repeating: 0, count: n * d)
        for i in 0..<(n * d) { x[i] = Float((i * 37) % 17) / 8 - 1 }   // fixed, in [−1, 1]
        let y = (0..<n).map { r in (0..<d).reduce(Float(0)) { $0 + x[r * d + $1] * target[$1] } }
        /// Mean squared error and its gradient into `w.grad`.
        func loss(_ w: Parameter) -> Float {
            var total: Float = 0
            for j in 0..<d { w.grad[j] = 0 }
            for r in 0..<n {
                var e = -y[r]
                for j in 0..<d { e += x[r * d + j] * w.value[j] }
                total += e * e / Float(n)
                for j in 0..<d { w.grad[j] += 2 * e * x[r * d + j] / Float(n) }
            }
            return total
        }
        func train(_ w: Parameter, _ optimizer: Optimizer, steps: Range<Int>) {
            for _ in steps {
                _ = loss(w)
                XCTAssertNil(optimizer.checkedStep([w]))
            }
        }
        let steps = 600
        let w = Parameter(name: "w", value: Tensor(shape: [d]))
        let optimizer = try ScheduledOptimizer(try OutsideLion.rule.make([.learningRate: 0.02]),
                                               schedule: .cosine(totalSteps: steps, minimum: 0))
        let before = loss(w)
        train(w, optimizer, steps: 0..<(steps / 2))
        // Resume a copy from the halfway state: it must end bit-identical.
        let saved = optimizer.state(for: [w])
        let copy = Parameter(name: "w", value: w.value.clone())
        let resumed = try ScheduledOptimizer(try OutsideLion.rule.make([.learningRate: 0.02]),
                                             schedule: .cosine(totalSteps: steps, minimum: 0))
        try resumed.loadState(saved, for: [copy])
        train(w, optimizer, steps: (steps / 2)..<steps)
        train(copy, resumed, steps: (steps / 2)..<steps)
        let after = loss(w)
        print("lion least squares: loss \(before) → \(after), w = \(w.value.toArray())")
        XCTAssertLessThan(after, before * 1e-4)
        for j in 0..<d { XCTAssertEqual(w.value[j], target[j], accuracy: 0.01) }
        XCTAssertEqual(copy.value.toArray(), w.value.toArray())

        w.grad[1] = .nan
        XCTAssertTrue(optimizer.checkedStep([w]) === w)
    }
}
