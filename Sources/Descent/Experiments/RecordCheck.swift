import Foundation

extension RunRecord {
    /// Why the record cannot be trusted, or nil. `ResultsStore.read` rejects such lines, so a
    /// sweep redoes their runs and a report leaves them out (naming them either way).
    ///
    /// A record is trusted when
    /// - its key is `RunSpec(config:seed:).key` (a line edited by hand, or glued from two
    ///   records, is not);
    /// - its configuration is valid (epochs, batch size, train limit ≥ 1; the optimizer's
    ///   hyper-parameters in range);
    /// - its epochs are numbered 1, 2, …; a `finished` run has all of its configuration's
    ///   epochs, a `diverged` one fewer;
    /// - every epoch has finite losses ≥ 0, a test accuracy in [0, 1], finite seconds ≥ 0;
    /// - its data (when recorded) name a SHA-256 fingerprint and at least one training and
    ///   test image, and as many training images as the train limit, when there is one.
    ///
    /// Example: `"finished with 3 of its 20 epochs"`, `"test accuracy 1.7 at epoch 2 is outside [0, 1]"`.
    public var problem: String? {
        let expected = RunSpec(config: config, seed: seed).key
        if key != expected { return "key \(key) is not the key of its configuration and seed (\(expected))" }
        let c = config
        if c.epochs < 1 { return "configuration has \(c.epochs) epochs" }
        if c.batchSize < 1 { return "configuration has batch size \(c.batchSize)" }
        if let t = c.trainLimit, t < 1 { return "configuration has train limit \(t)" }
        do { _ = try c.optimizer.make() } catch let e as DescentError {
            return "optimizer: \(e.message)"
        } catch { return "optimizer: \(error)" }
        for (i, m) in epochs.enumerated() {
            if m.epoch != i + 1 { return "epoch \(i + 1) is numbered \(m.epoch)" }
            if let p = RunRecord.problem(m) { return "\(p) at epoch \(m.epoch)" }
        }
        switch status {
        case .finished where epochs.count != c.epochs:
            return "finished with \(epochs.count) of its \(c.epochs) epochs"
        case .diverged where epochs.count >= c.epochs:
            return "diverged, but has all \(epochs.count) of its \(c.epochs) epochs"
        default: break
        }
        if !(totalSeconds.isFinite && totalSeconds >= 0) { return "total seconds \(totalSeconds)" }
        if let d = data {
            if d.fingerprint.count != 64 || !d.fingerprint.allSatisfy(\.isHexDigit) {
                return "data fingerprint '\(d.fingerprint)' is not a SHA-256"
            }
            if d.trainImages < 1 || d.testImages < 1 { return "data of \(d.trainImages) training and \(d.testImages) test images" }
            if let t = c.trainLimit, d.trainImages != t {
                return "trained on \(d.trainImages) images, but its train limit is \(t)"
            }
        }
        return nil
    }

    /// What is wrong with one epoch's numbers, or nil.
    static func problem(_ m: EpochMetrics) -> String? {
        for (name, loss) in [("training loss", m.trainLoss), ("test loss", m.testLoss)] where !(loss.isFinite && loss >= 0) {
            return "\(name) \(loss) is not a finite number ≥ 0"
        }
        guard let accuracy = m.testAccuracy else { return "no test accuracy" }
        if !(accuracy >= 0 && accuracy <= 1) { return "test accuracy \(accuracy) is outside [0, 1]" }
        if let p = m.penalty, !(p.isFinite && p >= 0) { return "penalty \(p) is not a finite number ≥ 0" }
        if !(m.seconds.isFinite && m.seconds >= 0) { return "seconds \(m.seconds) is not a finite number ≥ 0" }
        return nil
    }
}
