/// A network trained to reproduce its input: the trainer's view of an autoencoder.
///
/// `reconstruct` maps a (possibly corrupted) batch to its reconstruction; `backward`
/// takes ∂L/∂reconstruction, accumulates (`+=`) every parameter gradient and returns any
/// extra penalty the model added to the loss (the sparsity term), so the trainer can
/// report it. `beginEpoch` re-seeds the model's internal noise (dropout) from the run's
/// seed and the epoch, which makes an epoch reproducible on its own — the property that
/// lets a run resumed from a checkpoint equal an uninterrupted one.
public protocol ReconstructionModel: AnyObject {
    var parameters: [Parameter] { get }
    var inputSize: Int { get }
    func reconstruct(_ x: Tensor, training: Bool) -> Tensor
    func backward(_ gradient: Tensor) -> Double
    func beginEpoch(seed: UInt64, stream: UInt64)
}

/// The seed article's autoencoder, with the usual variants:
///
/// ```
/// x̃ = mask(x)                      masking noise, p = corruption (trainer, training only)
/// h = f(x̃ W₁ᵀ + b₁)                 encoder: Linear(in → hidden), activation f
/// h̃ = dropout(h)                    inverted dropout on the code (training only)
/// y = g(h̃ W₂ᵀ + b₂)                 decoder: Linear(hidden → in), or tied: W₂ = W₁ᵀ
/// L = MSE(y, x) + β Σ_j KL(ρ ‖ ρ̂_j)   loss against the *clean* x; optional sparsity term
/// ```
/// For **seed-ae**: in = 784, hidden = 100, f = g = sigmoid, p = 0.3.
/// Parameters: `encoder.weight` (hidden × in, a row is a 28×28 filter), `encoder.bias`,
/// `decoder.weight` (in × hidden; absent when tied), `decoder.bias`.
/// Weights are Glorot-uniform from `RandomGenerator(seed:stream: 1)`.
public final class AutoEncoder: ReconstructionModel {
    public let encoder: Linear
    /// `Linear` (untied) or `TiedLinear`.
    public let decoder: Layer
    public let dropout: Dropout?
    public let sparsity: SparsityPenalty?
    private var code: Tensor?
    private var codeGrad = Workspace()

    /// A fresh autoencoder.
    public convenience init(inputSize: Int, hiddenSize: Int, activation: Activation = .sigmoid,
                outputActivation: Activation = .sigmoid, dropout: Float = 0, tied: Bool = false,
                sparsity: SparsityPenalty? = nil, seed: UInt64, namePrefix: String = "") throws {
        guard inputSize > 0, hiddenSize > 0 else {
            throw DescentError("autoencoder: sizes must be positive, got \(inputSize)-\(hiddenSize)")
        }
        var g = RandomGenerator(seed: seed, stream: 1)
        let enc = Linear(inputSize, hiddenSize, activation: activation, name: namePrefix + "encoder", generator: &g)
        let dec: Layer = tied
            ? TiedLinear(transposeOf: enc.weight, activation: outputActivation, name: namePrefix + "decoder")
            : Linear(hiddenSize, inputSize, activation: outputActivation, name: namePrefix + "decoder", generator: &g)
        try self.init(encoder: enc, decoder: dec, dropout: dropout, sparsity: sparsity)
    }

    /// An autoencoder over existing layers (a level of a stacked autoencoder shares them).
    public init(encoder: Linear, decoder: Layer, dropout: Float = 0, sparsity: SparsityPenalty? = nil) throws {
        guard dropout >= 0, dropout < 1 else { throw DescentError("--dropout must be in [0, 1), got \(dropout)") }
        self.encoder = encoder
        self.decoder = decoder
        self.dropout = dropout > 0 ? Dropout(dropout, generator: RandomGenerator(seed: 0)) : nil
        self.sparsity = sparsity
    }

    public var inputSize: Int { encoder.inputSize }
    public var hiddenSize: Int { encoder.outputSize }
    public var isTied: Bool { decoder is TiedLinear }
    public var parameters: [Parameter] { encoder.parameters + decoder.parameters }

    /// The decoder's filters as rows of pixels (hidden × in): row j is what hidden unit j
    /// adds to the reconstruction (W₂ᵀ, or W₁ itself when tied).
    public func decoderFilters() -> Tensor {
        if let t = decoder as? TiedLinear { return t.tiedWeight.value.clone() }
        let w = (decoder as! Linear).weight.value  // in × hidden
        let out = Tensor(shape: [w.columns, w.rows])
        for r in 0..<w.rows { for c in 0..<w.columns { out.data[c * w.rows + r] = w.data[r * w.columns + c] } }
        return out
    }

    public func beginEpoch(seed: UInt64, stream: UInt64) {
        dropout?.generator = RandomGenerator(seed: seed, stream: stream)
    }

    /// The code of `x` in evaluation mode (valid until the next forward).
    public func encode(_ x: Tensor) -> Tensor { encoder.forward(x, training: false) }

    public func reconstruct(_ x: Tensor, training: Bool) -> Tensor {
        let h = encoder.forward(x, training: training)
        code = h
        let hd = dropout?.forward(h, training: training) ?? h
        return decoder.forward(hd, training: training)
    }

    public func backward(_ gradient: Tensor) -> Double {
        guard let h = code else { preconditionFailure("AutoEncoder.backward before forward") }
        var g = decoder.backward(gradient, needsInputGradient: true)!
        if let d = dropout { g = d.backward(g, needsInputGradient: true)! }
        var penalty = 0.0
        if let s = sparsity {
            // Copy so the decoder's buffer is not modified in place.
            let gc = codeGrad.get(g.shape)
            gc.data.update(from: g.data, count: g.count)
            penalty = s(h, accumulateInto: gc)
            g = gc
        }
        _ = encoder.backward(g, needsInputGradient: false)
        return penalty
    }
}
