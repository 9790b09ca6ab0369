/// A stack of autoencoders (Bengio et al. 2007; Vincent et al. 2010), e.g. sizes
/// `[784, 100, 25]` (the **seed-dae** workload):
///
/// ```
/// encoders: 784 →(E₀) 100 →(E₁) 25         decoders: 25 →(D₁) 100 →(D₀) 784
/// level i (greedy pre-training): an AutoEncoder(Eᵢ, Dᵢ) trained on the codes of level i−1
/// unrolled (fine-tuning):        x → E₀ → E₁ → D₁ → D₀ → x̂, trained end to end on MSE(x̂, x)
/// ```
/// Every encoder uses `activation`; decoder Dᵢ reproduces the codes of level i−1, so it
/// uses `activation` too, except D₀, which produces pixels with `outputActivation`.
/// The levels share their layers with the unrolled network, so pre-training initialises
/// fine-tuning. Parameter names: `encoders.i.weight|bias`, `decoders.i.weight|bias`.
/// Weights are Glorot-uniform from `RandomGenerator(seed:stream: 1)`.
public final class StackedAutoEncoder: ReconstructionModel {
    public let sizes: [Int]
    public let encoders: [Linear]
    public let decoders: [Layer]
    public let levels: [AutoEncoder]
    private let network: Sequential
    private let dropouts: [Dropout]

    public init(sizes: [Int], activation: Activation = .sigmoid, outputActivation: Activation = .sigmoid,
                dropout: Float = 0, tied: Bool = false, sparsity: SparsityPenalty? = nil, seed: UInt64) throws {
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw DescentError("--layers: need at least two positive sizes like 784,100,25, got \(sizes)")
        }
        guard dropout >= 0, dropout < 1 else { throw DescentError("--dropout must be in [0, 1), got \(dropout)") }
        self.sizes = sizes
        var g = RandomGenerator(seed: seed, stream: 1)
        var enc: [Linear] = [], dec: [Layer] = []
        for i in 0..<(sizes.count - 1) {
            let e = Linear(sizes[i], sizes[i + 1], activation: activation, name: "encoders.\(i)", generator: &g)
            let outAct = i == 0 ? outputActivation : activation
            let d: Layer = tied
                ? TiedLinear(transposeOf: e.weight, activation: outAct, name: "decoders.\(i)")
                : Linear(sizes[i + 1], sizes[i], activation: outAct, name: "decoders.\(i)", generator: &g)
            enc.append(e); dec.append(d)
        }
        encoders = enc
        decoders = dec
        levels = try zip(enc, dec).map { try AutoEncoder(encoder: $0, decoder: $1, dropout: dropout, sparsity: sparsity) }
        var layers: [Layer] = []
        var drops: [Dropout] = []
        for (i, e) in enc.enumerated() {
            layers.append(e)
            if dropout > 0 && i < enc.count - 1 {
                let d = Dropout(dropout, generator: RandomGenerator(seed: 0)); drops.append(d); layers.append(d)
            }
        }
        for d in dec.reversed() { layers.append(d) }
        dropouts = drops
        network = Sequential(layers)
    }

    /// Parses `784,100,25` (or `784-100-25`).
    public static func parseSizes(_ text: String) throws -> [Int] {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == "-" })
        let sizes = parts.compactMap { Int($0) }
        guard sizes.count == parts.count, sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw DescentError("--layers: '\(text)' is not a list of positive sizes like 784,100,25")
        }
        return sizes
    }

    public var inputSize: Int { sizes[0] }
    public var codeSize: Int { sizes[sizes.count - 1] }
    public var parameters: [Parameter] {
        // Tied decoders list only their bias, so nothing is listed twice.
        encoders.flatMap(\.parameters) + decoders.flatMap(\.parameters)
    }

    public func beginEpoch(seed: UInt64, stream: UInt64) {
        for (i, d) in dropouts.enumerated() { d.generator = RandomGenerator(seed: seed, stream: stream &+ UInt64(i) &* 7919) }
    }

    public func reconstruct(_ x: Tensor, training: Bool) -> Tensor { network.forward(x, training: training) }

    public func backward(_ gradient: Tensor) -> Double {
        _ = network.backward(gradient, needsInputGradient: false)
        return 0
    }

    /// The codes of `x` after the first `depth` encoders (evaluation mode).
    public func encode(_ x: Tensor, depth: Int? = nil) -> Tensor {
        var h = x
        for e in encoders.prefix(depth ?? encoders.count) { h = e.forward(h, training: false) }
        return h
    }

    /// The units of encoder `level` shown in pixel space by the product of the encoder
    /// weights, `W_level · … · W₁ · W₀` (units × pixels): the linear part of what each deep
    /// unit responds to, ignoring the nonlinearities in between.
    public func pixelSpaceFilters(level: Int) -> Tensor {
        var m = encoders[0].weight.value.clone()
        for i in stride(from: 1, through: level, by: 1) {
            let w = encoders[i].weight.value
            let next = Tensor(shape: [w.rows, m.columns])
            BLAS.gemm(w, m, into: next)
            m = next
        }
        return m
    }
}
