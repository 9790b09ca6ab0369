import Foundation

/// Executes one run of a sweep in this process and produces its record.
public enum RunExecutor {
    /// Trains `spec` on the given data; divergence is recorded, not thrown.
    /// `fingerprint` is that of the files `fullTrain` and `test` were read from (computed
    /// here when nil; pass it to compute it once for several runs). `onEpoch` sees each epoch
    /// as it completes (for progress reports; `onStart` sees the trainer first), `onFinish` the trainer and the epochs after
    /// the last one (to keep the weights). A train limit must leave images out
    /// (`ClassifierRunConfig.trainLimit(_:available:)`), so the record says what was used.
    public static func run(_ spec: RunSpec, train fullTrain: ImageSet, test: ImageSet, fingerprint: DataFingerprint? = nil,
                           onStart: (Trainer) -> Void = { _ in },
                           onEpoch: (EpochMetrics) -> Void = { _ in },
                           onFinish: (Trainer, [EpochMetrics]) throws -> Void = { _, _ in }) throws -> RunRecord {
        let c = spec.config
        let (kept, held, split) = try images(c, train: fullTrain)
        // Normalised as the configuration says (training, validation and test alike).
        let train = try kept.normalized(by: c.normalize), validation = try held?.normalized(by: c.normalize)
        let test = try test.normalized(by: c.normalize)
        let data = RunData(fingerprint: (fingerprint ?? DataFingerprint(train: fullTrain, test: test)).value,
                           trainImages: train.count, testImages: test.count)
        let trainer = try makeTrainer(c, seed: spec.seed)
        onStart(trainer)
        let start = DispatchTime.now().uptimeNanoseconds
        var epochs: [EpochMetrics] = []
        var status = RunStatus.finished
        var divergence: DivergenceError?
        do {
            try trainer.fit(train: .images(train), validation: validation.map { .images($0) }, test: .images(test),
                            epochs: c.epochs) { m in
                epochs.append(m)
                onEpoch(m)
            }
        } catch let d as DivergenceError {
            status = .diverged
            divergence = d
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if status == .finished { try onFinish(trainer, epochs) }
        return RunRecord(key: spec.key, seed: spec.seed, config: c, status: status, epochs: epochs,
                         divergence: divergence.map { "\($0.what) is not finite at epoch \($0.epoch), step \($0.step)" },
                         divergedEpoch: divergence?.epoch, divergedStep: divergence?.step,
                         totalSeconds: seconds, environment: .current(threads: Parallel.threads),
                         finishedAt: ISO8601DateFormatter().string(from: Date()), data: data, validationSplit: split?.record)
    }

    /// The training and validation images of a configuration: without `validation`, the
    /// first `trainLimit` images of the file; with it, `ValidationSplit` holds them out
    /// first and `trainLimit` counts the rest. A train limit must leave images out.
    public static func images(_ c: ClassifierRunConfig, train: ImageSet) throws
        -> (train: ImageSet, validation: ImageSet?, split: ValidationSplit?) {
        try images(trainLimit: c.trainLimit, validation: c.validation, train: train)
    }

    /// `images(_:train:)` for a train limit and a validation count.
    public static func images(trainLimit: Int?, validation: Int?, train: ImageSet) throws
        -> (train: ImageSet, validation: ImageSet?, split: ValidationSplit?) {
        let held = validation ?? 0
        if let t = trainLimit, t >= train.count - held {
            throw DescentError("train limit \(t) leaves none of the \(train.count - held) training images\(held > 0 ? " left after the validation split" : "") out: record no limit instead")
        }
        guard held > 0 else { return (trainLimit.map { train.prefix($0) } ?? train, nil, nil) }
        let split = try ValidationSplit(count: held, of: train.count)
        let (kept, validation) = try split.apply(to: train, trainLimit: trainLimit)
        return (kept, validation, split)
    }

    /// The network, optimizer and trainer a run configuration describes, before any epoch.
    public static func makeTrainer(_ c: ClassifierRunConfig, seed: UInt64) throws -> Trainer {
        let network = try Network(c.model, seed: seed)
        return try Trainer(network, optimizer: try c.optimizer.make(), loss: c.model.loss.make(), batchSize: c.batchSize,
                           augmentation: c.augment, seed: seed)
    }
}
