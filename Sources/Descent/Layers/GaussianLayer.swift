import Foundation

/// The reparameterised Gaussian code of a variational autoencoder (Kingma & Welling,
/// "Auto-Encoding Variational Bayes", 2014): the 2k values before it are the mean μ and the
/// log-variance log σ² of q(z|x) = N(μ, diag σ²), and it passes on a code z of k values.
///
/// ```
/// input row:  [μ_1 … μ_k, log σ²_1 … log σ²_k]          σ = exp(½ log σ²)
/// training:   z = μ + σ ⊙ ε,   ε ~ N(0, I) from the layer's seeded stream
/// evaluation: z = μ
/// penalty:    P = β · (1/B) Σ_b KL_b,   KL_b = KL(q(z|x_b) ‖ N(0, I)) = ½ Σ_j (μ² + σ² − 1 − log σ²)
/// backward:   ∂L/∂μ = ∂L/∂z + β μ / B
///             ∂L/∂log σ² = ½ ∂L/∂z ⊙ ε ⊙ σ + β (σ² − 1) / (2B)
/// ```
/// The KL term is added to the loss as the sparsity penalty is (`PenaltyLayer`): with a
/// reconstruction loss summed over the pixels and averaged over the batch (`bernoulli`), the
/// training objective is β-weighted negative ELBO per example, in nats (β = 1: the ELBO;
/// β ≠ 1: Higgins et al.'s β-VAE). μ and log σ² are halves of one row, as the output of one
/// `linear(2k)`, and as `mu, logvar = h.chunk(2, dim=1)` in PyTorch. log σ² is not clamped: a
/// value past ~176 overflows σ², and the trainer stops with a divergence error.
///
/// ε is drawn from the layer's own generator (a `StochasticLayer`, re-seeded every epoch like
/// dropout), row after row, so a resumed run draws what an uninterrupted one does.
/// `forward(_:noise:)` takes ε from the caller (gradient checks, the PyTorch comparison,
/// importance sampling).
public final class GaussianLayer: StochasticLayer, PenaltyLayer {
    /// Latent units k (the layer takes 2k values per example).
    public let units: Int
    /// Weight β of the KL term.
    public let beta: Float
    public var generator: RandomGenerator
    /// β · the mean KL per example of the last forward pass.
    public private(set) var penalty = 0.0
    /// The mean KL(q(z|x) ‖ N(0, I)) per example of the last forward pass, in nats.
    public private(set) var meanKL = 0.0
    private var input: Tensor?
    private var trained = false
    private var output = Workspace()
    private var epsilon = Workspace()
    private var gradient = Workspace()

    /// Throws when `units` < 1 or β is negative or not finite.
    public init(units: Int, beta: Float = 1, generator: RandomGenerator) throws {
        guard units >= 1 else { throw DescentError("gaussian: units must be at least 1, got \(units)") }
        guard beta >= 0, beta.isFinite else { throw DescentError("gaussian: beta must be a finite number ≥ 0, got \(beta)") }
        self.units = units
        self.beta = beta
        self.generator = generator
    }

