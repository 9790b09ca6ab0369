import Foundation

/// Minibatch training of an `MLPClassifier` with softmax cross-entropy.
///
/// Each epoch visits the training set in a fresh order drawn from the trainer's own
/// shuffling stream (`RandomGenerator(seed:stream: 2)`), so a run is fixed by its seed
/// (and the thread count). Every step checks that the loss and all gradients are
/// finite and throws `DivergenceError` (with epoch and step) the moment they are not.
public final class ClassifierTrainer {
    public let model: MLPClassifier
    public let optimizer: Optimizer
    public let batchSize: Int
    /// Batch size for evaluation (large batches: fewer, bigger GEMMs).
    public var evaluationBatchSize = 1000
    private var shuffler: RandomGenerator
    private let loss = SoftmaxCrossEntropy()
    private let parameters: [Parameter]
    public private(set) var epochsDone = 0
    public private(set) var stepsDone = 0
    /// Set to `StepPhases()` to time each phase of the following training steps.
    public var phases: StepPhases?

    public init(model: MLPClassifier, optimizer: Optimizer, batchSize: Int = 128, seed: UInt64) throws {
        guard batchSize > 0 else { throw DescentError("--batch-size must be positive, got \(batchSize)") }
        self.model = model
        self.optimizer = optimizer
        self.batchSize = batchSize
        self.shuffler = RandomGenerator(seed: seed, stream: 2)
        self.parameters = model.parameters
    }

    /// One pass over `train`; returns the mean minibatch loss.
    public func trainEpoch(_ train: ImageSet) throws -> Double {
        try checkInput(train)
        let epoch = epochsDone + 1
        let batches = Batches(train, batchSize: batchSize)
        var total = 0.0
        var seen = 0
        var step = 0
        var clock = phases.map { _ in StepPhases.Clock() }
        try batches.forEachBatch(shuffling: &shuffler) { x, labels in
            step += 1
            if let t = clock?.lap() { phases!.batch += t }
            parameters.zeroGrad()
            let logits = model.network.forward(x, training: true)
            if let t = clock?.lap() { phases!.forward += t }
            let r = loss(logits, labels: labels.baseAddress!, computeGradient: true)
            guard r.loss.isFinite else { throw DivergenceError(epoch: epoch, step: step, what: "training loss") }
            if let t = clock?.lap() { phases!.loss += t }
            _ = model.network.backward(r.gradient!, needsInputGradient: false)
            if let t = clock?.lap() { phases!.backward += t }
            if let p = optimizer.checkedStep(parameters) {
                throw DivergenceError(epoch: epoch, step: step, what: "gradient of \(p.name)")
            }
            if let t = clock?.lap() { phases!.update += t; phases!.steps += 1 }
            total += r.loss * Double(x.rows)
            seen += x.rows
        }
        stepsDone += step
        epochsDone = epoch
        return total / Double(max(seen, 1))
    }

    /// Mean loss and accuracy over `set`, in evaluation mode (no dropout).
    public func evaluate(_ set: ImageSet) throws -> (loss: Double, accuracy: Double) {
        try checkInput(set)
        let batches = Batches(set, batchSize: evaluationBatchSize)
        var total = 0.0
        var correct = 0
        batches.forEachBatch { x, labels in
            let logits = model.network.forward(x, training: false)
            let r = loss(logits, labels: labels.baseAddress!, computeGradient: false)
            total += r.loss * Double(x.rows)
            correct += r.correct
        }
        return (total / Double(max(set.count, 1)), Double(correct) / Double(max(set.count, 1)))
    }

    /// Trains for `epochs` epochs, evaluating on `test` after each; `onEpoch` sees each result.
    @discardableResult
    public func fit(train: ImageSet, test: ImageSet, epochs: Int,
                    onEpoch: (EpochMetrics) throws -> Void = { _ in }) throws -> [EpochMetrics] {
        var history: [EpochMetrics] = []
        for _ in 0..<epochs {
            let start = DispatchTime.now().uptimeNanoseconds
            let trainLoss = try trainEpoch(train)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let (testLoss, accuracy) = try evaluate(test)
            guard testLoss.isFinite else {
                throw DivergenceError(epoch: epochsDone, step: stepsDone, what: "test loss")
            }
            let m = EpochMetrics(epoch: epochsDone, trainLoss: trainLoss, testLoss: testLoss,
                                 testAccuracy: accuracy, seconds: seconds)
            history.append(m)
            try onEpoch(m)
        }
        return history
    }

    private func checkInput(_ set: ImageSet) throws {
        guard set.featureCount == model.inputSize else {
            throw DescentError("model expects \(model.inputSize) inputs per image, the data have \(set.height)×\(set.width) = \(set.featureCount)")
        }
        if let bad = set.labels.first(where: { Int($0) >= model.classCount }) {
            throw DescentError("label \(bad) is out of range for a model with \(model.classCount) classes")
        }
    }
}
