import CKernels
import Foundation

/// Rows to reconstruct: images kept as bytes (converted to pixels / 255 per batch), or
/// Float codes (the inputs of a deeper level of a stacked autoencoder).
public enum ReconstructionData {
    case images(ImageSet)
    case codes(Tensor)

    public var count: Int {
        switch self { case .images(let s): s.count; case .codes(let t): t.rows }
    }
    public var featureCount: Int {
        switch self { case .images(let s): s.featureCount; case .codes(let t): t.columns }
    }

    /// Masking noise for `fill`: the output buffer, the probability and the hash key (one
    /// draw of the noise generator per batch, `Kernels.hashKey`).
    struct Masking {
        var output: UnsafeMutablePointer<Float>
        var probability: Float
        var key: (UInt32, UInt32)
    }

    /// Copies rows `indices` (or `start..<start+n` when `indices` is nil) into `dst`, and
    /// with `masking` also a copy with masking noise: the draws `Kernels.maskingNoise` makes
    /// over the whole batch with that key. For images both happen in the byte → Float
    /// conversion, one pass.
    func fill(_ dst: UnsafeMutablePointer<Float>, indices: UnsafeBufferPointer<Int>?, start: Int, rows n: Int,
              masking: Masking? = nil) {
        let f = featureCount
        let threshold = Kernels.threshold24(masking?.probability ?? 0)
        switch self {
        case .images(let set):
            set.pixels.withUnsafeBufferPointer { px in
                let src = px.baseAddress!
                Parallel.forRanges(n, elementsPerItem: f) { rows in for r in rows {
                    let s = src + (indices?[start + r] ?? (start + r)) * f, d = dst + r * f
                    if let m = masking {
                        descent_bytes_to_float_masked(s, d, m.output + r * f, f, 255, threshold, m.key.0, m.key.1, r * f)
                    } else {
                        descent_bytes_to_float(s, d, f, 255)
                    }
                } }
            }
        case .codes(let t):
            for r in 0..<n {
                (dst + r * f).update(from: t.data + (indices?[start + r] ?? (start + r)) * f, count: f)
            }
            if let m = masking {
                Kernels.bernoulli(dst, into: m.output, mask: nil, count: n * f, threshold: threshold, keep: 1, key: m.key)
            }
        }
    }

    /// Applies `body` to consecutive batches of up to `batchSize` rows in stored order.
    public func forEachBatch(batchSize: Int, _ body: (Tensor) throws -> Void) rethrows {
        let x = Tensor(shape: [Swift.min(batchSize, Swift.max(count, 1)), featureCount])
        var start = 0
        while start < count {
            let b = Swift.min(batchSize, count - start)
            x.reshape([b, featureCount])
            fill(x.data, indices: nil, start: start, rows: b)
            try body(x)
            start += b
        }
    }
}

/// What one epoch of autoencoder training measured.
public struct AutoEncoderEpoch: Codable, Equatable, Sendable {
    public var epoch: Int
    /// Mean MSE of the training minibatches against the clean input, with corruption and
    /// dropout active (the quantity minimised, without the sparsity term).
    public var trainMSE: Double
    /// MSE over the whole held-out set, evaluation mode (no corruption, no dropout).
    public var testMSE: Double
    /// Mean sparsity penalty over the epoch (0 without one).
    public var penalty: Double
    /// Wall-clock seconds of the training part of the epoch.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case epoch, trainMSE = "train_mse", testMSE = "test_mse", penalty, seconds
    }
}

