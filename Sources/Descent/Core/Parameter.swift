/// A trainable tensor and the gradient accumulated for it.
///
/// Layers add (`+=`) their contribution into the gradient during backward, so a
/// parameter used twice (tied weights) receives the sum. Call `zeroGrad()` before each
/// backward pass. Zeroing is lazy: `zeroGrad()` only marks the gradient stale, and the
/// first layer to write it afterwards overwrites instead of adding (a GEMM with β = 0),
/// which saves a pass over every gradient per step. Reading `grad` while it is stale
/// zeroes it first, so readers always see the accumulated value.
public final class Parameter {
    /// A name unique within its model, e.g. `"layers.0.weight"`; used in checkpoints.
    public var name: String
    /// The current value.
    public let value: Tensor
    private let gradStorage: Tensor
    private var gradIsStale = false

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
        self.gradStorage = Tensor(shape: value.shape)
    }

    /// ∂loss/∂value, same shape as `value` (zero after `zeroGrad()` until a layer writes it).
    public var grad: Tensor {
        if gradIsStale {
            gradStorage.fill(0)
            gradIsStale = false
        }
        return gradStorage
    }

    /// Number of scalars.
    public var count: Int { value.count }

    /// Sets the gradient to zero (lazily, see the type's documentation).
    public func zeroGrad() { gradIsStale = true }

    /// For layers adding a contribution: the gradient buffer, and whether it must be
    /// overwritten (it was zeroed since the last write) rather than added to.
    public func gradientForAccumulation() -> (tensor: Tensor, overwrite: Bool) {
        let overwrite = gradIsStale
        gradIsStale = false
        return (gradStorage, overwrite)
    }
}

extension Array where Element == Parameter {
    /// Total number of scalars.
    public var scalarCount: Int { reduce(0) { $0 + $1.count } }
    /// Zeroes every gradient.
    public func zeroGrad() { forEach { $0.zeroGrad() } }
    /// The first parameter whose gradient holds a NaN or ±∞, if any.
    public var firstNonFiniteGradient: Parameter? {
        first { !Kernels.allFinite($0.grad.data, count: $0.count) }
    }
    /// The first parameter whose value holds a NaN or ±∞, if any.
    public var firstNonFiniteValue: Parameter? {
        first { !Kernels.allFinite($0.value.data, count: $0.count) }
    }
}
