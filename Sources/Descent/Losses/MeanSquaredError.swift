import CKernels

/// Mean squared error over every element, as `torch.nn.MSELoss()` and Chainer's
/// `mean_squared_error`:
///
/// ```
/// L = (1/N) Σ_i (y_i − t_i)²,      ∂L/∂y_i = 2 (y_i − t_i) / N,      N = batch × features
/// ```
/// As a training `Loss` the target is the batch's clean input (`batch.clean`): an
/// autoencoder is scored against the uncorrupted image. The squares are summed in blocks
/// of 4096 (float lanes, then one Double per block) and the block sums added in order, so
/// the blocks can be split over `Parallel` threads and the loss is the same bits on any
/// thread count.
public final class MeanSquaredError: Loss {
    private var gradient = Workspace()
    private var sum = BlockedSum()

    public init() {}

    public var needsLabels: Bool { false }

    /// The loss of `prediction` against `batch.clean`.
    public func callAsFunction(_ prediction: Tensor, _ batch: Batch, computeGradient: Bool) -> LossValue {
        self(prediction, target: batch.clean, computeGradient: computeGradient)
    }

    /// The loss of `prediction` against `target` (same element count).
    public func callAsFunction(_ prediction: Tensor, target: Tensor, computeGradient: Bool) -> LossValue {
        sum.mean("MeanSquaredError", prediction, target: target, gradient: &gradient, computeGradient: computeGradient,
                 gradientScale: { 2 / Float($0) }, descent_squared_error)
    }
}
