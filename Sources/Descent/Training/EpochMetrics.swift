/// What one training epoch measured, as printed by `descent train --json` and stored in
/// every result record: `epoch`, `train_loss`, `test_loss`, `test_accuracy` (classifiers),
/// `test_mse` (autoencoders trained on another loss than MSE, e.g. binary cross-entropy:
/// the reconstruction's MSE in pixel space), `penalty` (models with a sparsity penalty) and
/// `seconds`.
public struct EpochMetrics: Codable, Equatable, Sendable {
    public var epoch: Int
    /// Mean minibatch loss over the epoch (with noise and dropout active, without penalties).
    public var trainLoss: Double
    /// Mean loss over the whole test set (evaluation mode).
    public var testLoss: Double
    /// Fraction of test images classified correctly (classifiers only).
    public var testAccuracy: Double?
    /// Test MSE of the reconstruction in pixel space, for autoencoders whose loss is not
    /// the MSE (for those with MSE it is `testLoss`).
    public var testMSE: Double?
    /// Mean penalty (sparsity) over the epoch, when the model has one.
    public var penalty: Double?
    /// Wall-clock seconds of the training part of the epoch.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case epoch, trainLoss = "train_loss", testLoss = "test_loss", testAccuracy = "test_accuracy", testMSE = "test_mse", penalty, seconds
    }

    public init(epoch: Int, trainLoss: Double, testLoss: Double, testAccuracy: Double? = nil, testMSE: Double? = nil,
                penalty: Double? = nil, seconds: Double) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.testLoss = testLoss
        self.testAccuracy = testAccuracy; self.testMSE = testMSE; self.penalty = penalty; self.seconds = seconds
    }
}

/// Thrown when a loss or gradient stops being finite.
public struct DivergenceError: Error, CustomStringConvertible, Equatable, Sendable {
    public let epoch: Int
    public let step: Int
    /// What stopped being finite, e.g. "training loss" or "gradient of layers.1.weight".
    public let what: String

    public init(epoch: Int, step: Int, what: String) {
        self.epoch = epoch
        self.step = step
        self.what = what
    }

    public var description: String { "diverged: \(what) is not finite at epoch \(epoch), step \(step)" }
}
