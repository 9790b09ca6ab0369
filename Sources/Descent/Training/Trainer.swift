import Foundation

/// The one training loop of Descent: minibatch training of a `Network` on a `Loss`, used
/// alike by classifiers, autoencoders (and each level of a stacked one) and linear probes.
///
/// ```swift
/// let trainer = try Trainer(network, optimizer: try Adam(), loss: SoftmaxCrossEntropy(), batchSize: 128, seed: 0)
/// let history = try trainer.fit(train: .images(data.train), test: .images(data.test), epochs: 20)
/// ```
/// Each step: zero the gradients → forward (training mode) → loss and ∂L/∂output →
/// backward → `Optimizer.checkedStep`. A loss, penalty or gradient that stops being finite
/// throws `DivergenceError` naming the epoch and step where it happened; so do weights that
/// are not finite at the end of an epoch (a dead ReLU can hide them from the loss).
///
/// **Randomness per epoch**: epoch e shuffles with `RandomGenerator(seed:stream: s(2, e))`,
/// draws masking noise from `s(3, e)`, re-seeds the network's dropout from `s(4, e)` and draws
/// the augmentation of training images (`augmentation`) from `s(6, e)`, where
/// `s(p, e) = streamBase·2⁴⁰ + p·2³² + e`. An epoch therefore depends only on the seed, its
/// number and the weights it starts from, so a run resumed from a checkpoint after epoch k
/// repeats epochs k+1… exactly. `streamBase` tells apart independent trainings of one run
/// (the levels of a stacked autoencoder).
///
/// With `corruption` p > 0 the training inputs get masking noise (`Batches`; plain, or
/// inverted with `invertedMasking`) and the loss is taken against the clean input (a
/// denoising autoencoder). For reconstruction losses every evaluation also measures the
/// MSE of the reconstruction in pixel space (`Evaluation.reconstructionMSE`), whatever the
/// training loss, so models trained on MSE and on binary cross-entropy compare.
public final class Trainer {
    public let network: Network
    public let optimizer: Optimizer
    public let loss: Loss
    public let batchSize: Int
    public let seed: UInt64
    public let streamBase: UInt64
    /// Masking-noise probability on training inputs (0: none).
    public let corruption: Float
    /// Whether the masking noise scales kept inputs by 1/(1 − p) (see `Batches`).
    public let invertedMasking: Bool
    /// Random crops and mirrors of the training images (never of validation or test images).
    public let augmentation: Augmentation?
    /// Batch size for evaluation (large batches: fewer, bigger products).
    public var evaluationBatchSize = 1000
    /// Epochs finished (set it when resuming from a checkpoint).
    public var epochsDone = 0
    public private(set) var stepsDone = 0
    /// Set to `StepPhases()` to time each phase of the following training steps.
    public var phases: StepPhases?
    /// Called after every training step with (steps done this epoch, steps per epoch).
    public var onStep: ((Int, Int) -> Void)?
    /// Asked after every training step (after `onStep`): true ends the epoch there, as if its
    /// data had run out; its loss and accuracy then average the examples it saw. (`descent
    /// benchmark` stops at its step budget or its target, not at the end of an epoch.)
    public var stopsAfterStep: (() -> Bool)?
    /// The loss of the last training minibatch (noise and dropout active, no penalty), for `onStep`.
    public private(set) var lastStepLoss = Double.nan
    private let parameters: [Parameter]
    /// Whether a `trainEpoch` is running (the parameters hold the rule's training point).
    private var inEpoch = false
    private var evaluationPoint = EvaluationPoint()
    private var trainBatches: (source: UInt, batches: Batches)?
    private let pixelError = MeanSquaredError()

    public init(_ network: Network, optimizer: Optimizer, loss: Loss, batchSize: Int, corruption: Float = 0,
                invertedMasking: Bool = false, augmentation: Augmentation? = nil, seed: UInt64, streamBase: UInt64 = 0) throws {
        guard batchSize > 0 else { throw DescentError("batch size must be positive, got \(batchSize)") }
        guard corruption >= 0, corruption < 1 else { throw DescentError("masking-noise probability must be in [0, 1), got \(corruption)") }
        self.network = network
        self.optimizer = optimizer
        self.loss = loss
        self.batchSize = batchSize
        self.corruption = corruption
        self.invertedMasking = invertedMasking
        self.augmentation = augmentation
        self.seed = seed
        self.streamBase = streamBase
        self.parameters = network.parameters
    }

    /// The stream of purpose `purpose` in epoch `epoch` (see the type's documentation).
    public func stream(_ purpose: UInt64, epoch: Int) -> UInt64 {
        (streamBase &<< 40) &+ (purpose &<< 32) &+ UInt64(epoch)
    }

