import XCTest
@testable import Descent

/// Convergence **smoke tests**: every rule, with a hand-picked learning rate, ends near the
/// known minimum of a quadratic and of Rosenbrock. They show that a rule descends, not that
/// it is the right rule (a rule with a wrong constant or a skipped step still converges).
/// What checks each rule's trajectory: `testEveryRuleFollowsItsClosedFormUnderAConstantGradient`
/// below (the formulas of the rule's doc comment solved for a constant gradient), the hand
/// steps (`OptimizerHandStepTests`) and torch's trajectories (`OptimizerFixtureTests`).
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
        // Muon orthogonalises matrices (and hands vectors to AdamW): x is a 1 × 2 matrix for it.
        let p = Parameter(name: "x", value: Tensor(shape: [.muon, .shampoo].contains(c.config.kind) ? [1, 2] : [2], values: start))
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
        .init(config: .init(kind: .nadam, learningRate: 0.05), steps: 2000),
        .init(config: .init(kind: .nadamw, learningRate: 0.05, weightDecay: 0), steps: 2000),
        .init(config: .init(kind: .radam, learningRate: 0.05), steps: 2000),
        .init(config: .init(kind: .adamax, learningRate: 0.05), steps: 2000),
        .init(config: .init(kind: .lion, learningRate: 0.05, schedule: .cosine(totalSteps: 2000, minimum: 0)), steps: 2000),
        // Muon's step on a 1 × 2 matrix has a fixed length (a normalised direction): decay lr.
        .init(config: .init(kind: .muon, learningRate: 0.05, weightDecay: 0, schedule: .cosine(totalSteps: 2000, minimum: 0)), steps: 2000),
        .init(config: .init(kind: .schedulefree, learningRate: 0.05), steps: 2000),
        .init(config: .init(kind: .shampoo, learningRate: 0.05), steps: 2000),
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
        .init(config: .init(kind: .nadam, learningRate: 0.01), steps: 20_000),
        .init(config: .init(kind: .nadamw, learningRate: 0.01, weightDecay: 0), steps: 20_000),
        .init(config: .init(kind: .radam, learningRate: 0.01), steps: 20_000),
        .init(config: .init(kind: .adamax, learningRate: 0.01), steps: 20_000),
        // Sign descent moves every coordinate by lr each step, so it needs a decaying lr to settle.
        .init(config: .init(kind: .lion, learningRate: 0.01, schedule: .cosine(totalSteps: 20_000, minimum: 0)), steps: 20_000),
        .init(config: .init(kind: .muon, learningRate: 0.01, weightDecay: 0, schedule: .cosine(totalSteps: 20_000, minimum: 0)), steps: 20_000),
        .init(config: .init(kind: .schedulefree, learningRate: 0.01), steps: 20_000),
        .init(config: .init(kind: .shampoo, learningRate: 0.01), steps: 20_000),
    ]

    func testEveryOptimizerMinimisesAQuadratic() throws {
        XCTAssertEqual(Set(Self.quadraticCases.map(\.config.kind)), Set(Registry.builtIn.optimizers))
        for c in Self.quadraticCases {
            let p = try run(c, start: [0, 0], gradient: Self.quadraticGradient)
            print("quadratic \(c.config.summary): \(p.value.toArray())")
            XCTAssertEqual(p.value[0], 3, accuracy: 1e-2, c.config.summary)
            XCTAssertEqual(p.value[1], -2, accuracy: 1e-2, c.config.summary)
        }
    }

    func testEveryOptimizerMinimisesRosenbrock() throws {
        XCTAssertEqual(Set(Self.rosenbrockCases.map(\.config.kind)), Set(Registry.builtIn.optimizers))
        for c in Self.rosenbrockCases {
            let p = try run(c, start: [-1.5, 2], gradient: Self.rosenbrockGradient)
            print("rosenbrock \(c.config.summary): \(p.value.toArray())")
            XCTAssertEqual(p.value[0], 1, accuracy: 2e-2, c.config.summary)
            XCTAssertEqual(p.value[1], 1, accuracy: 4e-2, c.config.summary)
        }
    }

    /// Under a constant gradient g (no weight decay unless stated) each rule's update has a
    /// closed form, derived from the rule's doc comment; the trajectory must follow it at
    /// every one of 300 steps, element by element (|Δ| ≤ 1e-5·(1 + |θ|), Float vs Double):
    /// ```
    /// sgd        θ_t = θ_{t−1} − lr·g
    /// momentum   b_t = g·(1 − μᵗ)/(1 − μ)  (b_1 = g, b_t = μb + g);  θ_t = θ_{t−1} − lr·b_t
    ///   nesterov θ_t = θ_{t−1} − lr·(g + μ·b_t) = θ_{t−1} − lr·g·(1 − μᵗ⁺¹)/(1 − μ)
    ///   dampening τ: b_t = g·(μᵗ⁻¹ + (1 − τ)·(1 − μᵗ⁻¹)/(1 − μ))
    /// adagrad    s_t = s₀ + t·g²;  θ_t = θ_{t−1} − lr·g/(√s_t + ε)
    /// rmsprop    s_t = g²·(1 − αᵗ);  θ_t = θ_{t−1} − lr·g/(√s_t + ε)
    /// adadelta   s_t = g²·(1 − ρᵗ);  d_t = √(u_{t−1} + ε)/√(s_t + ε)·g;  u_t = ρu_{t−1} + (1 − ρ)d_t²;  θ_t = θ_{t−1} − lr·d_t
    /// adam       m̂ = g, v̂ = g² exactly, so θ_t = θ_{t−1} − lr·g/(|g| + ε)   (also with AMSGrad: v only grows)
    /// adamw      θ_t = θ_{t−1}·(1 − lr·λ) − lr·g/(|g| + ε)
    /// nadam      m_t = g·(1 − β1ᵗ), v_t/(1 − β2ᵗ) = g², μₜ = β1(1 − ½·0.96^(tψ)), Πₜ = Π μₖ;
    ///            θ_t = θ_{t−1} − lr·(1 − μₜ)/(1 − Πₜ)·g/(|g| + ε) − lr·μₜ₊₁/(1 − Πₜμₜ₊₁)·m_t/(|g| + ε)
    /// nadamw     the same after θ ← θ·(1 − lr·λ)
    /// radam      m̂ = g, v_t = g²(1 − β2ᵗ): θ_t = θ_{t−1} − lr·r_t·g·√(1 − β2ᵗ)/(|g|·√(1 − β2ᵗ) + ε) if ρₜ > 5, else − lr·g
    /// adamax     m_t = g(1 − β1ᵗ), u_t = |g| + ε: θ_t = θ_{t−1} − lr·g/(|g| + ε)
    /// lion       m_t = g(1 − β2ᵗ), so c has the sign of g: θ_t = θ_{t−1} − lr·sign(g)
    /// muon       (θ a 1 × n matrix) U = g(1 − μᵗ⁺¹) with Nesterov, whose only singular value
    ///            Newton–Schulz maps from 1 (after normalising) to φ⁵(1), φ(s) = as + bs³ + cs⁵:
    ///            θ_t = θ_{t−1}(1 − lr·λ) − lr·φ⁵(1)·g/‖g‖   (lr′ = lr·√max(1, 1/n) = lr)
    /// schedulefree  v_t/(1 − β2ᵗ) = g², so n = g/(|g| + ε); cₜ = 1/t (r = 0, constant lr);
    ///            y ← y + cₜ(z − y) + lr(β1(1 − cₜ) − 1)·n;  z ← z − lr·n  (z₀ = θ₀; θ is y)
    /// shampoo    (θ a 1 × n matrix) M = g, A = g/(|g| + ε); from step f on L̃·M·R̃ ∝ g, so the
    ///            graft gives D = g/‖g‖ · ‖A‖; before, D = A:  θ_t = θ_{t−1}(1 − lr·λ) − lr·D
    /// ```
    func testEveryRuleFollowsItsClosedFormUnderAConstantGradient() throws {
        let g: [Double] = [0.5, -2, 0.01, 3e-4]
        let gradient = g
        let start: [Double] = [1, -1, 0.5, 0]
        /// θ_t from θ_{t−1} for step t (1-based) and element i; `state` is per element.
        typealias Rule = (_ t: Int, _ g: Double, _ theta: Double, _ state: inout Double) -> Double
        func pow(_ x: Float, _ t: Int) -> Double { Foundation.pow(Double(x), Double(t)) }
        func expected(_ config: OptimizerConfig) -> Rule {
            let v = config.kind.rule.resolve(config.setValues)
            let lr = Double(v[.learningRate])
            switch config.kind {
            case .sgd:
                return { _, g, x, _ in x - lr * g }
            case .momentum:
                let mu = v[.momentum], tau = Double(v[.dampening])
                if v.isOn(.nesterov) { return { t, g, x, _ in x - lr * g * (1 - pow(mu, t + 1)) / (1 - Double(mu)) } }
                return { t, g, x, _ in
                    x - lr * g * (pow(mu, t - 1) + (1 - tau) * (1 - pow(mu, t - 1)) / (1 - Double(mu)))
                }
            case .adagrad:
                let eps = Double(v[.epsilon]), s0 = Double(v[.initialAccumulatorValue])
                return { t, g, x, _ in x - lr * g / ((s0 + Double(t) * g * g).squareRoot() + eps) }
            case .rmsprop:
                let alpha = v[.alpha], eps = Double(v[.epsilon])
                return { t, g, x, _ in x - lr * g / ((g * g * (1 - pow(alpha, t))).squareRoot() + eps) }
            case .adadelta:
                let rho = v[.rho], eps = Double(v[.epsilon])
                return { t, g, x, u in
                    let d = (u + eps).squareRoot() / (g * g * (1 - pow(rho, t)) + eps).squareRoot() * g
                    u = Double(rho) * u + (1 - Double(rho)) * d * d
                    return x - lr * d
                }
            case .adam:
                let eps = Double(v[.epsilon])
                return { _, g, x, _ in x - lr * g / (abs(g) + eps) }
            case .adamw:
                let eps = Double(v[.epsilon]), lambda = Double(v[.weightDecay])
                return { _, g, x, _ in x * (1 - lr * lambda) - lr * g / (abs(g) + eps) }
            case .nadam, .nadamw:
                let b1 = Double(v[.beta1]), eps = Double(v[.epsilon]), psi = Double(v[.momentumDecay])
                let keep = config.kind == .nadamw ? 1 - lr * Double(v[.weightDecay]) : 1
                func mu(_ t: Int) -> Double { b1 * (1 - 0.5 * Foundation.pow(0.96, Double(t) * psi)) }
                return { t, g, x, product in
                    if t == 1 { product = 1 }
                    product *= mu(t)
                    let d = abs(g) + eps
                    let m = g * (1 - Foundation.pow(b1, Double(t)))
                    return x * keep - lr * (1 - mu(t)) / (1 - product) * g / d
                        - lr * mu(t + 1) / (1 - product * mu(t + 1)) * m / d
                }
            case .radam:
                let b2 = Double(v[.beta2]), eps = Double(v[.epsilon])
                let rhoInf = 2 / (1 - b2) - 1
                return { t, g, x, _ in
                    let bc2 = 1 - Foundation.pow(b2, Double(t))
                    let rho = rhoInf - 2 * Double(t) * Foundation.pow(b2, Double(t)) / bc2
                    guard rho > 5 else { return x - lr * g }
                    let r = ((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho)).squareRoot()
                    return x - lr * r * g * bc2.squareRoot() / (abs(g) * bc2.squareRoot() + eps)
                }
            case .adamax:
                let eps = Double(v[.epsilon])
                return { _, g, x, _ in x - lr * g / (abs(g) + eps) }
            case .lion:
                return { _, g, x, _ in x - lr * (g > 0 ? 1 : -1) }
            case .schedulefree:
                let eps = Double(v[.epsilon]), b1 = Double(v[.beta1])
                return { t, g, y, z in
                    if t == 1 { z = y }
                    let n = g / (abs(g) + eps), c = 1 / Double(t)
                    let next = y + c * (z - y) + lr * (b1 * (1 - c) - 1) * n
                    z -= lr * n
                    return next
                }
            case .shampoo:
                let eps = Double(v[.epsilon]), f = Int(v[.updateFrequency]), keep = 1 - lr * Double(v[.weightDecay])
                let a = gradient.map { $0 / (abs($0) + eps) }
                let normA = a.reduce(0) { $0 + $1 * $1 }.squareRoot(), normG = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return { t, g, x, _ in x * keep - lr * (t >= f ? g / normG * normA : g / (abs(g) + eps)) }
            case .muon:
                let (a, b, c) = (3.4445, -4.7750, 2.0315)
                var s = 1.0
                for _ in 0..<Int(v[.nsSteps]) { s = a * s + b * s * s * s + c * s * s * s * s * s }
                let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot(), keep = 1 - lr * Double(v[.weightDecay])
                return { [s] _, g, x, _ in x * keep - lr * s * g / norm }
            default:
                preconditionFailure("no closed form written for \(config.kind)")
            }
        }
        let cases: [OptimizerConfig] = [
            .init(kind: .sgd, learningRate: 0.01),
            .init(kind: .momentum, learningRate: 0.01),
            .init(kind: .momentum, learningRate: 0.01, momentum: 0.5, nesterov: true),
            .init(kind: .momentum, learningRate: 0.01, dampening: 0.3),
            .init(kind: .adagrad, learningRate: 0.05),
            .init(kind: .adagrad, learningRate: 0.05, initialAccumulatorValue: 0.1),
            .init(kind: .rmsprop, learningRate: 0.001),
            .init(kind: .rmsprop, learningRate: 0.001, alpha: 0.9),
            .init(kind: .adadelta),
            .init(kind: .adadelta, learningRate: 0.5, rho: 0.9),
            .init(kind: .adam, learningRate: 0.001),
            .init(kind: .adam, learningRate: 0.001, amsgrad: true),
            .init(kind: .adamw, learningRate: 0.001),
            .init(kind: .nadam),
            .init(kind: .nadamw),
            .init(kind: .radam),
            .init(kind: .radam, beta2: 0.9),
            .init(kind: .adamax),
            .init(kind: .lion, learningRate: 0.001),
            .init(kind: .muon),
            .init(kind: .muon, learningRate: 0.01, nesterov: false, weightDecay: 0),
            .init(kind: .schedulefree),
            { var c = OptimizerConfig(kind: .shampoo, learningRate: 0.01); c[.updateFrequency] = 5; c[.rootEpsilon] = 1e-6; return c }(),
        ]
        XCTAssertEqual(Set(cases.map(\.kind)), Set(Registry.builtIn.optimizers))
        for config in cases {
            let optimizer = try config.make()
            let shape = [.muon, .shampoo].contains(config.kind) ? [1, g.count] : [g.count]   // a 1 × n matrix
            let p = Parameter(name: "p", value: Tensor(shape: shape, values: start.map { Float($0) }))
            let rule = expected(config)
            var theta = start, state = [Double](repeating: 0, count: g.count)
            var worst = 0.0
            for t in 1...300 {
                for i in g.indices { p.grad[i] = Float(g[i]) }
                optimizer.step([p])
                for i in g.indices {
                    theta[i] = rule(t, g[i], theta[i], &state[i])
                    let error = abs(Double(p.value[i]) - theta[i]) / (1 + abs(theta[i]))
                    worst = max(worst, error)
                    if error > 1e-5 {
                        XCTFail("\(config.summary) step \(t) element \(i): \(p.value[i]), closed form \(theta[i])")
                        break
                    }
                }
                if worst > 1e-5 { break }
            }
            print("closed form \(config.summary): worst relative error \(worst)")
        }
    }
}
