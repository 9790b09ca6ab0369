/// A trainable tensor and the gradient accumulated for it.
///
/// Layers add (`+=`) their contribution into `grad` during backward, so a parameter used
/// twice (tied weights) receives the sum. Call `zeroGrad()` before each backward pass.
public final class Parameter {
    /// A name unique within its model, e.g. `"layers.0.weight"`; used in checkpoints.
    public var name: String
    /// The current value.
    public let value: Tensor
    /// ∂loss/∂value, same shape as `value`.
    public let grad: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.grad = Tensor(shape: value.shape)
    }

    /// Number of scalars.
    public var count: Int { value.count }

    /// Sets the gradient to zero.
    public func zeroGrad() { grad.fill(0) }
}

extension Array where Element == Parameter {
    /// Total number of scalars.
    public var scalarCount: Int { reduce(0) { $0 + $1.count } }
    /// Zeroes every gradient.
    public func zeroGrad() { forEach { $0.zeroGrad() } }
}
