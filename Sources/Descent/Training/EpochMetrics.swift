/// What one epoch of classifier training measured.
public struct EpochMetrics: Codable, Equatable, Sendable {
    public var epoch: Int
    /// Mean minibatch loss over the epoch (with dropout active).
    public var trainLoss: Double
    /// Mean loss over the whole test set (evaluation mode).
    public var testLoss: Double
    /// Fraction of test images classified correctly.
    public var testAccuracy: Double
    /// Wall-clock seconds of the training part of the epoch.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case epoch, trainLoss = "train_loss", testLoss = "test_loss", testAccuracy = "test_accuracy", seconds
    }

    public init(epoch: Int, trainLoss: Double, testLoss: Double, testAccuracy: Double, seconds: Double) {
        self.epoch = epoch; self.trainLoss = trainLoss; self.testLoss = testLoss
        self.testAccuracy = testAccuracy; self.seconds = seconds
    }
}

/// Thrown when a loss or gradient stops being finite.
public struct DivergenceError: Error, CustomStringConvertible {
    public let epoch: Int
    public let step: Int
    public let what: String
    public var description: String { "diverged: \(what) is not finite at epoch \(epoch), step \(step)" }
}
