import Foundation

/// Everything that determines one classifier training run, except the seed.
///
/// JSON: `dataset`, `format`, `labels`, `resize`, `normalize`, `augment`, `model`,
/// `batch_size`, `epochs`, `train_limit`, `validation`, `optimizer` (`format`, `labels`,
/// `resize`, `normalize`, `augment`, `train_limit` and `validation` only when set, so older
/// run keys stay valid). A plain
/// MLP (`ModelSpec.mlpForm`) is written as before the model descriptions existed —
/// `"model": [784, 784, 784, 10], "activation": "relu", "input_dropout": 0.1,
/// "hidden_dropout": 0.5` — so its run keys are unchanged; any other model is written as
/// its `ModelSpec` JSON object.
public struct ClassifierRunConfig: Codable, Hashable, Sendable {
    public var dataset: DatasetName
    public var model: ModelSpec
    public var batchSize: Int
    public var epochs: Int
    /// Use only the first N training images (nil: all).
    public var trainLimit: Int?
    public var optimizer: OptimizerConfig
    /// Training images held out for validation (`ValidationSplit`; nil or 0: none, and then
    /// the JSON has no `validation` key). Training uses the rest (then `trainLimit` of them).
    public var validation: Int?
    /// The registered `DatasetFormat` the data were read with (`--format`), when not the
    /// dataset's own; nil otherwise.
    public var format: String?
    /// Which labels, for data with several kinds (CIFAR-100's "coarse"), when not the
    /// default; nil otherwise.
    public var labels: String?
    /// The size an image folder's images were resized to (`--resize`, "HxW"), if any.
    public var resize: String?
    /// The per-channel normalisation of the images (`--normalize`: statistics of the
    /// training images), applied to training, validation and test images alike.
    public var normalize: ChannelNormalization?
    /// The augmentation of training images (`--augment`).
    public var augment: Augmentation?

    public init(dataset: DatasetName, model: ModelSpec, batchSize: Int, epochs: Int, trainLimit: Int? = nil,
                validation: Int? = nil, optimizer: OptimizerConfig, format: String? = nil, labels: String? = nil) {
        self.dataset = dataset
        self.format = format
        self.labels = labels
        self.model = model
        self.batchSize = batchSize
        self.epochs = epochs
        self.trainLimit = trainLimit
        self.optimizer = optimizer
        self.validation = validation == 0 ? nil : validation
    }

    enum CodingKeys: String, CodingKey {
        case dataset, model, activation, batchSize = "batch_size", epochs, optimizer
        case inputDropout = "input_dropout", hiddenDropout = "hidden_dropout", trainLimit = "train_limit"
        case validation, format, labels, resize, normalize, augment
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dataset = try c.decode(DatasetName.self, forKey: .dataset)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        epochs = try c.decode(Int.self, forKey: .epochs)
        trainLimit = try c.decodeIfPresent(Int.self, forKey: .trainLimit)
        validation = try c.decodeIfPresent(Int.self, forKey: .validation)
        format = try c.decodeIfPresent(String.self, forKey: .format)
        labels = try c.decodeIfPresent(String.self, forKey: .labels)
        resize = try c.decodeIfPresent(String.self, forKey: .resize)
        normalize = try c.decodeIfPresent(ChannelNormalization.self, forKey: .normalize)
        augment = try c.decodeIfPresent(String.self, forKey: .augment).map { text in
            do { return try Augmentation(parsing: text) } catch let e as DescentError {
                throw DecodingError.dataCorruptedError(forKey: .augment, in: c, debugDescription: e.message)
            }
        }
        optimizer = try c.decode(OptimizerConfig.self, forKey: .optimizer)
        if let sizes = try? c.decode([Int].self, forKey: .model) {
            // Float → the Double of its shortest decimal form (0.1, not 0.10000000149…).
            func probability(_ key: CodingKeys) throws -> Double {
                Double("\(try c.decode(Float.self, forKey: key))")!
            }
            do {
                model = try .mlp(sizes: sizes, activation: try c.decode(Activation.self, forKey: .activation),
                                 inputDropout: try probability(.inputDropout), hiddenDropout: try probability(.hiddenDropout))
            } catch let e as DescentError {
                throw DecodingError.dataCorruptedError(forKey: .model, in: c, debugDescription: e.message)
            }
        } else {
            model = try c.decode(ModelSpec.self, forKey: .model)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(epochs, forKey: .epochs)
        try c.encodeIfPresent(trainLimit, forKey: .trainLimit)
        if let v = validation, v != 0 { try c.encode(v, forKey: .validation) }
        try c.encodeIfPresent(format, forKey: .format)
        try c.encodeIfPresent(labels, forKey: .labels)
        try c.encodeIfPresent(resize, forKey: .resize)
        try c.encodeIfPresent(normalize, forKey: .normalize)
        try c.encodeIfPresent(augment?.description, forKey: .augment)
        try c.encode(optimizer, forKey: .optimizer)
        if let mlp = model.mlpForm {
            try c.encode(mlp.sizes, forKey: .model)
            try c.encode(mlp.activation, forKey: .activation)
            try c.encode(Float(mlp.inputDropout), forKey: .inputDropout)
            try c.encode(Float(mlp.hiddenDropout), forKey: .hiddenDropout)
        } else {
            try c.encode(model, forKey: .model)
        }
    }

    /// The seed article's network (seed-mlp) with the given optimizer.
    public static func seedMLP(_ optimizer: OptimizerConfig, dataset: DatasetName = .fashionMNIST,
                               epochs: Int = 20, trainLimit: Int? = nil, validation: Int? = nil) -> ClassifierRunConfig {
        ClassifierRunConfig(dataset: dataset, model: ModelSpec.preset(named: "seed-mlp")!, batchSize: 128, epochs: epochs,
                            trainLimit: trainLimit, validation: validation, optimizer: optimizer)
    }

    /// A train limit as a configuration records it for `available` training images: nil
    /// (all) unless it leaves some out, so that a record says what was used — the quick
    /// preset's 10,000 on a set of 4,000 images is recorded as no limit.
    public static func trainLimit(_ limit: Int?, available: Int) -> Int? {
        limit.flatMap { $0 < available ? $0 : nil }
    }

    /// Canonical JSON (sorted keys): the input of the run key.
    public var canonicalJSON: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: (try? e.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// A short label for tables and legends: the optimizer with its hyper-parameters.
    public var label: String { optimizer.summary }
}

/// One run of a sweep: a configuration and a seed, identified by a stable key.
public struct RunSpec: Codable, Hashable, Sendable {
    public var config: ClassifierRunConfig
    public var seed: UInt64

    public init(config: ClassifierRunConfig, seed: UInt64) {
        self.config = config
        self.seed = seed
    }

    /// Stable run key: 64-bit FNV-1a of the canonical config JSON and the seed, in hex.
    /// Equal configurations give equal keys in every process and on every machine.
    public var key: String { RunSpec.fnv1a64(config.canonicalJSON + "#seed=\(seed)") }

    public static func fnv1a64(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
