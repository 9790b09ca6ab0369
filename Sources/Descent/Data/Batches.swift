import CKernels

/// One minibatch, valid only inside the `Batches.forEachBatch` body that receives it.
public struct Batch {
    /// The network's input, `N × sampleShape` (with masking noise when the batches add it).
    public let inputs: Tensor
    /// The clean input: the target of a reconstruction loss (the same tensor as `inputs`
    /// when no noise is added).
    public let clean: Tensor
    /// The N labels, or empty when the data have none.
    public let labels: ArraySlice<UInt8>
    /// Number of examples.
    public var count: Int { inputs.shape.first ?? 0 }

    public init(inputs: Tensor, clean: Tensor? = nil, labels: ArraySlice<UInt8> = []) {
        self.inputs = inputs
        self.clean = clean ?? inputs
        self.labels = labels
    }
}

/// Minibatches of a `DataSource` as Float tensors of shape `N × C × H × W` (images) or
/// `N × k` (features), in reused buffers.
///
/// ```
/// let batches = try Batches(.images(train), batchSize: 128)
/// batches.forEachBatch(shuffledBy: RandomGenerator(seed: 0, stream: 2)) { batch in
///     let logits = network(batch.inputs, training: true)   // batch.inputs: 128 × 1 × 28 × 28
/// }
/// ```
/// Every batch has `batchSize` examples except the last, partial one of an epoch, which is
/// included (the tensors are reshaped in place). Pixels become `byte / 255` in [0, 1], then,
/// for images with a `normalization`, `(byte / 255 − mean[c]) / std[c]` per channel
/// (`ChannelNormalization`). Training batches may be augmented (`Augmentation`: a random
/// crop of the zero-padded image and a random mirror, drawn from `augmentationDraws`, one
/// draw per image in batch order before the conversion).
/// Orders: stored order, or a Fisher–Yates permutation of `0..<count` drawn from the given
/// generator (identical to `generator.permutation(count)`), or any index list.
///
/// **Masking noise** (`corruption` p > 0, denoising autoencoders, Vincent et al. 2008):
/// `inputs` is the clean batch with each value set to 0 with probability p, `clean` the
/// batch without noise. Plain masking leaves the kept values as they are, so a masked
/// input has on average (1 − p) times the clean one's ink; **inverted** masking
/// (`invertedMasking`) multiplies them by 1/(1 − p), as inverted dropout does, so that
/// E[masked] = clean and a model trained on it meets clean inputs at their trained scale:
///
/// ```
/// plain:     x̃ = x ⊙ m            m ~ Bernoulli(1 − p)      E[x̃] = (1 − p) x
/// inverted:  x̃ = x ⊙ m / (1 − p)                            E[x̃] = x
/// ```
/// The draws are keyed by one 64-bit draw of `noise` per batch (`Kernels.hashKey`) and
/// fused into the byte → Float conversion, so an epoch's noise is fixed by the generator
/// the caller sets before it; plain and inverted masking zero the same values.
public final class Batches {
    public let source: DataSource
    /// Examples per full batch.
    public let batchSize: Int
    /// Probability of masking each input value (0: no noise).
    public let corruption: Float
    /// Whether kept values are scaled by 1/(1 − p) (inverted masking) or left as they are.
    public let invertedMasking: Bool
    /// The generator of the masking noise (one draw per batch); set it before each epoch.
    public var noise = RandomGenerator(seed: 0)
    /// Random crops and mirrors of the images (nil: none).
    public let augmentation: Augmentation?
    /// The generator of the augmentation's draws; set it before each epoch.
    public var augmentationDraws = RandomGenerator(seed: 0)
    private var draws: [(dy: Int, dx: Int, flip: Bool)]
    private let clean: Tensor
    private let corrupted: Tensor?
    private var labelBuffer: [UInt8]
    private var order: [Int]

    public init(_ source: DataSource, batchSize: Int, corruption: Float = 0, invertedMasking: Bool = false,
                augmentation: Augmentation? = nil) throws {
        guard batchSize > 0 else { throw DescentError("batch size must be positive, got \(batchSize)") }
        guard corruption >= 0, corruption < 1 else { throw DescentError("masking-noise probability must be in [0, 1), got \(corruption)") }
        if augmentation != nil {
            guard case .images = source else { throw DescentError("augment: only images can be cropped and mirrored") }
            guard corruption == 0 else { throw DescentError("augment: not with masking noise") }
        }
        self.augmentation = augmentation
        try source.validate()
        self.source = source
        self.batchSize = batchSize
        self.corruption = corruption
        self.invertedMasking = invertedMasking
        let rows = Swift.max(1, Swift.min(batchSize, source.count))
        clean = Tensor(shape: [rows] + source.sampleShape)
        corrupted = corruption > 0 ? Tensor(shape: [rows] + source.sampleShape) : nil
        labelBuffer = [UInt8](repeating: 0, count: rows)
        draws = [(Int, Int, Bool)](repeating: (0, 0, false), count: augmentation == nil ? 0 : rows)
        order = Array(0..<source.count)
    }

