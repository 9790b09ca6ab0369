/// What a network is trained or evaluated on: images kept as bytes (converted to
/// pixels / 255 one minibatch at a time), or Float features such as the codes of an
/// autoencoder (the inputs of a linear probe or of a deeper level of a stacked
/// autoencoder). Either may carry one label per example.
///
/// ```
/// let train: DataSource = .images(fashion.train)                     // N × 1 × 28 × 28
/// let codes: DataSource = .features(codeTensor, labels: fashion.train.labels)   // N × k
/// ```
public enum DataSource {
    case images(ImageSet)
    /// Rows of `tensor` (its first dimension) are the examples; `labels` has one per row.
    case features(Tensor, labels: [UInt8]?)

    /// Number of examples.
    public var count: Int {
        switch self { case .images(let s): s.count; case .features(let t, _): t.shape.first ?? 0 }
    }

    /// The shape of one example: `[C, H, W]` for images, the tensor's shape after its first dimension otherwise.
    public var sampleShape: [Int] {
        switch self {
        case .images(let s): s.shape
        case .features(let t, _): t.shape.count > 1 ? Array(t.shape.dropFirst()) : [1]
        }
    }

    /// Values per example.
    public var featureCount: Int { sampleShape.reduce(1, *) }

    /// The labels, if the data have them.
    public var labels: [UInt8]? {
        switch self { case .images(let s): s.labels; case .features(_, let l): l }
    }

    /// Checks that the labels match the examples (one per example, if any).
    func validate() throws {
        if case .features(let t, let labels?) = self, labels.count != count {
            throw DescentError("features: \(labels.count) labels for \(t.shape.first ?? 0) examples")
        }
    }
}

extension DataSource {
    /// The address of the underlying storage (tensor or pixel buffer), so repeated epochs
    /// over the same data reuse their batches (which keep that storage alive meanwhile).
    var identity: UInt {
        switch self {
        case .features(let t, _): UInt(bitPattern: t.data)
        case .images(let s): s.pixels.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
        }
    }
}