/// Minibatch training of a `ReconstructionModel` on the MSE against the clean input.
///
/// Each minibatch is converted to Float once (`clean`) and corrupted with masking noise
/// into a second reused buffer (`corrupted`) in the same pass over the batch, so a step
/// allocates nothing. Randomness is derived from `(seed, streamBase, epoch)`: the
/// shuffling order, the masking noise and the model's dropout of epoch e are fresh every
/// epoch and depend only on e, so a run resumed from a checkpoint after epoch k repeats
/// epochs k+1… exactly. Loss and gradients are checked for finiteness every step.
public final class AutoEncoderTrainer {
    public let model: ReconstructionModel
    public let optimizer: Optimizer
    public let batchSize: Int
    public let corruption: Float
    public let seed: UInt64
    /// Distinguishes independent trainings of one run (levels of a stacked model).
    public let streamBase: UInt64
    public var evaluationBatchSize = 1000
    public var epochsDone = 0
    public private(set) var stepsDone = 0
    /// Set to `StepPhases()` to time each phase of the following training steps.
    public var phases: StepPhases?
    private let loss = MeanSquaredError()
    private let parameters: [Parameter]
    private var clean = Workspace()
    private var corrupted = Workspace()
    private var order: [Int] = []

    public init(model: ReconstructionModel, optimizer: Optimizer, batchSize: Int = 100, corruption: Float = 0,
                seed: UInt64, streamBase: UInt64 = 0) throws {
        guard batchSize > 0 else { throw DescentError("--batch-size must be positive, got \(batchSize)") }
        guard corruption >= 0, corruption < 1 else { throw DescentError("--corruption must be in [0, 1), got \(corruption)") }
        self.model = model
        self.optimizer = optimizer
        self.batchSize = batchSize
        self.corruption = corruption
        self.seed = seed
        self.streamBase = streamBase
        self.parameters = model.parameters
    }

    func stream(_ purpose: UInt64, epoch: Int) -> UInt64 {
        (streamBase &<< 40) &+ (purpose &<< 32) &+ UInt64(epoch)
    }

    /// One pass over `data` in a fresh order; returns (mean train MSE, mean penalty).
    public func trainEpoch(_ data: ReconstructionData) throws -> (mse: Double, penalty: Double) {
        guard data.featureCount == model.inputSize else {
            throw DescentError("autoencoder expects \(model.inputSize) inputs per row, the data have \(data.featureCount)")
        }
        let epoch = epochsDone + 1
        var shuffler = RandomGenerator(seed: seed, stream: stream(2, epoch: epoch))
        var noise = RandomGenerator(seed: seed, stream: stream(3, epoch: epoch))
        model.beginEpoch(seed: seed, stream: stream(4, epoch: epoch))
        let n = data.count, f = data.featureCount
        if order.count != n { order = Array(0..<n) } else { for i in 0..<n { order[i] = i } }
        shuffler.shuffle(&order)
        var total = 0.0, penaltyTotal = 0.0
        var step = 0
        var clock = phases.map { _ in StepPhases.Clock() }
        try order.withUnsafeBufferPointer { idx in
            var start = 0
            while start < n {
                _ = clock?.lap()
                let b = Swift.min(batchSize, n - start)
                let x = clean.get([b, f])
                let input = corruption > 0 ? corrupted.get([b, f]) : x
                data.fill(x.data, indices: idx, start: start, rows: b, masking: corruption > 0
                          ? ReconstructionData.Masking(output: input.data, probability: corruption, key: Kernels.hashKey(&noise)) : nil)
                step += 1
                if let t = clock?.lap() { phases!.batch += t }
                parameters.zeroGrad()
                let y = model.reconstruct(input, training: true)
                if let t = clock?.lap() { phases!.forward += t }
                let r = loss(y, target: x, computeGradient: true)
                guard r.loss.isFinite else { throw DivergenceError(epoch: epoch, step: step, what: "training loss") }
                if let t = clock?.lap() { phases!.loss += t }
                let penalty = model.backward(r.gradient!)
                if let t = clock?.lap() { phases!.backward += t }
                if let p = optimizer.checkedStep(parameters) {
                    throw DivergenceError(epoch: epoch, step: step, what: "gradient of \(p.name)")
                }
                if let t = clock?.lap() { phases!.update += t; phases!.steps += 1 }
                total += r.loss * Double(b)
                penaltyTotal += penalty * Double(b)
                start += b
            }
        }
        stepsDone += step
        epochsDone = epoch
        return (total / Double(max(n, 1)), penaltyTotal / Double(max(n, 1)))
    }

