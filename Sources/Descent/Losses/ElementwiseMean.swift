/// The mean over every element of an element-wise loss computed by a fused C kernel, with
/// the gradient of the mean in a buffer it owns (valid until its next call):
/// `MeanSquaredError` and `BinaryCrossEntropy` are each one of these.
///
/// ```
/// L = (1/N) Σ_i ℓ(y_i, t_i),      ∂L/∂y_i = (gradientFactor / N) · d(y_i, t_i)
/// ```
/// where the kernel gives ℓ and d: (y − t)² and y − t for squared errors (factor 2),
/// the logistic loss of logits z and σ(z) − t for cross-entropy (factor 1). The terms are
/// summed by `BlockedSum`, so the mean is the same bits on any thread count.
///
/// ```swift
/// var mse = ElementwiseMean("MeanSquaredError", gradientFactor: 2, descent_squared_error)
/// let value = mse(prediction, target: target, computeGradient: true)
/// ```
struct ElementwiseMean {
    /// A fused C kernel of an element-wise loss: `kernel(y, t, grad, count, gradientScale,
    /// blockTotals)` writes one sum of ℓ per block of 4096 elements and, when `grad` is not
    /// nil, `gradientScale · d` per element.
    typealias Kernel = (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int, Float,
                        UnsafeMutablePointer<Double>?) -> Void

    /// The loss's name, for the message when the sizes differ.
    let name: String
    /// The gradient scale is `gradientFactor / N` over the N elements.
    let gradientFactor: Float
    let kernel: Kernel
    private var gradient = Workspace()
    private var sum = BlockedSum()

    init(_ name: String, gradientFactor: Float, _ kernel: @escaping Kernel) {
        self.name = name
        self.gradientFactor = gradientFactor
        self.kernel = kernel
    }

    /// The mean of the kernel's terms for `prediction` against `target` (same element
    /// count, else a trap), with ∂(mean)/∂prediction when `computeGradient`.
    mutating func callAsFunction(_ prediction: Tensor, target: Tensor, computeGradient: Bool) -> LossValue {
        precondition(prediction.count == target.count, "\(name): \(prediction.shape) vs \(target.shape)")
        let n = prediction.count
        let g: Tensor? = computeGradient ? gradient.get(prediction.shape) : nil
        let (y, t, scale, kernel) = (prediction.data, target.data, gradientFactor / Float(n), kernel)
        let total = sum(count: n) { lo, count, totals in kernel(y + lo, t + lo, g.map { $0.data + lo }, count, scale, totals) }
        return LossValue(loss: total / Double(max(n, 1)), gradient: g)
    }
}