    public var outputWidth: Int? { units }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard training else { return run(x, noise: nil) }
        let e = epsilon.get([x.rows, units])
        for i in 0..<e.count { e.data[i] = generator.normal() }
        return run(x, noise: e)
    }

    /// The training-mode pass with ε given (B × k).
    public func forward(_ x: Tensor, noise: Tensor) -> Tensor {
        precondition(noise.count == x.rows * units, "gaussian: noise \(noise.shape) for \(x.rows) examples of \(units) units")
        return run(x, noise: noise)
    }

    private func run(_ x: Tensor, noise: Tensor?) -> Tensor {
        let (b, k) = (x.rows, units)
        precondition(x.count == b * 2 * k, "gaussian(\(k)) takes \(2 * k) values per example, got \(x.shape)")
        input = x
        trained = noise != nil
        if let noise, noise.data != epsilon.tensor?.data {
            epsilon.get([b, k]).data.update(from: noise.data, count: b * k)
        }
        let z = output.get([b, k])
        let (xd, zd) = (x.data, z.data)
        let ed = trained ? epsilon.tensor!.data : nil
        var kl = 0.0
        for r in 0..<b {
            let mu = xd + r * 2 * k, lv = mu + k, out = zd + r * k
            var row: Float = 0
            for j in 0..<k {
                let variance = Foundation.exp(lv[j])
                row += mu[j] * mu[j] + variance - 1 - lv[j]
                out[j] = ed.map { mu[j] + Foundation.exp(0.5 * lv[j]) * $0[r * k + j] } ?? mu[j]
            }
            kl += 0.5 * Double(row)
        }
        meanKL = kl / Double(Swift.max(b, 1))
        penalty = Double(beta) * meanKL
        return z
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let x = input else { preconditionFailure("GaussianLayer.backward before forward") }
        guard needsInputGradient else { return nil }
        let (b, k) = (x.rows, units)
        let g = gradient.get([b, 2 * k])
        let (xd, gd, gz) = (x.data, g.data, gradOutput.data)
        let ed = trained ? epsilon.tensor!.data : nil
        let c = beta / Float(Swift.max(b, 1))
        for r in 0..<b {
            let mu = xd + r * 2 * k, lv = mu + k, gmu = gd + r * 2 * k, glv = gmu + k, up = gz + r * k
            for j in 0..<k {
                gmu[j] = up[j] + c * mu[j]
                let noise = ed.map { up[j] * $0[r * k + j] * Foundation.exp(0.5 * lv[j]) } ?? 0
                glv[j] = 0.5 * (noise + c * (Foundation.exp(lv[j]) - 1))
            }
        }
        return g
    }
}

extension GaussianLayer {
    /// `gaussian(units, beta=1)`. Like dropout, the layer draws from
    /// `RandomGenerator(seed:stream: 10 + k)` (k: noise layers before it) until a trainer
    /// re-seeds it per epoch.
    public static let kind = LayerKind(
        name: "gaussian",
        summary: "VAE code: 2k inputs are μ and log σ²; z = μ + σ·ε in training, μ in evaluation; adds β·KL(q ‖ N(0, I)) per example to the loss",
        arguments: [.positiveInt("units"),
                    LayerArgument("beta", .number, default: .number(1)) { v in v.numberValue! >= 0 ? nil : "must be ≥ 0" }],
        outputShape: { spec, shape in
            let k = spec.int("units")!
            let n = shape.reduce(1, *)
            guard n == 2 * k else {
                throw DescentError("gaussian(\(k)) takes 2 × \(k) = \(2 * k) values (μ and log σ²), the layer before gives \(n)")
            }
            return [k]
        },
        onnx: GaussianLayer.onnxForm,
        make: { spec, context in
            try GaussianLayer(units: spec.int("units")!, beta: Float(spec.number("beta")!),
                              generator: RandomGenerator(seed: context.seed, stream: 10 &+ UInt64(context.noiseLayersBefore)))
        })

    /// ONNX (evaluation mode): μ, the first half of each row.
    public static let onnxForm: ONNXExport.Exporter = { g, layer in
        let k = layer.spec.int("units")!
        let (starts, ends, axes) = (g.constant("\(layer.name).starts", ints: [0]), g.constant("\(layer.name).ends", ints: [k]),
                                    g.constant("\(layer.name).axes", ints: [1]))
        g.apply("Slice", layer, inputs: [starts, ends, axes])
    }
}

extension LayerSpec {
    /// `gaussian(units, beta)`.
    public static func gaussian(_ units: Int, beta: Double = 1) throws -> LayerSpec {
        try LayerSpec(GaussianLayer.kind, ["units": .int(units), "beta": .number(beta)])
    }
}

extension ModelSpec {
    /// Whether the description has a `gaussian` code (a variational autoencoder).
    public var isVariational: Bool { layers.contains { $0.kind == GaussianLayer.kind.name } }

    /// The same description with every `gaussian` layer's β set to `beta` (`--beta`).
    public func settingGaussianBeta(_ beta: Double) throws -> ModelSpec {
        let changed = try layers.map { l in l.kind == GaussianLayer.kind.name ? try LayerSpec.gaussian(l.int("units")!, beta: beta) : l }
        return try ModelSpec(inputShape: inputShape, layers: changed, encoderLayers: encoderLayers, loss: loss)
    }
}
