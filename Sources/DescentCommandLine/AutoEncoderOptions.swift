import ArgumentParser
import Descent
import Foundation

/// Options shared by `autoencoder` and `stacked`: how the model is trained and evaluated.
struct AutoEncoderOptions: ParsableArguments {
    @Option(help: "Masking-noise ratio: each input pixel is zeroed with this probability, fresh every epoch; the loss is against the clean input.")
    var corruption: Float = 0.3
    @Flag(help: "Inverted masking: scale the pixels the noise keeps by 1/(1 - p), as inverted dropout, so a masked input has the clean one's expected value.")
    var invertedMasking = false
    @Option(help: "Minibatch size (default 100, the seed article's for its autoencoders, seed-ae).")
    var batchSize = 100
    @Option(help: "Epochs of the linear probe (softmax regression on the frozen codes); 0 skips it.")
    var probeEpochs = 10
    @Flag(help: "Skip the PCA comparison.")
    var noPCA = false
    @Flag(help: "Do not write PNG pictures.")
    var noPictures = false

    func validate() throws {
        if !(corruption >= 0 && corruption < 1) { throw ValidationError("--corruption must be in [0, 1), got \(corruption)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if probeEpochs < 0 { throw ValidationError("--probe-epochs must be ≥ 0, got \(probeEpochs)") }
    }
}

/// The layer options of the built-in autoencoders, for when `--model` is not given.
struct AutoEncoderLayerOptions: ParsableArguments {
    @Option(help: "Hidden activation of a network given as sizes (default sigmoid, as seed-ae).")
    var activation: LayerActivation?
    @Option(help: "Activation of the (deepest) code: as --activation by default; identity gives a linear code (Hinton & Salakhutdinov's).")
    var codeActivation: Activation?
    @Option(help: "Reconstruction loss: mse, or bce (binary cross-entropy from logits: the last layer gives logits, the reconstruction is their sigmoid). Reported test MSEs are always those of the reconstruction in pixel space.")
    var loss: LossKind?
    @Option(help: "Activation of the reconstruction (default sigmoid; pixels are in [0, 1]).")
    var outputActivation: LayerActivation?
    @Option(help: "Dropout probability on the code(s) (training only; default 0).")
    var dropout: Float?
    @Flag(help: "Tied weights: decoder = encoderᵀ (own biases).")
    var tied = false
    @Option(help: "Sparsity penalty weight β (0 = off): β Σ_j KL(ρ ‖ mean activation of unit j).")
    var sparsityWeight: Float?
    @Option(help: "Sparsity target activation ρ (default 0.05).")
    var sparsityTarget: Float?

    var anyGiven: Bool {
        activation != nil || codeActivation != nil || loss != nil || outputActivation != nil || dropout != nil || tied
            || sparsityWeight != nil || sparsityTarget != nil
    }

    func validate() throws {
        if let d = dropout, !(d >= 0 && d < 1) { throw ValidationError("--dropout must be in [0, 1), got \(d)") }
        if let w = sparsityWeight, !(w >= 0 && w.isFinite) { throw ValidationError("--sparsity-weight must be ≥ 0, got \(w)") }
        if let t = sparsityTarget, !(t > 0 && t < 1) { throw ValidationError("--sparsity-target must be in (0, 1), got \(t)") }
        if loss == .crossEntropy { throw ValidationError("--loss must be mse or bce for an autoencoder") }
        if loss == .binaryCrossEntropy, let o = outputActivation?.value, o != .sigmoid {
            throw ValidationError("--loss bce reconstructs through a sigmoid: leave out --output-activation \(o.rawValue)")
        }
    }

    /// The autoencoder over `sizes` these options describe.
    func spec(sizes: [Int]) throws -> ModelSpec {
        let w = Double("\(sparsityWeight ?? 0)")!
        return try ModelSpec.autoencoder(sizes: sizes, activation: activation?.value ?? .sigmoid, codeActivation: codeActivation,
                                         outputActivation: outputActivation?.value ?? .sigmoid,
                                         dropout: Double("\(dropout ?? 0)")!, tied: tied,
                                         sparsity: w > 0 ? (Double("\(sparsityTarget ?? 0.05)")!, w) : nil,
                                         loss: loss ?? .meanSquaredError)
    }

    /// The part of the folder name describing these options (like the seed's condition_to_string).
    func condition(noise: String) -> String {
        var s = "\((activation?.value ?? .sigmoid).rawValue)"
        if let c = codeActivation, c != (activation?.value ?? .sigmoid) { s += "_code\(c.rawValue)" }
        s += "_do\(fmt(dropout ?? 0))_\(noise)"
        if let o = outputActivation?.value, o != .sigmoid { s += "_out\(o.rawValue)" }
        if tied { s += "_tied" }
        if let w = sparsityWeight, w > 0 { s += "_sp\(fmt(w))-\(fmt(sparsityTarget ?? 0.05))" }
        if let l = loss, l != .meanSquaredError { s += "_\(l.rawValue)" }
        return s
    }
}

extension AutoEncoderOptions {
    /// The noise and batch part of a folder name: `cr.3`, `cr.3inv`, `…_bs50`.
    var noiseCondition: String {
        "cr\(fmt(corruption))" + (invertedMasking && corruption > 0 ? "inv" : "") + (batchSize != 100 ? "_bs\(batchSize)" : "")
    }

    /// What the model is fed in training, for reports: "clean", "masked (p = 0.3)", "masked (p = 0.3, inverted)".
    var matchedInput: String {
        guard corruption > 0 else { return "clean" }
        return "masked (p = \(fmt0(corruption))" + (invertedMasking ? ", inverted)" : ")")
    }
}

/// `--loss NAME`: a loss of the running program's registry.
extension LossKind: ExpressibleByArgument {
    public init?(argument: String) {
        guard let kind = CommandContext.registry.loss(named: argument) else { return nil }
        self = kind
    }
    public static var allValueStrings: [String] { CommandContext.registry.losses.map(\.rawValue) }
}

func fmt0(_ x: Float) -> String { String(format: "%g", Double(x)) }

func fmt(_ x: Float) -> String {
    var s = String(format: "%g", Double(x))
    if s.hasPrefix("0.") { s.removeFirst() }
    return s
}
