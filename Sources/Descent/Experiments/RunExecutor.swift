import Foundation

/// Executes one run of a sweep in this process and produces its record.
public enum RunExecutor {
    /// Trains `spec` on the given data; divergence is recorded, not thrown.
    /// `onEpoch` sees each epoch as it completes (for progress reports), `onFinish` the
    /// trainer and the epochs after the last one (to keep the weights).
    public static func run(_ spec: RunSpec, train fullTrain: ImageSet, test: ImageSet,
                           onEpoch: (EpochMetrics) -> Void = { _ in },
                           onFinish: (Trainer, [EpochMetrics]) throws -> Void = { _, _ in }) throws -> RunRecord {
        let c = spec.config
        let train = c.trainLimit.map { fullTrain.prefix($0) } ?? fullTrain
        let trainer = try makeTrainer(c, seed: spec.seed)
        let start = DispatchTime.now().uptimeNanoseconds
        var epochs: [EpochMetrics] = []
        var status = RunStatus.finished
        var divergence: DivergenceError?
        do {
            try trainer.fit(train: .images(train), test: .images(test), epochs: c.epochs) { m in
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
                         finishedAt: ISO8601DateFormatter().string(from: Date()))
    }

    /// The network, optimizer and trainer a run configuration describes, before any epoch.
    public static func makeTrainer(_ c: ClassifierRunConfig, seed: UInt64) throws -> Trainer {
        let network = try Network(c.model, seed: seed)
        return try Trainer(network, optimizer: try c.optimizer.make(), loss: c.model.loss.make(), batchSize: c.batchSize,
                           seed: seed)
    }
}
