/// N images of a training file held out for validation, by a rule that depends only on N
/// and the number of images in the file — never on a run's seed — so every run of a sweep,
/// in every process and on every machine, holds out the same images.
///
/// **Rule**: shuffle the indices `0..<total` with `RandomGenerator(seed: ValidationSplit.seed,
/// stream: 0)` (Fisher–Yates); the first N of that order, sorted, are the validation images;
/// the others, in file order, are the training images (a `train_limit` then takes the first
/// of those). The two sets are disjoint and together are the whole file.
///
/// ```swift
/// let split = try ValidationSplit(count: 10_000, of: train.count)
/// let (training, validation) = try split.apply(to: train, trainLimit: nil)   // 50,000 and 10,000 images
/// split.fingerprint   // 16 hex digits, equal wherever the split is equal
/// ```
public struct ValidationSplit: Equatable, Sendable {
    /// The fixed seed of the rule ("validate" in ASCII).
    public static let seed: UInt64 = 0x7661_6C69_6461_7465
    /// Images held out.
    public let count: Int
    /// Images in the training file.
    public let total: Int
    /// Indices of the held-out images, ascending.
    public let validationIndices: [Int]
    /// Indices of the remaining images, ascending (file order).
    public let trainingIndices: [Int]

    /// Throws unless 0 < count < total.
    public init(count: Int, of total: Int) throws {
        guard count > 0, count < total else {
            throw DescentError("a validation split needs between 1 and \(total - 1) of the \(total) training images, got \(count)")
        }
        self.count = count
        self.total = total
        var g = RandomGenerator(seed: ValidationSplit.seed, stream: 0)
        let order = g.permutation(total)
        var held = [Bool](repeating: false, count: total)
        for i in order.prefix(count) { held[i] = true }
        validationIndices = (0..<total).filter { held[$0] }
        trainingIndices = (0..<total).filter { !held[$0] }
    }

    /// The training images (the first `trainLimit` of the remaining ones, if given) and the
    /// validation images of `train`, which must hold `total` images.
    public func apply(to train: ImageSet, trainLimit: Int? = nil) throws -> (train: ImageSet, validation: ImageSet) {
        guard train.count == total else {
            throw DescentError("a validation split of \(total) images applied to \(train.count)")
        }
        let kept = trainLimit.map { Array(trainingIndices.prefix($0)) } ?? trainingIndices
        return (try train.subset(kept), try train.subset(validationIndices))
    }

    /// FNV-1a (64 bits, hex) of the validation indices: equal splits have equal fingerprints.
    public var fingerprint: String {
        RunSpec.fnv1a64(validationIndices.map(String.init).joined(separator: ","))
    }

    /// What a result records about its split.
    public var record: Record { Record(images: count, of: total, seed: ValidationSplit.seed, fingerprint: fingerprint) }

    /// The split as stored in a result (`validation_split`): sizes, the rule's seed and the fingerprint.
    public struct Record: Codable, Hashable, Sendable {
        public var images: Int
        public var of: Int
        public var seed: UInt64
        public var fingerprint: String
    }
}
