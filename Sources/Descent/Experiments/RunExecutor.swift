import Foundation

/// Executes one run of a sweep in this process and produces its record.
public enum RunExecutor {
    /// Trains `spec` on the given data; divergence is recorded, not thrown.
    /// `onEpoch` sees each epoch as it completes (for progress reports).
    public static func run(_ spec: RunSpec, train fullTrain: ImageSet, test: ImageSet,
                           onEpoch: (EpochMetrics) -> Void = { _ in }) throws -> RunRecord {
        let c = spec.config
        let train = c.trainLimit.map { fullTrain.prefix($0) } ?? fullTrain
        let model = try MLPClassifier(sizes: c.model, activation: c.activation, inputDropout: c.inputDropout,
                                      hiddenDropout: c.hiddenDropout, seed: spec.seed)
        let trainer = try ClassifierTrainer(model: model, optimizer: try c.optimizer.make(),
                                            batchSize: c.batchSize, seed: spec.seed)
        let start = DispatchTime.now().uptimeNanoseconds
        var epochs: [EpochMetrics] = []
        var status = RunStatus.finished
        var divergence: DivergenceError?
        do {
            try trainer.fit(train: train, test: test, epochs: c.epochs) { m in
                epochs.append(m)
                onEpoch(m)
            }
        } catch let d as DivergenceError {
            status = .diverged
            divergence = d
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return RunRecord(key: spec.key, seed: spec.seed, config: c, status: status, epochs: epochs,
                         divergence: divergence.map { "\($0.what) is not finite at epoch \($0.epoch), step \($0.step)" },
                         divergedEpoch: divergence?.epoch, divergedStep: divergence?.step,
                         totalSeconds: seconds, environment: .current(threads: Parallel.threads),
                         finishedAt: ISO8601DateFormatter().string(from: Date()))
    }
}
