import CKernels

/// Mean squared error over every element, as `torch.nn.MSELoss()` and Chainer's
/// `mean_squared_error`:
///
/// ```
/// L = (1/N) Σ_i (y_i − t_i)²,      ∂L/∂y_i = 2 (y_i − t_i) / N,      N = batch × features
/// ```
public final class MeanSquaredError {
    private var gradient = Workspace()

    public init() {}

    /// Mean loss and (when requested) ∂L/∂prediction, valid until the next call.
    public func callAsFunction(_ prediction: Tensor, target: Tensor, computeGradient: Bool) -> (loss: Double, gradient: Tensor?) {
        precondition(prediction.count == target.count, "MeanSquaredError: \(prediction.shape) vs \(target.shape)")
        let n = prediction.count
        let g: Tensor? = computeGradient ? gradient.get(prediction.shape) : nil
        let total = descent_squared_error(prediction.data, target.data, g?.data, n, 2 / Float(n))
        return (total / Double(n), g)
    }
}