    /// Batches per epoch (the last may be partial).
    public var batchCount: Int { (source.count + batchSize - 1) / batchSize }

    /// Every example once: in stored order, or shuffled by `shuffler` when given.
    public func forEachBatch(shuffledBy shuffler: RandomGenerator? = nil, _ body: (Batch) throws -> Void) rethrows {
        guard var shuffler else {
            try run(indices: nil, count: source.count, body)
            return
        }
        for i in order.indices { order[i] = i }
        shuffler.shuffle(&order)
        try order.withUnsafeBufferPointer { try run(indices: $0, count: $0.count, body) }
    }

    /// The examples at `indices` (each in `0..<count`, repeats allowed), in that order.
    public func forEachBatch(order indices: [Int], _ body: (Batch) throws -> Void) throws {
        if let bad = indices.first(where: { $0 < 0 || $0 >= source.count }) {
            throw DescentError("batches: index \(bad) is outside 0..<\(source.count)")
        }
        try indices.withUnsafeBufferPointer { try run(indices: $0, count: $0.count, body) }
    }

    private func run(indices: UnsafeBufferPointer<Int>?, count: Int, _ body: (Batch) throws -> Void) rethrows {
        var start = 0
        while start < count {
            let b = Swift.min(batchSize, count - start)
            let shape = [b] + source.sampleShape
            clean.reshape(shape)
            corrupted?.reshape(shape)
            fill(indices: indices, start: start, rows: b)
            try body(Batch(inputs: corrupted ?? clean, clean: clean, labels: labelBuffer[0..<(source.labels == nil ? 0 : b)]))
            start += b
        }
    }

    /// Copies examples `indices[start..<start+n]` (or `start..<start+n`) into `clean`, their
    /// labels into `labelBuffer`, and with noise a masked copy into `corrupted` (for images,
    /// all in the byte → Float conversion pass).
    private func fill(indices: UnsafeBufferPointer<Int>?, start: Int, rows n: Int) {
        let f = source.featureCount
        let dst = clean.data
        let key = corrupted != nil ? Kernels.hashKey(&noise) : (0, 0)
        let threshold = Kernels.threshold24(corruption)
        let keep: Float = invertedMasking ? 1 / (1 - corruption) : 1
        func example(_ r: Int) -> Int { indices?[start + r] ?? (start + r) }
        if let labels = source.labels {
            labels.withUnsafeBufferPointer { l in for r in 0..<n { labelBuffer[r] = l[example(r)] } }
        }
        switch source {
        case .images(let set):
            let masked = corrupted?.data
            if let a = augmentation { for r in 0..<n { draws[r] = a.draw(&augmentationDraws) } }
            let plane = set.height * set.width
            draws.withUnsafeBufferPointer { draws in
            set.pixels.withUnsafeBufferPointer { px in
                let src = px.baseAddress!
                Parallel.forRanges(n, elementsPerItem: f) { rows in
                    for r in rows {
                        let s = src + example(r) * f, d = dst + r * f
                        if let m = masked {
                            descent_bytes_to_float_masked(s, d, m + r * f, f, 255, threshold, keep, key.0, key.1, r * f)
                        } else if let a = augmentation {
                            Batches.crop(s, into: d, set.channels, set.height, set.width, padding: a.crop, draws[r])
                        } else {
                            descent_bytes_to_float(s, d, f, 255)
                        }
                        if let norm = set.normalization {
                            for c in 0..<set.channels {
                                norm.apply(d + c * plane, count: plane, channel: c)
                                if let m = masked { norm.apply(m + r * f + c * plane, count: plane, channel: c) }
                            }
                        }
                    }
                }
            }
            }
        case .features(let t, _):
            for r in 0..<n { (dst + r * f).update(from: t.data + example(r) * f, count: f) }
            if let m = corrupted {
                Kernels.bernoulli(dst, into: m.data, mask: nil, count: n * f, threshold: threshold, keep: keep, key: key)
            }
        }
    }

    /// One image of C×H×W bytes at `s`, cropped at offset (dy, dx) of its zero-padded copy
    /// and mirrored if `flip`, into C×H×W values byte / 255 at `d`.
    static func crop(_ s: UnsafePointer<UInt8>, into d: UnsafeMutablePointer<Float>, _ channels: Int, _ height: Int, _ width: Int,
                     padding p: Int, _ draw: (dy: Int, dx: Int, flip: Bool)) {
        for c in 0..<channels {
            for y in 0..<height {
                let out = d + (c * height + y) * width
                let sy = y + draw.dy - p
                guard sy >= 0 && sy < height else { out.update(repeating: 0, count: width); continue }
                let row = s + (c * height + sy) * width
                for x in 0..<width {
                    let sx = (draw.flip ? width - 1 - x : x) + draw.dx - p
                    out[x] = sx >= 0 && sx < width ? Float(row[sx]) / 255 : 0
                }
            }
        }
    }
}
