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
        let (y, t) = (prediction.data, target.data)
        let scale = 2 / Float(n)
        var total = 0.0
        if computeGradient {
            let g = gradient.get(prediction.shape)
            let gd = g.data
            var row: Float = 0
            for i in 0..<n {
                let d = y[i] - t[i]
                row += d * d
                gd[i] = scale * d
                if i & 1023 == 1023 { total += Double(row); row = 0 }
            }
            total += Double(row)
            return (total / Double(n), g)
        }
        var row: Float = 0
        for i in 0..<n {
            let d = y[i] - t[i]
            row += d * d
            if i & 1023 == 1023 { total += Double(row); row = 0 }
        }
        total += Double(row)
        return (total / Double(n), nil)
    }
}