    /// What one training epoch measured.
    public struct EpochResult {
        /// Mean loss of the training minibatches (noise and dropout active), without penalties.
        public var loss: Double
        /// Mean penalty (sparsity) over the epoch, 0 without one.
        public var penalty: Double
        /// Fraction of training examples classified correctly (classification losses).
        public var accuracy: Double?
        public var seconds: Double
    }

    /// One pass over `data` in the epoch's order.
    public func trainEpoch(_ data: DataSource) throws -> EpochResult {
        try check(data)
        let start = DispatchTime.now().uptimeNanoseconds
        let epoch = epochsDone + 1
        let batches = try batchesForTraining(data)
        batches.noise = RandomGenerator(seed: seed, stream: stream(3, epoch: epoch))
        batches.augmentationDraws = RandomGenerator(seed: seed, stream: stream(6, epoch: epoch))
        network.beginEpoch(seed: seed, stream: stream(4, epoch: epoch))
        var total = 0.0, penaltyTotal = 0.0
        var correct = 0, counted = false
        var step = 0
        let steps = batches.batchCount
        var clock = phases.map { _ in StepPhases.Clock() }
        // Parameters hold the point to evaluate between epochs (Schedule-Free's x), the
        // point gradients are taken at during them (y); a no-op for other rules.
        optimizer.beginTraining(parameters)
        inEpoch = true
        defer { inEpoch = false }
        var seen = 0
        do {
            try batches.forEachBatch(shuffledBy: RandomGenerator(seed: seed, stream: stream(2, epoch: epoch))) { batch in
                step += 1
                if let t = clock?.lap() { phases!.batch += t }
                parameters.zeroGrad()
                let output = network.forward(batch.inputs, training: true)
                if let t = clock?.lap() { phases!.forward += t }
                let value = loss(output, batch, computeGradient: true)
                guard value.loss.isFinite else { throw DivergenceError(epoch: epoch, step: step, what: "training loss") }
                if let t = clock?.lap() { phases!.loss += t }
                _ = network.backward(value.gradient!, needsInputGradient: false)
                let penalty = network.penalty
                guard penalty.isFinite else { throw DivergenceError(epoch: epoch, step: step, what: "penalty") }
                if let t = clock?.lap() { phases!.backward += t }
                if let p = optimizer.checkedStep(parameters) {
                    throw DivergenceError(epoch: epoch, step: step, what: "gradient of \(p.name)")
                }
                if let t = clock?.lap() { phases!.update += t; phases!.endStep() }
                total += value.loss * Double(batch.count)
                penaltyTotal += penalty * Double(batch.count)
                if let c = value.correct { correct += c; counted = true }
                lastStepLoss = value.loss
                seen += batch.count
                onStep?(step, steps)
                if stopsAfterStep?() == true { throw EpochCut() }
            }
        } catch is EpochCut {}
        optimizer.endTraining(parameters)
        // A weight that is NaN or ±∞ may give finite losses and gradients (a ReLU turns a
        // NaN pre-activation into 0, and its gradient into 0), so the step's check would
        // never see it: every epoch ends by checking the weights themselves (one pass).
        if let p = parameters.firstNonFiniteValue {
            throw DivergenceError(epoch: epoch, step: step, what: "weights of \(p.name)")
        }
        if let b = network.buffers.first(where: { !Kernels.allFinite($0.value.data, count: $0.value.count) }) {
            throw DivergenceError(epoch: epoch, step: step, what: "running statistics \(b.name)")
        }
        stepsDone += step
        epochsDone = epoch
        let n = Double(max(seen, 1))
        return EpochResult(loss: total / n, penalty: penaltyTotal / n, accuracy: counted ? Double(correct) / n : nil,
                           seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    /// What an evaluation measured.
    public struct Evaluation {
        /// Mean loss over the data (evaluation mode: no dropout).
        public var loss: Double
        /// Fraction classified correctly (classification losses).
        public var accuracy: Double?
        /// Reconstruction losses: the mean squared error of the reconstruction
        /// (`loss.prediction` of the output, e.g. σ(logits)) against the clean input, per value.
        public var reconstructionMSE: Double?
    }

    /// The loss (and accuracy, or reconstruction MSE) over `data` in evaluation mode. With
    /// `corruption` > 0 the inputs get masking noise first (plain, or inverted with
    /// `invertedMasking`), from a fixed stream (the same on every call), and the loss is
    /// against the clean input: the denoising error. With `inputScale` ≠ 1 the inputs are
    /// multiplied by it (e.g. 1 − p, the mean of a plainly masked input).
    ///
    /// Called during an epoch (from `onStep`), it evaluates at the rule's evaluation point
    /// (Schedule-Free's x, not the y gradients are taken at), and training then continues
    /// bit for bit as it would have (`EvaluationPoint`).
    public func evaluate(_ data: DataSource, corruption: Float = 0, invertedMasking: Bool = false,
                         inputScale: Float = 1) throws -> Evaluation {
        guard inEpoch else { return try evaluateHere(data, corruption: corruption, invertedMasking: invertedMasking, inputScale: inputScale) }
        return try evaluationPoint.visit(parameters, of: optimizer) {
            try evaluateHere(data, corruption: corruption, invertedMasking: invertedMasking, inputScale: inputScale)
        }
    }

    private func evaluateHere(_ data: DataSource, corruption: Float, invertedMasking: Bool, inputScale: Float) throws -> Evaluation {
        try check(data)
        let batches = try Batches(data, batchSize: evaluationBatchSize, corruption: corruption, invertedMasking: invertedMasking)
        batches.noise = RandomGenerator(seed: seed, stream: stream(5, epoch: 0))
        var total = 0.0, squaredError = 0.0
        var correct = 0, counted = false, reconstructs = false
        var scaled = Workspace()
        try batches.forEachBatch { batch in
            var input = batch.inputs
            if inputScale != 1 {
                input = scaled.get(batch.inputs.shape)
                let (src, dst) = (batch.inputs.data, input.data)
                for i in 0..<input.count { dst[i] = src[i] * inputScale }
            }
            let output = network.forward(input, training: false)
            let value = loss(output, batch, computeGradient: false)
            total += value.loss * Double(batch.count)
            if let c = value.correct { correct += c; counted = true }
            if !loss.needsLabels && output.count == batch.clean.count {
                reconstructs = true
                let mse = loss is MeanSquaredError ? value.loss
                    : pixelError(loss.prediction(output), target: batch.clean, computeGradient: false).loss
                squaredError += mse * Double(batch.count)
            }
        }
        let n = Double(max(data.count, 1))
        return Evaluation(loss: total / n, accuracy: counted ? Double(correct) / n : nil,
                          reconstructionMSE: reconstructs ? squaredError / n : nil)
    }

    /// Trains `epochs` more epochs, evaluating on `validation` (if given) and `test` after
    /// each; `onEpoch` sees each epoch's metrics as soon as they exist. A validation or
    /// test loss that is not finite throws `DivergenceError`.
    @discardableResult
    public func fit(train: DataSource, validation: DataSource? = nil, test: DataSource, epochs: Int,
                    onEpoch: (EpochMetrics) throws -> Void = { _ in }) throws -> [EpochMetrics] {
        var history: [EpochMetrics] = []
        for _ in 0..<epochs {
            let r = try trainEpoch(train)
            let v = try validation.map { try evaluate($0) }
            if let v, !v.loss.isFinite { throw DivergenceError(epoch: epochsDone, step: stepsDone, what: "validation loss") }
            let t = try evaluate(test)
            guard t.loss.isFinite else { throw DivergenceError(epoch: epochsDone, step: stepsDone, what: "test loss") }
            var m = EpochMetrics(epoch: epochsDone, trainLoss: r.loss, testLoss: t.loss, testAccuracy: t.accuracy,
                                 validationLoss: v?.loss, validationAccuracy: v?.accuracy,
                                 penalty: r.penalty == 0 ? nil : r.penalty, seconds: r.seconds)
            if !(loss is MeanSquaredError) { m.testMSE = t.reconstructionMSE }
            history.append(m)
            try onEpoch(m)
        }
        return history
    }

    /// The batches of `data` for training, reused while the same data come back.
    private func batchesForTraining(_ data: DataSource) throws -> Batches {
        let id = data.identity
        if let (source, batches) = trainBatches, source == id { return batches }
        let batches = try Batches(data, batchSize: batchSize, corruption: corruption, invertedMasking: invertedMasking,
                                  augmentation: augmentation)
        trainBatches = (id, batches)
        return batches
    }

    /// Input shape, labels present and in range for the network's outputs.
    private func check(_ data: DataSource) throws {
        try network.checkInput(data)
        guard loss.needsLabels else { return }
        guard let labels = data.labels else { throw DescentError("the loss needs labels, and the data have none") }
        if let classes = network.spec?.classCount ?? network.outputCount, let bad = labels.max(), Int(bad) >= classes {
            throw DescentError("label \(bad) is out of range for a model with \(classes) classes")
        }
    }
}

/// Thrown out of an epoch's loop when `Trainer.stopsAfterStep` says so; caught there.
private struct EpochCut: Error {}
