/// Plain stochastic gradient descent (provisional; see issue #3).
///
/// ```
/// θ ← θ − lr · g
/// ```
public final class SGD: Optimizer {
    public var learningRate: Float
    public init(learningRate: Float = 0.01) throws {
        guard learningRate >= 0, learningRate.isFinite else { throw DescentError("sgd: lr must be a finite number ≥ 0, got \(learningRate)") }
        self.learningRate = learningRate
    }
    public func step(_ parameters: [Parameter]) {
        for p in parameters { Kernels.axpy(-learningRate, p.grad.data, p.value.data, count: p.count) }
    }
}
