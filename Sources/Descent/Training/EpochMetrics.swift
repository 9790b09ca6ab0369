/// What one training epoch measured, as printed by `descent train --json` and stored in
/// every result record: `epoch`, `train_loss`, `test_loss`, `test_accuracy` (classifiers),
/// `test_mse` (autoencoders trained on another loss than MSE, e.g. binary cross-entropy:
/// the reconstruction's MSE in pixel space), `validation_loss` and `validation_accuracy`
/// (with a validation split), `penalty` (models with a sparsity penalty) and `seconds`.
/// Absent values are left out of the JSON.
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
    /// Mean loss over the validation images (evaluation mode), with a validation split.
    public var validationLoss: Double?
    /// Fraction of validation images classified correctly (classifiers with a validation split).
    public var validationAccuracy: Double?
    /// Mean penalty (sparsity) over the epoch, when the model has one.
    public var penalty: Double?
    /// Wall-clock seconds of the training part of the epoch.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case epoch, trainLoss = "train_loss", testLoss = "test_loss", testAccuracy = "test_accuracy", testMSE = "test_mse", penalty, seconds
        case validationLoss = "validation_loss", validationAccuracy = "validation_accuracy"
    }

    public init(epoch: Int, trainLoss: Double, testLoss: Double, testAccuracy: Double? = nil, testMSE: Double? = nil,
                validationLoss: Double? = nil, validationAccuracy: Double? = nil, penalty: Double? = nil, seconds: Double) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.testLoss = testLoss
        self.testAccuracy = testAccuracy; self.testMSE = testMSE; self.penalty = penalty; self.seconds = seconds
        self.validationLoss = validationLoss; self.validationAccuracy = validationAccuracy
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
