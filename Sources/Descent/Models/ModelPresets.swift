import Foundation

/// Ready-made descriptions: the shorthands the command line offers and the named presets.
extension ModelSpec {
    /// A plain multilayer perceptron, the `784-784-784-10` shorthand:
    ///
    /// ```
    /// [dropout(p_in)], linear(n₁), f, [dropout(p_h)], …, linear(n_last)      loss: cross-entropy
    /// ```
    /// `sizes` lists the input size, the hidden widths and the number of classes; a dropout
    /// probability of 0 leaves that dropout layer out.
    public static func mlp(sizes: [Int], activation: Activation = .relu, inputDropout: Double = 0,
                           hiddenDropout: Double = 0) throws -> ModelSpec {
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw DescentError(.model, "an MLP needs an input size and an output size, all positive, got \(sizes.map(String.init).joined(separator: "-"))")
        }
        var layers: [LayerSpec] = []
        if inputDropout != 0 { layers.append(try .dropout(inputDropout)) }
        for (i, n) in sizes.dropFirst().enumerated() {
            layers.append(try .linear(n))
            guard i < sizes.count - 2 else { break }
            layers.append(try .activation(activation))
            if hiddenDropout != 0 { layers.append(try .dropout(hiddenDropout)) }
        }
        return try ModelSpec(inputShape: [sizes[0]], layers: layers)
    }

    /// A stacked (deep) autoencoder over `sizes` (e.g. `[784, 100, 25]`; two sizes give a
    /// single autoencoder), as trained greedily by `GreedyPretraining`:
    ///
    /// ```
    /// linear(s₁), f, [sparsity], [dropout(p)], linear(s₂), f, …  |  [dropout(p)], linear(s_{k−1}), f, …, linear(s₀), g
    ///                          (dropout on each shallower code)     (on the deepest code)
    /// ```
    /// `f` follows every encoder layer (`codeActivation` the last one) and every decoder
    /// layer but the last, `g` (`outputActivation`) the reconstruction; with `dropout` every
    /// code is dropped out (training only), with `sparsity` (target ρ, weight β) a KL penalty
    /// acts on every code, and with `tied` each decoder uses the transpose of its encoder's weight.
    /// `.identity` as `codeActivation` gives a linear code (Hinton & Salakhutdinov's). With
    /// `loss: .binaryCrossEntropy` the last linear layer gives logits and the loss applies the
    /// sigmoid `g` must then be (no sigmoid layer is added).
    public static func autoencoder(sizes: [Int], activation: Activation = .sigmoid, codeActivation: Activation? = nil,
                                   outputActivation: Activation = .sigmoid, dropout: Double = 0, tied: Bool = false,
                                   sparsity: (target: Double, weight: Double)? = nil,
                                   loss: LossKind = .meanSquaredError) throws -> ModelSpec {
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw DescentError(.model, "an autoencoder needs at least two positive sizes like 784-100, got \(sizes.map(String.init).joined(separator: "-"))")
        }
        if loss == .binaryCrossEntropy && outputActivation != .sigmoid {
            throw DescentError(.model, "loss bce reconstructs through a sigmoid; the output activation cannot be \(outputActivation.rawValue)")
        }
        let depth = sizes.count - 1
        var layers: [LayerSpec] = []
        var encoderIndex: [Int] = []
        for level in 0..<depth {
            if level > 0 && dropout != 0 { layers.append(try .dropout(dropout)) }
            encoderIndex.append(layers.count)
            layers.append(try .linear(sizes[level + 1]))
            let f = level == depth - 1 ? (codeActivation ?? activation) : activation
            if f != .identity { layers.append(try .activation(f)) }
            if let s = sparsity { layers.append(try .sparsity(target: s.target, weight: s.weight)) }
        }
        let encoderLayers = layers.count
        for level in stride(from: depth - 1, through: 0, by: -1) {
            if dropout != 0 && level == depth - 1 { layers.append(try .dropout(dropout)) }  // on the deepest code
            layers.append(try .linear(sizes[level], tied: tied ? encoderIndex[level] : nil))
            let g = level == 0 ? (loss == .binaryCrossEntropy ? .identity : outputActivation) : activation
            if g != .identity { layers.append(try .activation(g)) }
        }
        return try ModelSpec(inputShape: [sizes[0]], layers: layers, encoderLayers: encoderLayers, loss: loss)
    }

    /// A named preset.
    public struct Preset: Sendable {
        public let name: String
        public let summary: String
        public let spec: ModelSpec
    }

    /// The presets `--model` accepts by name.
    public static let presets: [Preset] = [
        Preset(name: "seed-mlp", summary: "the optimizer article's classifier: 784-784-784-10, ReLU, dropout 0.1 on the input and 0.5 after each hidden layer",
               spec: try! .mlp(sizes: [784, 784, 784, 10], activation: .relu, inputDropout: 0.1, hiddenDropout: 0.5)),
        Preset(name: "seed-ae", summary: "the autoencoder article's network: 784-100-784, sigmoid code and reconstruction",
               spec: try! .autoencoder(sizes: [784, 100])),
        Preset(name: "seed-dae", summary: "the article's stacked autoencoder: 784-100-25-100-784, sigmoid",
               spec: try! .autoencoder(sizes: [784, 100, 25])),
        Preset(name: "hinton-dae", summary: "Hinton & Salakhutdinov's (2006) deep autoencoder: 784-1000-500-250-30, sigmoid, linear 30-unit code, sigmoid output trained on binary cross-entropy",
               spec: try! .autoencoder(sizes: [784, 1000, 500, 250, 30], activation: .sigmoid, codeActivation: .identity,
                                       loss: .binaryCrossEntropy)),
        Preset(name: "lenet5", summary: "LeNet-5 (LeCun et al. 1998) with ReLU and max pooling: conv 6@5×5 pad 2, pool 2, conv 16@5×5, pool 2, 120, 84, 10",
               spec: try! .parse("""
                   1x28x28: conv2d(6, 5, padding=2), relu, maxpool2d(2), conv2d(16, 5), relu, maxpool2d(2), flatten,
                   linear(120), relu, linear(84), relu, linear(10)
                   """)),
        Preset(name: "fmnist-2c2d", summary: "DeepOBS's Fashion-MNIST network 2c2d: conv 32@5×5 same, pool 2, conv 64@5×5 same, pool 2, 1024, 10",
               spec: try! .parse("""
                   1x28x28: conv2d(32, 5, padding=same), relu, maxpool2d(2), conv2d(64, 5, padding=same), relu, maxpool2d(2),
                   flatten, linear(1024), relu, linear(10)
                   """)),
        Preset(name: "resnet-fmnist", summary: "a small ResNet for 28×28 inputs (He et al. 2016): conv 24@3×3, three residual blocks of two 3×3 convs with batch norm (24@28×28, 48@14×14, 96@7×7, projections where the shape changes), average pool 7, 10",
               spec: try! .parse("""
                   1x28x28: conv2d(24, 3, padding=same), batchnorm2d, relu,
                   residual(conv2d(24, 3, padding=same), batchnorm2d, relu, conv2d(24, 3, padding=same), batchnorm2d), relu,
                   residual(conv2d(48, 3, stride=2, padding=1), batchnorm2d, relu, conv2d(48, 3, padding=same), batchnorm2d), relu,
                   residual(conv2d(96, 3, stride=2, padding=1), batchnorm2d, relu, conv2d(96, 3, padding=same), batchnorm2d), relu,
                   avgpool2d(7), flatten, linear(10)
                   """)),
        Preset(name: "conv-ae", summary: "a convolutional autoencoder with seed-ae's code: conv 16@5×5/2, conv 32@3×3/2, 100 sigmoid | 1568, transposed convs back to 1×28×28, sigmoid",
               spec: try! .parse("""
                   1x28x28: conv2d(16, 5, stride=2, padding=2), relu, conv2d(32, 3, stride=2, padding=1), relu, flatten,
                   linear(100), sigmoid | linear(1568), relu, reshape(32, 7, 7), convtranspose2d(16, 4, stride=2, padding=1), relu,
                   convtranspose2d(1, 4, stride=2, padding=1), sigmoid; loss=mse
                   """)),
    ]

    /// The preset called `name`, if any.
    public static func preset(named name: String) -> ModelSpec? { presets.first { $0.name == name }?.spec }

    /// Reads `--model`: a preset name, the `784-784-784-10` MLP shorthand (built with
    /// `mlp`), or the text form (`parse`, with `inputShape` and `loss` as defaults, its names
    /// looked up in `registry`).
    public static func resolve(_ text: String, inputShape: [Int], loss: LossKind,
                               mlp: (activation: Activation, inputDropout: Double, hiddenDropout: Double) = (.relu, 0, 0),
                               registry: Registry = .builtIn) throws -> ModelSpec {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let p = preset(named: trimmed) { return p }
        let parts = trimmed.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count >= 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) {
            let sizes = parts.compactMap { Int($0) }
            guard sizes.count == parts.count else { throw DescentError(.model, "'\(text)' has a size too large") }
            if loss == .crossEntropy {
                return try .mlp(sizes: sizes, activation: mlp.activation, inputDropout: mlp.inputDropout, hiddenDropout: mlp.hiddenDropout)
            }
            return try .autoencoder(sizes: sizes, activation: mlp.activation, dropout: mlp.hiddenDropout, loss: loss)
        }
        if !trimmed.contains("("), !trimmed.contains(","), !trimmed.contains(":"), registry.layer(named: trimmed) == nil {
            throw DescentError(.model, "'\(text)' is not a preset (\(presets.map(\.name).joined(separator: ", "))), sizes like 784-784-784-10, or a list of layers like 'linear(100), relu, linear(10)'")
        }
        return try parse(trimmed, inputShape: inputShape, loss: loss, registry: registry)
    }

    /// A short description for reports: `784-784-784-10 (relu, dropout 0.1/0.5)` for a
    /// plain MLP, the text form otherwise.
    public var summary: String {
        guard let m = mlpForm else { return description }
        return "\(m.sizes.map(String.init).joined(separator: "-")) (\(m.activation.rawValue), dropout \(m.inputDropout)/\(m.hiddenDropout))"
    }

    /// The form of a plain MLP (`mlp`), when this description is one: the sizes, the hidden
    /// activation and the two dropout probabilities. Run configurations of such models keep
    /// the JSON of the earlier `[Int]` model field, so their run keys are unchanged.
    public var mlpForm: (sizes: [Int], activation: Activation, inputDropout: Double, hiddenDropout: Double)? {
        guard loss == .crossEntropy, encoderLayers == nil, inputShape.count == 1 else { return nil }
        var sizes = [inputShape[0]]
        var activation: Activation?
        var inputDropout = 0.0
        var hiddenDropout: Double?
        var rest = layers[...]
        if let first = rest.first, first.kind == "dropout" { inputDropout = first.number("p")!; rest = rest.dropFirst() }
        while let l = rest.first, l.kind == "linear", l.options["tied"] == nil {
            sizes.append(l.int("units")!)
            rest = rest.dropFirst()
            guard let a = rest.first else { break }
            guard let f = a.layerKind.activation, activation == nil || activation == f else { return nil }
            activation = f
            rest = rest.dropFirst()
            var p = 0.0
            if let d = rest.first, d.kind == "dropout" { p = d.number("p")!; rest = rest.dropFirst() }
            guard hiddenDropout == nil || hiddenDropout == p else { return nil }
            hiddenDropout = p
            guard !rest.isEmpty else { return nil }  // a hidden layer must be followed by another linear
        }
        guard rest.isEmpty, sizes.count >= 3, let activation, let hiddenDropout else { return nil }
        return (sizes, activation, inputDropout, hiddenDropout)
    }
}
