/// A fully connected classifier: the seed article's network.
///
/// For sizes `[784, 784, 784, 10]` (the **seed-mlp** workload):
/// ```
/// x → Dropout(p_in) → Linear(784→784)+ReLU → Dropout(p_h) → Linear(784→784)+ReLU → Dropout(p_h) → Linear(784→10) → logits
/// ```
/// with Glorot-uniform weights and zero biases. Dropout is inverted (identity at evaluation).
/// Random streams: weights from `RandomGenerator(seed:stream: 1)`, each dropout layer
/// from its own stream, so changing one never shifts another.
public final class MLPClassifier {
    public let sizes: [Int]
    public let network: Sequential

    /// - Parameters:
    ///   - sizes: layer widths, input first, classes last (at least two entries).
    ///   - activation: hidden activation.
    ///   - inputDropout, hiddenDropout: dropout probabilities (0 disables).
    public init(sizes: [Int], activation: Activation = .relu, inputDropout: Float = 0.1,
                hiddenDropout: Float = 0.5, seed: UInt64) throws {
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw DescentError("model: need at least an input and an output size, all positive, got \(sizes)")
        }
        for (name, p) in [("input dropout", inputDropout), ("hidden dropout", hiddenDropout)]
        where !(p >= 0 && p < 1) {
            throw DescentError("model: \(name) must be in [0, 1), got \(p)")
        }
        self.sizes = sizes
        var weights = RandomGenerator(seed: seed, stream: 1)
        var layers: [Layer] = []
        var dropoutStream: UInt64 = 10
        func dropout(_ p: Float) {
            guard p > 0 else { return }
            layers.append(Dropout(p, generator: RandomGenerator(seed: seed, stream: dropoutStream)))
            dropoutStream += 1
        }
        dropout(inputDropout)
        for i in 0..<(sizes.count - 1) {
            let last = i == sizes.count - 2
            layers.append(Linear(sizes[i], sizes[i + 1], activation: last ? .identity : activation,
                                 name: "layers.\(i)", generator: &weights))
            if !last { dropout(hiddenDropout) }
        }
        network = Sequential(layers)
    }

    /// Parses a model string like `784-784-784-10`.
    public static func parseSizes(_ text: String) throws -> [Int] {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let sizes = parts.compactMap { Int($0) }
        guard sizes.count == parts.count, sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw DescentError("--model: '\(text)' is not a list of positive layer sizes like 784-784-784-10")
        }
        return sizes
    }

    public var parameters: [Parameter] { network.parameters }
    public var inputSize: Int { sizes[0] }
    public var classCount: Int { sizes[sizes.count - 1] }
}