    /// MSE over `data` in evaluation mode (no dropout), per element. With `corruption` > 0
    /// the inputs are masked first (a fixed noise stream, the same on every call) and the
    /// loss is against the clean rows: the denoising error.
    /// With `inputScale` ≠ 1 the clean inputs are multiplied by it (e.g. 1 − p, the mean
    /// of a masked input, the analogue of non-inverted dropout's weight scaling).
    public func evaluate(_ data: ReconstructionData, corruption: Float = 0, inputScale: Float = 1) -> Double {
        var total = 0.0
        var noise = RandomGenerator(seed: seed, stream: stream(5, epoch: 0))
        data.forEachBatch(batchSize: evaluationBatchSize) { x in
            var input = x
            if corruption > 0 {
                input = corrupted.get(x.shape)
                MaskingNoise.corruptingCopy(x.data, into: input.data, count: x.count, probability: corruption, generator: &noise)
            } else if inputScale != 1 {
                input = corrupted.get(x.shape)
                let (src, dst) = (x.data, input.data)
                for i in 0..<x.count { dst[i] = src[i] * inputScale }
            }
            let y = model.reconstruct(input, training: false)
            total += loss(y, target: x, computeGradient: false).loss * Double(x.rows)
        }
        return total / Double(max(data.count, 1))
    }

    /// Trains `epochs` more epochs, evaluating on `test` after each.
    @discardableResult
    public func fit(train: ReconstructionData, test: ReconstructionData, epochs: Int,
                    onEpoch: (AutoEncoderEpoch) throws -> Void = { _ in }) throws -> [AutoEncoderEpoch] {
        var history: [AutoEncoderEpoch] = []
        for _ in 0..<epochs {
            let start = DispatchTime.now().uptimeNanoseconds
            let (mse, penalty) = try trainEpoch(train)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let testMSE = evaluate(test)
            guard testMSE.isFinite else { throw DivergenceError(epoch: epochsDone, step: stepsDone, what: "test MSE") }
            let m = AutoEncoderEpoch(epoch: epochsDone, trainMSE: mse, testMSE: testMSE, penalty: penalty, seconds: seconds)
            history.append(m)
            try onEpoch(m)
        }
        return history
    }
}

/// Mean squared error of predicting every image by the training set's mean image: the
/// baseline any autoencoder has to beat.
public func meanImageBaselineMSE(train: ImageSet, test: ImageSet) -> Double {
    let f = train.featureCount
    var mean = [Double](repeating: 0, count: f)
    train.pixels.withUnsafeBufferPointer { p in
        for i in 0..<train.count { for j in 0..<f { mean[j] += Double(p[i * f + j]) } }
    }
    for j in 0..<f { mean[j] /= Double(max(train.count, 1)) * 255 }
    var total = 0.0
    test.pixels.withUnsafeBufferPointer { p in
        for i in 0..<test.count { for j in 0..<f { let d = Double(p[i * f + j]) / 255 - mean[j]; total += d * d } }
    }
    return total / Double(max(test.count * f, 1))
}

/// Codes of every row of `data` under `encode` (evaluation mode), as an N × k tensor.
public func encodeAll(_ data: ReconstructionData, batchSize: Int = 1000, _ encode: (Tensor) -> Tensor) -> Tensor {
    var out: Tensor?
    var row = 0
    data.forEachBatch(batchSize: batchSize) { x in
        let h = encode(x)
        if out == nil { out = Tensor(shape: [data.count, h.columns]) }
        (out!.data + row * h.columns).update(from: h.data, count: h.count)
        row += h.rows
    }
    return out ?? Tensor(shape: [0, 0])
}
