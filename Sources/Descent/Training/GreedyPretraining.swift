/// Greedy layer-wise pre-training of a stacked autoencoder (Bengio et al. 2007; Vincent
/// et al. 2010; Hinton & Salakhutdinov 2006): the levels of the unrolled network, each an
/// autoencoder of its own, trained one after another on the codes of the level before.
///
/// ```
/// unrolled:  E₀ E₁ … E_{m−1} | D_{m−1} … D₁ D₀          (Eᵢ, Dᵢ: blocks of layers)
/// level i:   Eᵢ | Dᵢ, trained on the codes of E₀ … E_{i−1} (evaluation mode)
/// ```
/// An encoder block starts at a layer with parameters and keeps what follows it (its
/// activation, a sparsity penalty, a dropout on its code); a decoder block ends at a
/// layer with parameters and keeps what comes before it (a dropout on the code it decodes).
/// The levels share their layers with the unrolled network, so pre-training initialises
/// fine-tuning; the network must mirror itself (as many encoder as decoder blocks).
///
/// Level 0 reconstructs the network's input with the model's loss; a deeper level
/// reconstructs codes, which its decoder block produces through an activation (not as
/// logits), so it is trained on the MSE (`losses`) even when the model's loss is binary
/// cross-entropy.
public struct GreedyPretraining {
    /// The level networks, shallowest first.
    public let levels: [Network]
    /// How many of the unrolled network's layers lie before level i's encoder block.
    public let depths: [Int]
    /// The loss each level is trained on: the model's for level 0, MSE for deeper ones.
    public let losses: [LossKind]
    /// The unrolled network, whose layers the levels share.
    public let network: Network

    public init(_ network: Network) throws {
        guard let k = network.encoderLayerCount else {
            throw DescentError(.model, "pre-training needs an autoencoder (a model whose encoder ends at '|')")
        }
        let parts = Array(zip(network.layerIndices, network.layers))
        let encoder = Array(parts[..<k]), decoder = Array(parts[k...])
        func hasParameters(_ l: Layer) -> Bool { !l.parameters.isEmpty || !l.sharedParameters.isEmpty }
        var encoderBlocks: [[(Int, Layer)]] = []
        for part in encoder {
            if hasParameters(part.1) || encoderBlocks.isEmpty { encoderBlocks.append([part]) } else { encoderBlocks[encoderBlocks.count - 1].append(part) }
        }
        var decoderBlocks: [[(Int, Layer)]] = [[]]
        for part in decoder {
            decoderBlocks[decoderBlocks.count - 1].append(part)
            if hasParameters(part.1) { decoderBlocks.append([]) }
        }
        if let last = decoderBlocks.popLast(), !last.isEmpty {
            if decoderBlocks.isEmpty { decoderBlocks.append(last) } else { decoderBlocks[decoderBlocks.count - 1] += last }
        }
        guard encoderBlocks.count == decoderBlocks.count else {
            throw DescentError(.model, "pre-training needs a mirrored stack: the encoder has \(encoderBlocks.count) layer(s) with parameters, the decoder \(decoderBlocks.count)")
        }
        guard let spec = network.spec else { throw DescentError(.model, "pre-training needs a network built from a model description") }
        let shapes = try spec.shapesAfterEachLayer()
        // The last description layer a built layer covers (a fused activation is the next one).
        func lastCovered(_ part: (Int, Layer)) -> Int {
            let position = network.layerIndices.firstIndex(of: part.0)!
            return (position + 1 < network.layerIndices.count ? network.layerIndices[position + 1] : spec.layers.count) - 1
        }
        var depths: [Int] = []
        var levels: [Network] = []
        var shape = network.inputShape
        for (i, block) in encoderBlocks.enumerated() {
            depths.append(encoderBlocks[..<i].reduce(0) { $0 + $1.count })
            levels.append(Network(sharing: block + decoderBlocks[decoderBlocks.count - 1 - i], inputShape: shape,
                                  encoderLayerCount: block.count))
            shape = shapes[lastCovered(block.last!)]
        }
        self.levels = levels
        self.depths = depths
        self.network = network
        self.losses = levels.indices.map { $0 == 0 ? spec.loss : .meanSquaredError }
    }
}

