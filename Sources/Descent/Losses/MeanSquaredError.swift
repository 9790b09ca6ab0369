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
public final class MeanSquaredError: ReconstructionLoss {
    private var mean = ElementwiseMean("MeanSquaredError", gradientFactor: 2, descent_squared_error)

    public init() {}

    /// The loss of `prediction` against `target` (same element count).
    public func callAsFunction(_ prediction: Tensor, target: Tensor, computeGradient: Bool) -> LossValue {
        mean(prediction, target: target, computeGradient: computeGradient)
    }
}

extension LossKind {
    /// `mse`: mean squared error against the clean input (`MeanSquaredError`), for autoencoders.
    public static let meanSquaredError = LossKind(
        name: "mse", summary: "mean squared error against the clean input (autoencoders)",
        target: .input) { MeanSquaredError() }
}
