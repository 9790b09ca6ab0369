import Foundation

/// An optimizer's steps on a `TestFunction`: the point and the loss after each step (the point
/// the rule evaluates: Schedule-Free's x, not the y it takes gradients at), from
/// the function's start, with minibatch gradients ∇f + (x̄, ȳ) (x̄, ȳ ~ N(0, 1/B)) drawn
/// from the seeded stream (seed, 1), so a path is fixed by its rule, its hyper-parameters,
/// B and the seed. The optimizer is the same object that trains networks: (u, v) is one
/// parameter of two values, and every rule's own update runs on it.
public struct OptimizerPath: Sendable {
    /// (u, v) before the first step, then after each step.
    public let points: [(u: Double, v: Double)]
    /// f at each point (without noise).
    public let losses: [Double]
    /// Whether the path left the finite numbers (it stops there).
    public let diverged: Bool

    /// f − f* at the last point (∞ after a divergence).
    public func gap(_ function: TestFunction) -> Double {
        diverged ? .infinity : losses.last! - function.minimum.value
    }

    /// Runs `steps` steps of `optimizer` on `function` with minibatches of `batchSize`
    /// examples (nil: the exact gradient).
    public init(_ function: TestFunction, optimizer: Optimizer, steps: Int, batchSize: Int?, seed: UInt64) throws {
        guard steps >= 0 else { throw DescentError("paths: steps must be ≥ 0, got \(steps)") }
        if let b = batchSize, b < 1 { throw DescentError("paths: the batch size must be at least 1, got \(b)") }
        // A 1 × 2 matrix, so the whole-matrix rules act on it as a matrix: Muon's orthogonalised step
        // is then the normalised gradient, Shampoo's right factor a full 2 × 2 preconditioner.
        let parameter = Parameter(name: "uv", value: Tensor(shape: [1, 2], values: [Float(function.start.u), Float(function.start.v)]))
        var noise = RandomGenerator(seed: seed, stream: 1)
        let scale = batchSize.map { Float(1 / Double($0).squareRoot()) } ?? 0
        var points = [function.start], losses = [function.value(function.start.u, function.start.v)]
        var diverged = false
        // Gradients are taken at the point the rule trains at (Schedule-Free's y); the path is
        // the point it evaluates and returns (x), read without disturbing the run. The two
        // are the same for every other rule.
        optimizer.beginTraining([parameter])
        var look = EvaluationPoint()
        for _ in 0..<steps {
            let (u, v) = (Double(parameter.value.data[0]), Double(parameter.value.data[1]))
            let (gu, gv) = function.gradient(u, v)
            parameter.zeroGrad()
            let (grad, _) = parameter.gradientForAccumulation()
            grad.data[0] = Float(gu) + scale * noise.normal()
            grad.data[1] = Float(gv) + scale * noise.normal()
            if optimizer.checkedStep([parameter]) != nil { diverged = true; break }
            let next = look.visit([parameter], of: optimizer) { (u: Double(parameter.value.data[0]), v: Double(parameter.value.data[1])) }
            let loss = function.value(next.u, next.v)
            guard next.u.isFinite, next.v.isFinite, loss.isFinite, abs(next.u) < 1e6, abs(next.v) < 1e6 else { diverged = true; break }
            points.append(next)
            losses.append(loss)
        }
        self.points = points
        self.losses = losses
        self.diverged = diverged
    }

    /// The learning rates tried by `tuned`: 10⁻⁶ … 10 in steps of half a decade (Beale's
    /// gradient at its start is about 10⁵, so plain SGD needs rates far below 10⁻⁴).
    public static let learningRates: [Float] = (0...14).map { Float(pow(10, -6 + Double($0) / 2)) }

    /// The path of `config`'s rule (its other hyper-parameters as given) at the learning rate
    /// of `learningRates` that ends nearest the minimum, judged on the exact function after
    /// `steps` steps (ties to the smaller rate); each rate sees the same noise.
    public static func tuned(_ function: TestFunction, config: OptimizerConfig, steps: Int, batchSize: Int?,
                             seed: UInt64) throws -> (learningRate: Float, path: OptimizerPath) {
        var best: (Float, OptimizerPath)?
        for rate in learningRates {
            var c = config
            c.learningRate = rate
            let path = try OptimizerPath(function, optimizer: try c.make(), steps: steps, batchSize: batchSize, seed: seed)
            if best == nil || path.gap(function) < best!.1.gap(function) { best = (rate, path) }
        }
        return best!
    }
}