extension GreedyPretraining {
    /// How one level's pre-training went.
    public struct LevelResult: Codable, Sendable {
        /// 0 for the level next to the input.
        public var level: Int
        /// Its layers, in the text form (`linear(100), sigmoid, linear(784), sigmoid`).
        public var model: String
        /// The loss it was trained on (`LossKind.rawValue`).
        public var loss: String
        /// One entry per epoch.
        public var history: [EpochMetrics]
    }

    /// Trains the levels one after another, shallowest first, each for `epochs` epochs, and
    /// returns how each went.
    ///
    /// Level i trains on the codes of the unrolled network's first `depths[i]` layers
    /// (evaluation mode, after the levels before it are trained), and is scored on the codes
    /// of `validation` and `test` alike. Each level gets a fresh optimizer from `optimizer`
    /// and its own trainer with stream base i + 1 (base 0 is left for fine-tuning the
    /// unrolled network), so its shuffling and noise depend only on `seed` and i. Masking
    /// noise (`corruption`) corrupts every level's input, as Vincent et al. 2010 train a
    /// stacked denoising autoencoder.
    ///
    /// `willTrain(i, trainer)` runs before level i trains (to observe its steps);
    /// `epochDone(i, trainer, metrics)` after each of its epochs.
    public func train(train: DataSource, validation: DataSource?, test: DataSource, epochs: Int,
                      optimizer: () throws -> Optimizer, batchSize: Int, corruption: Float = 0,
                      invertedMasking: Bool = false, seed: UInt64,
                      willTrain: (Int, Trainer) throws -> Void = { _, _ in },
                      epochDone: (Int, Trainer, EpochMetrics) throws -> Void = { _, _, _ in }) throws -> [LevelResult] {
        guard epochs >= 0 else { throw DescentError("pre-training: epochs must be ≥ 0, got \(epochs)") }
        guard let spec = network.spec else { throw DescentError(.model, "pre-training needs a network built from a model description") }
        func codes(_ data: DataSource, _ depth: Int) throws -> DataSource {
            depth == 0 ? data : .features(try network.encodeAll(data, layers: depth), labels: nil)
        }
        var results: [LevelResult] = []
        for (i, level) in levels.enumerated() {
            let depth = depths[i]
            let trainer = try Trainer(level, optimizer: try optimizer(), loss: losses[i].make(), batchSize: batchSize,
                                      corruption: corruption, invertedMasking: invertedMasking,
                                      seed: seed, streamBase: UInt64(i + 1))
            try willTrain(i, trainer)
            var history: [EpochMetrics] = []
            try trainer.fit(train: try codes(train, depth), validation: try validation.map { try codes($0, depth) },
                            test: try codes(test, depth), epochs: epochs) { m in
                history.append(m)
                try epochDone(i, trainer, m)
            }
            // A built layer stands for its description layer and the activation fused into it.
            let described = level.layerIndices.flatMap { j -> ArraySlice<LayerSpec> in
                let position = network.layerIndices.firstIndex(of: j)!
                return spec.layers[j..<(position + 1 < network.layerIndices.count ? network.layerIndices[position + 1] : spec.layers.count)]
            }
            results.append(LevelResult(level: i, model: described.map(\.description).joined(separator: ", "),
                                       loss: losses[i].rawValue, history: history))
        }
        return results
    }
}

extension Network {
    /// The codes of every example of `data` (evaluation mode) after the first `layers`
    /// layers (default: the encoder), as an N × k tensor.
    public func encodeAll(_ data: DataSource, layers count: Int? = nil, batchSize: Int = 1000) throws -> Tensor {
        if let count, !(0...layers.count).contains(count) {
            throw DescentError("encode: the network has \(layers.count) layers, asked for the codes after \(count)")
        }
        try checkInput(data)
        var out: Tensor?
        var row = 0
        try Batches(data, batchSize: batchSize).forEachBatch { batch in
            let h = encode(batch.inputs, layers: count)
            if out == nil { out = Tensor(shape: [data.count, h.columns]) }
            (out!.data + row * h.columns).update(from: h.data, count: h.count)
            row += h.rows
        }
        return out ?? Tensor(shape: [0, 0])
    }
}
