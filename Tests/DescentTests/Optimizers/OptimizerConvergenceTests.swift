import XCTest
@testable import Descent

/// Table-driven: every rule reaches the known minimum of a quadratic and of Rosenbrock.
extension OptimizerTests {
    struct ConvergenceCase {
        let config: OptimizerConfig
        let steps: Int
    }

    /// f(x) = ½·Σ aᵢ(xᵢ − cᵢ)², a = (1, 10), c = (3, −2); minimum at c.
    static func quadraticGradient(_ p: Parameter) -> Float {
        let a: [Float] = [1, 10], c: [Float] = [3, -2]
        var f: Float = 0
        for i in 0..<2 {
            let d = p.value[i] - c[i]
            f += 0.5 * a[i] * d * d
            p.grad[i] = a[i] * d
        }
        return f
    }

    /// f(x, y) = (1 − x)² + 100(y − x²)²; minimum at (1, 1).
    static func rosenbrockGradient(_ p: Parameter) -> Float {
        let x = p.value[0], y = p.value[1]
        p.grad[0] = -2 * (1 - x) - 400 * x * (y - x * x)
        p.grad[1] = 200 * (y - x * x)
        return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
    }

    func run(_ c: ConvergenceCase, start: [Float], gradient: (Parameter) -> Float) throws -> Parameter {
        let p = Parameter(name: "x", value: Tensor(shape: [2], values: start))
        let optimizer = try c.config.make()
        for _ in 0..<c.steps {
            _ = gradient(p)
            optimizer.step([p])
        }
        return p
    }

    static let quadraticCases: [ConvergenceCase] = [
        .init(config: .init(kind: .sgd, learningRate: 0.05), steps: 500),
        .init(config: .init(kind: .momentum, learningRate: 0.02), steps: 500),
        .init(config: .init(kind: .momentum, learningRate: 0.02, nesterov: true), steps: 500),
        .init(config: .init(kind: .adagrad, learningRate: 1.0), steps: 2000),
        .init(config: .init(kind: .rmsprop, learningRate: 0.01), steps: 2000),
        .init(config: .init(kind: .rmsprop, learningRate: 0.01, momentum: 0.5, centered: true), steps: 2000),
        .init(config: .init(kind: .adadelta, learningRate: 10), steps: 3000),
        .init(config: .init(kind: .adam, learningRate: 0.05), steps: 2000),
        .init(config: .init(kind: .adam, learningRate: 0.05, amsgrad: true), steps: 2000),
        .init(config: .init(kind: .adamw, learningRate: 0.05, weightDecay: 0), steps: 2000),
    ]

    static let rosenbrockCases: [ConvergenceCase] = [
        .init(config: .init(kind: .sgd, learningRate: 1e-3), steps: 50_000),
        .init(config: .init(kind: .momentum, learningRate: 1e-3), steps: 20_000),
        .init(config: .init(kind: .momentum, learningRate: 1e-3, nesterov: true), steps: 20_000),
        .init(config: .init(kind: .adagrad, learningRate: 0.5), steps: 20_000),
        .init(config: .init(kind: .rmsprop, learningRate: 1e-3), steps: 20_000),
        .init(config: .init(kind: .rmsprop, learningRate: 1e-3, momentum: 0.5, centered: true), steps: 20_000),
        // AdaDelta keeps oscillating across the valley at any constant lr tried (ρ 0.9–0.9999,
        // ε 1e-6–1e-3, with or without clipping); a cosine decay to 0 lets it settle.
        .init(config: .init(kind: .adadelta, learningRate: 1, rho: 0.999, schedule: .cosine(totalSteps: 100_000, minimum: 0)), steps: 100_000),
        .init(config: .init(kind: .adam, learningRate: 0.01), steps: 20_000),
        .init(config: .init(kind: .adam, learningRate: 0.01, amsgrad: true), steps: 20_000),
        .init(config: .init(kind: .adamw, learningRate: 0.01, weightDecay: 0), steps: 20_000),
    ]

    func testEveryOptimizerMinimisesAQuadratic() throws {
        XCTAssertEqual(Set(Self.quadraticCases.map(\.config.kind)), Set(OptimizerKind.allCases))
        for c in Self.quadraticCases {
            let p = try run(c, start: [0, 0], gradient: Self.quadraticGradient)
            print("quadratic \(c.config.summary): \(p.value.toArray())")
            XCTAssertEqual(p.value[0], 3, accuracy: 1e-2, c.config.summary)
            XCTAssertEqual(p.value[1], -2, accuracy: 1e-2, c.config.summary)
        }
    }

    func testEveryOptimizerMinimisesRosenbrock() throws {
        XCTAssertEqual(Set(Self.rosenbrockCases.map(\.config.kind)), Set(OptimizerKind.allCases))
        for c in Self.rosenbrockCases {
            let p = try run(c, start: [-1.5, 2], gradient: Self.rosenbrockGradient)
            print("rosenbrock \(c.config.summary): \(p.value.toArray())")
            XCTAssertEqual(p.value[0], 1, accuracy: 2e-2, c.config.summary)
            XCTAssertEqual(p.value[1], 1, accuracy: 4e-2, c.config.summary)
        }
    }
}
