import Foundation

/// Everything that determines one classifier training run, except the seed.
public struct ClassifierRunConfig: Codable, Hashable, Sendable {
    public var dataset: DatasetName
    public var model: [Int]
    public var activation: Activation
    public var inputDropout: Float
    public var hiddenDropout: Float
    public var batchSize: Int
    public var epochs: Int
    /// Use only the first N training images (nil: all).
    public var trainLimit: Int?
    public var optimizer: OptimizerConfig

    enum CodingKeys: String, CodingKey {
        case dataset, model, activation, batchSize = "batch_size", epochs, optimizer
        case inputDropout = "input_dropout", hiddenDropout = "hidden_dropout", trainLimit = "train_limit"
    }

    /// The seed article's network (seed-mlp) with the given optimizer.
    public static func seedMLP(_ optimizer: OptimizerConfig, dataset: DatasetName = .fashionMNIST,
                               epochs: Int = 20, trainLimit: Int? = nil) -> ClassifierRunConfig {
        ClassifierRunConfig(dataset: dataset, model: [784, 784, 784, 10], activation: .relu,
                            inputDropout: 0.1, hiddenDropout: 0.5, batchSize: 128, epochs: epochs,
                            trainLimit: trainLimit, optimizer: optimizer)
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

    static func fnv1a64(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
