import ArgumentParser
import Descent
import DescentReport
import Foundation

/// Options shared by `autoencoder` and `stacked`: how the model is trained and evaluated.
struct AutoEncoderOptions: ParsableArguments {
    @Option(help: "Masking-noise ratio: each input pixel is zeroed with this probability, fresh every epoch; the loss is against the clean input.")
    var corruption: Float = 0.3
    @Flag(help: "Inverted masking: scale the pixels the noise keeps by 1/(1 - p), as inverted dropout, so a masked input has the clean one's expected value.")
    var invertedMasking = false
    @Option(help: "Minibatch size.")
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
    @Option(help: "Hidden activation: \(Activation.allCases.filter { $0 != .identity }.map(\.rawValue).joined(separator: ", ")) (default sigmoid).")
    var activation: Activation?
    @Option(help: "Activation of the (deepest) code: as --activation by default; identity gives a linear code (Hinton & Salakhutdinov's).")
    var codeActivation: Activation?
    @Option(help: "Reconstruction loss: mse, or bce (binary cross-entropy from logits: the last layer gives logits, the reconstruction is their sigmoid). Reported test MSEs are always those of the reconstruction in pixel space.")
    var loss: LossKind?
    @Option(help: "Activation of the reconstruction (default sigmoid; pixels are in [0, 1]).")
    var outputActivation: Activation?
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
        if activation == .identity || outputActivation == .identity { throw ValidationError("identity is not an activation layer (use --code-activation identity for a linear code)") }
        if loss == .crossEntropy { throw ValidationError("--loss must be mse or bce for an autoencoder") }
        if loss == .binaryCrossEntropy, let o = outputActivation, o != .sigmoid {
            throw ValidationError("--loss bce reconstructs through a sigmoid: leave out --output-activation \(o.rawValue)")
        }
    }

    /// The autoencoder over `sizes` these options describe.
    func spec(sizes: [Int]) throws -> ModelSpec {
        let w = Double("\(sparsityWeight ?? 0)")!
        return try ModelSpec.autoencoder(sizes: sizes, activation: activation ?? .sigmoid, codeActivation: codeActivation,
                                         outputActivation: outputActivation ?? .sigmoid,
                                         dropout: Double("\(dropout ?? 0)")!, tied: tied,
                                         sparsity: w > 0 ? (Double("\(sparsityTarget ?? 0.05)")!, w) : nil,
                                         loss: loss ?? .meanSquaredError)
    }

    /// The part of the folder name describing these options (like the seed's condition_to_string).
    func condition(noise: String) -> String {
        var s = "\((activation ?? .sigmoid).rawValue)"
        if let c = codeActivation, c != (activation ?? .sigmoid) { s += "_code\(c.rawValue)" }
        s += "_do\(fmt(dropout ?? 0))_\(noise)"
        if let o = outputActivation, o != .sigmoid { s += "_out\(o.rawValue)" }
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

extension LossKind: ExpressibleByArgument {}

func fmt0(_ x: Float) -> String { String(format: "%g", Double(x)) }

func fmt(_ x: Float) -> String {
    var s = String(format: "%g", Double(x))
    if s.hasPrefix("0.") { s.removeFirst() }
    return s
}

/// Everything that determines an autoencoder run except the epochs: the configuration a
/// checkpoint stores and `--resume` checks.
struct AutoEncoderRunConfig: Codable, Equatable {
    var command: String
    var dataset: DatasetName
    var trainLimit: Int?
    var validation: Int?
    var model: ModelSpec
    var corruption: Float
    /// true for inverted masking; absent (nil) for plain masking, as in runs from before the option.
    var invertedMasking: Bool?
    var batchSize: Int
    var optimizer: OptimizerConfig
    var seed: UInt64
    var epochs: Int
    enum CodingKeys: String, CodingKey {
        case command, dataset, trainLimit = "train_limit", validation, model, corruption, invertedMasking = "inverted_masking",
             batchSize = "batch_size", optimizer, seed, epochs
    }
}

/// `metrics.json` of an autoencoder run. Every test MSE is per pixel, of the reconstruction
/// in pixel space (σ(logits) for loss bce) against the clean test image:
///
///     test_mse_clean_input          clean test images in: how well the model reconstructs real images
///     test_mse_matched_input        test images as the model saw in training (`matched_input`:
///                                   clean, or masked like the training inputs): the denoising error
///     test_mse_scaled_input         plain masking only: clean images × (1 − p), a masked input's mean
///     pca.test_mse                  PCA with as many components as the code has values
///     mean_image_baseline_test_mse  every test image reconstructed as the mean training image
///
/// `test_loss` is the training loss on clean test images when it is not the MSE (bce).
struct AutoEncoderMetrics: Codable {
    struct Probe: Codable { var trainAccuracy: Double; var testAccuracy: Double; var epochs: Int; var seconds: Double? }
    struct PCAResult: Codable { var components: Int; var testMSE: Double; var trainMSE: Double; var probe: Probe?; var seconds: Double }
    struct Level: Codable { var level: Int; var model: String; var loss: String; var history: [EpochMetrics] }

    var command: String
    var dataset: String
    var trainImages: Int
    var testImages: Int
    var model: String
    var parameters: Int
    var codeSize: Int
    var loss: String
    var corruption: Float
    var invertedMasking: Bool
    var matchedInput: String
    var batchSize: Int
    var optimizer: String
    var seed: UInt64
    var epochs: Int
    var meanImageBaselineTestMSE: Double
    var pretrainEpochs: Int?
    var pretraining: [Level]?
    var testMSEAfterPretraining: Double?
    var history: [EpochMetrics] = []
    var testMSECleanInput: Double?
    var testMSEMatchedInput: Double?
    var testMSEScaledInput: Double?
    var testLoss: Double?
    var probe: Probe?
    var pca: PCAResult?
    var pictures: [String]?
    /// Wall-clock seconds of the whole command: training, evaluation, probe, PCA, pictures.
    var wallSeconds: Double?
    /// With --validation: images held out, and the validation MSE after the last epoch.
    var validationImages: Int?
    var validationMSE: Double?

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try writeAtomically(Array(try encoder.encode(self)) + [0x0A], to: path)
    }
}

/// Shared steps of both commands.
enum AERun {
    static func log(_ text: String, json: Bool) {
        if !json { print(text); fflush(nil) }
    }

    static func folder(_ out: String?, _ name: String) throws -> String {
        let path = (out ?? "runs") + "/" + name
        try Output.prepareFolder(path)
        return path
    }

    /// The column header of the epoch lines for `loss`.
    static func header(_ loss: LossKind, validation: Bool = false) -> String {
        let name = loss == .meanSquaredError ? "mse" : loss.rawValue
        return "phase      epoch  train_\(name)" + (validation ? "    val_\(name)" : "") + "   test_\(name)"
            + (loss == .meanSquaredError ? "" : "   test_mse") + "  seconds"
    }

    static func printEpoch(_ m: EpochMetrics, phase: String, json: Bool) {
        if json {
            struct Line: Encodable { var phase: String; var epoch: EpochMetrics }
            printJSONLine(Line(phase: phase, epoch: m))
        } else {
            let head = String(format: "%@ %5d  %9.5f", phase.padding(toLength: 10, withPad: " ", startingAt: 0), m.epoch, m.trainLoss)
                + (m.validationLoss.map { String(format: "  %9.5f", $0) } ?? "") + String(format: "  %9.5f", m.testLoss)
            log(head + (m.testMSE.map { String(format: "  %9.5f", $0) } ?? "") + String(format: "  %7.2f", m.seconds), json: false)
        }
    }

    /// The reconstruction errors on the test set into `m` (see `AutoEncoderMetrics`): from
    /// clean inputs, from inputs matched to training (masked as in training), and, for plain
    /// masking, from clean inputs scaled by 1 − p; with the training loss when it is not the MSE.
    static func reconstructionErrors(_ trainer: Trainer, test: ImageSet, ae: AutoEncoderOptions,
                                     into m: inout AutoEncoderMetrics) throws {
        let clean = try trainer.evaluate(.images(test))
        m.testMSECleanInput = clean.reconstructionMSE
        if !(trainer.loss is MeanSquaredError) { m.testLoss = clean.loss }
        guard ae.corruption > 0 else { m.testMSEMatchedInput = clean.reconstructionMSE; return }
        m.testMSEMatchedInput = try trainer.evaluate(.images(test), corruption: ae.corruption,
                                                     invertedMasking: ae.invertedMasking).reconstructionMSE
        if !ae.invertedMasking {
            m.testMSEScaledInput = try trainer.evaluate(.images(test), inputScale: 1 - ae.corruption).reconstructionMSE
        }
    }

    /// The labelled summary printed at the end of a run.
    static func printSummary(_ m: AutoEncoderMetrics, json: Bool) {
        guard !json else { return }
        var rows: [(String, Double, String)] = []
        if let v = m.testMSECleanInput { rows.append(("autoencoder, clean input", v, "how well it reconstructs real images; compare with PCA")) }
        if m.corruption > 0, let v = m.testMSEMatchedInput {
            rows.append(("autoencoder, \(m.matchedInput) input", v, "as in training: the denoising error"))
        }
        if let v = m.testMSEScaledInput { rows.append(("autoencoder, clean input × \(fmt0(1 - m.corruption))", v, "a plainly masked input's mean")) }
        if let p = m.pca { rows.append(("PCA, \(p.components) components", p.testMSE, "the best linear code of that size")) }
        rows.append(("mean image", m.meanImageBaselineTestMSE, "no code at all"))
        log("test MSE per pixel (reconstruction in pixel space vs the clean image):", json: false)
        let width = rows.map { $0.0.count }.max() ?? 0
        for (name, value, note) in rows {
            log("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: "  %.5f   (%@)", value, note), json: false)
        }
        if let probe = m.probe {
            log(String(format: "linear-probe test accuracy: autoencoder codes %.4f", probe.testAccuracy)
                + (m.pca?.probe.map { String(format: ", PCA %.4f", $0.testAccuracy) } ?? ""), json: false)
        }
    }

    /// Before training: PCA with the code's size needs a code no larger than the image.
    static func checkCodeSize(_ spec: ModelSpec, pixels: Int, pca: Bool, flag: String) throws {
        guard pca, let code = spec.codeSize, code > pixels else { return }
        throw DescentError("\(flag): the code has \(code) values, more than the \(pixels) pixels PCA can compare it with (shrink the code or pass --no-pca)")
    }

    /// Linear probe on the codes and PCA with the same code size, into `m`.
    static func evaluateCodes(_ network: Network, train: ImageSet, test: ImageSet, classes: Int, probeEpochs: Int, pca doPCA: Bool,
                              seed: UInt64, json: Bool, into m: inout AutoEncoderMetrics) throws -> PCA? {
        let codeSize = try network.encodeAll(.images(test.prefix(1))).columns
        if probeEpochs > 0 {
            let start = Date()
            let probe = try LinearProbe.evaluate(trainCodes: try network.encodeAll(.images(train)), trainLabels: train.labels,
                                                 testCodes: try network.encodeAll(.images(test)), testLabels: test.labels,
                                                 classes: classes, epochs: probeEpochs, seed: seed)
            m.probe = .init(trainAccuracy: probe.trainAccuracy, testAccuracy: probe.testAccuracy, epochs: probeEpochs,
                            seconds: Date().timeIntervalSince(start))
            log(String(format: "linear probe on the %d-dim codes (%d epochs): test accuracy %.4f (train %.4f)",
                       codeSize, probeEpochs, probe.testAccuracy, probe.trainAccuracy), json: json)
        }
        guard doPCA else { return nil }
        let start = Date()
        let p = try PCA.fit(train, components: codeSize)
        var result = AutoEncoderMetrics.PCAResult(components: codeSize, testMSE: try p.reconstructionMSE(test),
                                                  trainMSE: try p.reconstructionMSE(train), probe: nil, seconds: 0)
        if probeEpochs > 0 {
            let probe = try LinearProbe.evaluate(trainCodes: try p.encodeAll(train), trainLabels: train.labels,
                                                 testCodes: try p.encodeAll(test), testLabels: test.labels,
                                                 classes: classes, epochs: probeEpochs, seed: seed)
            result.probe = .init(trainAccuracy: probe.trainAccuracy, testAccuracy: probe.testAccuracy, epochs: probeEpochs, seconds: nil)
        }
        result.seconds = Date().timeIntervalSince(start)
        m.pca = result
        log(String(format: "PCA, %d components: test MSE %.5f", codeSize, result.testMSE)
            + (result.probe.map { String(format: ", probe test accuracy %.4f", $0.testAccuracy) } ?? ""), json: json)
        return p
    }

    /// Input / corrupted / reconstruction (of corrupted and of clean) / PCA rows for the first 10 test images.
    static func reconstructionGrid(test: ImageSet, corruption: Float, inverted: Bool, seed: UInt64, pca: PCA?,
                                   reconstruct: (Tensor) -> Tensor) throws -> PixelImage {
        let n = min(10, test.count), f = test.featureCount
        let clean = Tensor(shape: [n, f])
        for r in 0..<n { for j in 0..<f { clean.data[r * f + j] = Float(test.pixels[r * f + j]) / 255 } }
        var rows = [clean]
        var g = RandomGenerator(seed: seed, stream: 0x5049_4354)
        if corruption > 0 {
            let c = Tensor(shape: [n, f])
            MaskingNoise.corruptingCopy(clean.data, into: c.data, count: n * f, probability: corruption, inverted: inverted, generator: &g)
            rows.append(c)
            rows.append(reconstruct(c).clone())
        }
        rows.append(reconstruct(clean).clone())
        if let p = pca { let o = Tensor(shape: [n, f]); p.reconstruct(clean, into: o); rows.append(o) }
        return try AutoEncoderPictures.reconstructions(rows, width: test.width, height: test.height)
    }

    /// The dense layers of a network in order: Linear (own weight) or TiedLinear.
    static func denseWeights(_ network: Network) -> [(weight: Tensor, transposed: Bool)] {
        network.layers.compactMap { layer in
            if let l = layer as? Linear { return (l.weight.value, false) }
            if let t = layer as? TiedLinear { return (t.tiedWeight.value, true) }
            return nil
        }
    }

    /// Encoder filters of the first layer and decoder filters of the last, one tile per unit:
    /// dense layers as images of the input's size (rows of the encoder's W, columns of the
    /// decoder's), convolutions of one-channel images as their k×k kernels (an encoder's
    /// `conv2d` over the image: one tile per output channel; a decoder's `convtranspose2d` or
    /// `conv2d` to one channel: one tile per input channel). Nil when either end is neither.
    static func filterPictures(_ network: Network, width: Int, height: Int) throws -> (encoder: PixelImage, decoder: PixelImage)? {
        let trained = network.layers.filter { !$0.parameters.isEmpty }
        guard let first = trained.first, let last = trained.last,
              let encoder = filterTiles(first, encoder: true, pixels: width * height),
              let decoder = filterTiles(last, encoder: false, pixels: width * height) else { return nil }
        func picture(_ t: (tiles: Tensor, side: Int?)) throws -> PixelImage {
            guard let k = t.side else { return try AutoEncoderPictures.filters(t.tiles, width: width, height: height) }
            return try AutoEncoderPictures.filters(t.tiles, width: k, height: k, scale: max(2, 48 / k))
        }
        return (try picture(encoder), try picture(decoder))
    }

    /// Writes `filterPictures` as `<prefix>encoder.png` and `<prefix>decoder.png` in `dir`;
    /// returns the names written (none when the network's ends have no filter pictures).
    static func writeFilterPictures(_ network: Network, width: Int, height: Int, to dir: String, prefix: String = "") throws -> [String] {
        guard let filters = try filterPictures(network, width: width, height: height) else { return [] }
        let names = [prefix + "encoder.png", prefix + "decoder.png"]
        try PNG.write(filters.encoder, to: dir + "/" + names[0])
        try PNG.write(filters.decoder, to: dir + "/" + names[1])
        return names
    }

    /// The filters of one layer as rows (units × pixels) and, for convolutions, the kernel side.
    static func filterTiles(_ layer: Layer, encoder: Bool, pixels: Int) -> (tiles: Tensor, side: Int?)? {
        func kernels(_ w: Tensor, count: Int) -> (Tensor, Int?) {
            let k = w.shape[3]
            return (Tensor(shape: [count, k * k], values: w.toArray()), k)
        }
        switch layer {
        case let l as Linear:
            let tiles = encoder ? l.weight.value : transpose(l.weight.value)
            return tiles.columns == pixels ? (tiles, nil) : nil
        case let t as TiedLinear where !encoder:
            return t.tiedWeight.value.columns == pixels ? (t.tiedWeight.value, nil) : nil
        case let c as Conv2D where encoder && c.geometry.channels == 1:
            return kernels(c.weight.value, count: c.outChannels)
        case let c as Conv2D where !encoder && c.outChannels == 1:
            return kernels(c.weight.value, count: c.geometry.channels)
        case let t as ConvTranspose2D where !encoder && t.outChannels == 1:
            return kernels(t.weight.value, count: t.inputShape[0])
        default:
            return nil
        }
    }

    static func transpose(_ w: Tensor) -> Tensor {
        let out = Tensor(shape: [w.columns, w.rows])
        for r in 0..<w.rows { for c in 0..<w.columns { out.data[c * w.rows + r] = w.data[r * w.columns + c] } }
        return out
    }

    static func writeJSONResult(_ metrics: AutoEncoderMetrics, json: Bool) throws {
        guard json else { return }
        let encoder = JSONEncoder.sorted
        encoder.keyEncodingStrategy = .convertToSnakeCase
        print(String(decoding: try encoder.encode(metrics), as: UTF8.self))
    }

    /// For a 2-value code: `code-map.svg` and `.png`, the test codes (the first 500 test images of each
    /// class) coloured by class, beside PCA's first two components when PCA was run.
    static func writeCodeMap(_ network: Network, test: ImageSet, dataset: DatasetName, pca: PCA?,
                             metrics m: AutoEncoderMetrics, to base: String) throws -> [String] {
        guard m.codeSize == 2, !test.labels.isEmpty else { return [] }
        let chosen = ScatterPlot.firstOfEachClass(test.labels.map(Int.init), perClass: 500)
        let subset = try ImageSet(count: chosen.count, height: test.height, width: test.width,
                                  pixels: chosen.flatMap { test.pixels[($0 * test.featureCount)..<(($0 + 1) * test.featureCount)] },
                                  labels: chosen.map { test.labels[$0] })
        let classes = subset.labels.map(Int.init)
        func panel(_ codes: Tensor, _ title: String, _ axis: String) -> ScatterPlot.Panel {
            .init(title: title, xLabel: "\(axis) 1", yLabel: "\(axis) 2",
                  x: (0..<codes.rows).map { Double(codes.data[$0 * 2]) }, y: (0..<codes.rows).map { Double(codes.data[$0 * 2 + 1]) },
                  classes: classes)
        }
        var panels = [panel(try network.encodeAll(.images(subset)),
                            "autoencoder" + (m.testMSECleanInput.map { String(format: " (test MSE %.4f)", $0) } ?? ""), "code unit")]
        if let pca, let p = m.pca {
            panels.append(panel(try pca.encodeAll(subset), String(format: "PCA (test MSE %.4f)", p.testMSE), "principal component"))
        }
        let plot = ScatterPlot(panels: panels, classNames: dataset.classNames,
                               title: "2-D codes of \(chosen.count) \(dataset.displayName) test images (≤ 500 per class)")
        return try plot.document().write(to: base)
    }

    /// Everything after training: reconstruction errors, probe, PCA, the pictures both
    /// commands draw (reconstructions, code map), the summary and metrics.json.
    static func finish(_ trainer: Trainer, train: ImageSet, validation: ImageSet?, test: ImageSet, data: DataOptions, ae: AutoEncoderOptions,
                       seed: UInt64, json: Bool, dir: String, start: Date, metrics: inout AutoEncoderMetrics,
                       pictures: (PCA?) throws -> [String]) throws {
        let network = trainer.network
        try reconstructionErrors(trainer, test: test, ae: ae, into: &metrics)
        if let validation {
            metrics.validationImages = validation.count
            metrics.validationMSE = try metrics.history.last?.validationLoss ?? trainer.evaluate(.images(validation)).loss
        }
        let pca = try evaluateCodes(network, train: train, test: test, classes: data.dataset.classCount,
                                    probeEpochs: ae.probeEpochs, pca: !ae.noPCA, seed: seed, json: json, into: &metrics)
        if !ae.noPictures {
            var written = try pictures(pca)
            try PNG.write(reconstructionGrid(test: test, corruption: ae.corruption, inverted: ae.invertedMasking, seed: seed, pca: pca) {
                trainer.loss.prediction(network($0))
            }, to: dir + "/reconstructions.png")
            written.append("reconstructions.png")
            written += try writeCodeMap(network, test: test, dataset: data.dataset, pca: pca, metrics: metrics,
                                        to: dir + "/code-map")
            metrics.pictures = written
        }
        metrics.wallSeconds = Date().timeIntervalSince(start)
        printSummary(metrics, json: json)
        try metrics.write(to: dir + "/metrics.json")
        log("wrote \(dir)/ (\(String(format: "%.0f", metrics.wallSeconds!)) s)", json: json)
        try writeJSONResult(metrics, json: json)
    }
}

struct AutoEncoderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoencoder",
        abstract: "Train a (denoising, sparse, tied) autoencoder; report reconstruction MSE, a linear probe and PCA.",
        discussion: """
            Each epoch prints the training loss (with noise and dropout) and the loss
            on the held-out test set (with --loss bce also the test MSE). Afterwards
            the test MSE of the reconstruction in pixel space is reported from clean
            test inputs and from inputs matched to training (masked as in training),
            next to PCA with the same code size and the mean-image baseline; a
            softmax classifier is trained on the frozen codes (linear probe), and on
            the PCA codes. The model is the one-hidden-layer autoencoder of --hidden
            and the layer options, or --model (a preset, sizes like 784-100, or
            layers with '|' after the encoder; see `descent train --help`).
            Output folder <out>/ae_<conditions>/ (default <out> = runs):
              metrics.json          configuration, history, test MSEs, probe, PCA
              model.safetensors     weights, optimizer state, model and run, after every epoch
              encoder.png           encoder filters, one tile per hidden unit
              decoder.png           decoder filters (columns of the decoder)
              reconstructions.png   rows: input, masked input, its reconstruction,
                                    reconstruction of the clean input, PCA
              pca.png               the principal components
              code-map.svg, .png    (2-value codes) test codes by class, and PCA's
            Examples (seed-ae):
              descent autoencoder --hidden 100 --activation sigmoid \\
                --dropout 0.3 --corruption 0.3 --optimizer adam --epochs 10
              descent autoencoder --model seed-ae --epochs 20
              descent autoencoder --hidden 100 --corruption 0.3 \\
                --inverted-masking --loss bce
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var opt: OptimizerOptions
    @OptionGroup var ae: AutoEncoderOptions
    @OptionGroup var layers: AutoEncoderLayerOptions

    @Option(help: "The autoencoder as a preset, sizes or layers (instead of --hidden and the layer options).")
    var model: String?
    @Option(help: "Hidden (code) units of the built-in autoencoder (default 100).") var hidden: Int?
    @Option(help: "Number of epochs (in total, when resuming).") var epochs = 10
    @Option(help: "Resume from this checkpoint (model.safetensors of an earlier run with the same options).")
    var resume: String?

    func validate() throws {
        if let h = hidden, h < 1 { throw ValidationError("--hidden must be at least 1, got \(h)") }
        if epochs < 0 { throw ValidationError("--epochs must be ≥ 0, got \(epochs)") }
        if model != nil && (hidden != nil || layers.anyGiven) {
            throw ValidationError("--model describes the whole network: leave out --hidden, --activation, --code-activation, --loss, --output-activation, --dropout, --tied and the sparsity options")
        }
    }

    func run() throws {
        try DescentCommand.run {
            let start = Date()
            let checkpoint = try resume.map { path in try CLI.flag("--resume") { try Checkpoint.read(path) } }
            try common.applyThreads(resuming: checkpoint)
            let json = common.json
            let (train, validation, test) = try data.load()
            let spec = try CLI.flag(model == nil ? "--hidden" : "--model") {
                if let model { return try ModelSpec.resolve(model, inputShape: train.shape, loss: .meanSquaredError) }
                return try layers.spec(sizes: [train.featureCount, hidden ?? 100])
            }
            try CLI.check(spec, fits: train, test, from: data.source)
            guard spec.encoderLayers != nil, spec.loss.isReconstruction else {
                throw DescentError("--model: an autoencoder needs '|' after its encoder's last layer and loss mse or bce")
            }
            if ae.probeEpochs > 0 {
                try CLI.checkLabels(classes: data.dataset.classCount, train, test, from: data.source, what: "the linear probe of \(data.dataset.displayName) has")
            }
            try CLI.checkMemory(spec, batchSize: min(ae.batchSize, train.count), optimizer: opt.config,
                                flag: model.map { "--model \($0)" } ?? "--hidden \(hidden ?? 100)")
            try AERun.checkCodeSize(spec, pixels: train.featureCount, pca: !ae.noPCA, flag: model.map { _ in "--model" } ?? "--hidden")
            let network = try Network(spec, seed: common.seed)
            let trainer = try Trainer(network, optimizer: try opt.config.make(), loss: spec.loss.make(), batchSize: ae.batchSize,
                                      corruption: ae.corruption, invertedMasking: ae.invertedMasking, seed: common.seed)
            let run = AutoEncoderRunConfig(command: "autoencoder", dataset: data.dataset, trainLimit: data.trainLimit,
                                           validation: data.validationCount, model: spec,
                                           corruption: ae.corruption, invertedMasking: ae.invertedMasking ? true : nil,
                                           batchSize: ae.batchSize, optimizer: opt.config, seed: common.seed, epochs: epochs)
            let modelName = model.map { ModelSpec.preset(named: $0) != nil ? $0 : "m" + RunSpec.fnv1a64(spec.description).prefix(8) }
            let condition = model == nil
                ? "h\(hidden ?? 100)_" + layers.condition(noise: ae.noiseCondition)
                : "\(modelName!)_\(ae.noiseCondition)"
            let name = "ae_\(data.dataset.rawValue)_\(condition)_\(opt.optimizer.rawValue)_e\(epochs)_s\(common.seed)"
            let dir = try AERun.folder(common.out, name)
            var metrics = AERun.metrics(command: "autoencoder", spec: spec, network: network, train: train, test: test,
                                        data: data, ae: ae, optimizer: opt.config, seed: common.seed, epochs: epochs)
            let checkpointPath = dir + "/model.safetensors"
            if let checkpoint {
                try CLI.matchResumed(checkpoint, run, ignoring: ["epochs"], epochs: epochs)
                try checkpoint.restore(into: network, optimizer: trainer.optimizer)
                trainer.epochsDone = checkpoint.epochsDone
                metrics.history = try checkpoint.history()
                AERun.log("resumed from \(checkpoint.path) after epoch \(checkpoint.epochsDone)", json: json)
            } else if FileManager.default.fileExists(atPath: checkpointPath) {
                throw DescentError("\(checkpointPath) exists: continue it with --resume \(checkpointPath), or choose another --out")
            }
            let runJSON = String(decoding: try JSONEncoder.sorted.encode(run), as: UTF8.self)
            AERun.log("\(data.dataset.rawValue): \(train.count) train / \(test.count) test images; autoencoder \(spec.description); training input \(ae.matchedInput); \(opt.config.summary); \(network.parameters.scalarCount) parameters; \(Parallel.threads) thread(s)", json: json)
            AERun.log(String(format: "mean-image baseline test MSE %.5f", metrics.meanImageBaselineTestMSE), json: json)
            AERun.log(AERun.header(spec.loss, validation: validation != nil), json: json)
            let progress = StepProgress(label: "epoch", examples: train.count, batchSize: ae.batchSize)
            trainer.onStep = progress.map { p in { step, steps in p.update(epoch: trainer.epochsDone + 1, of: epochs, step: step, steps: steps) } }
            try trainer.fit(train: .images(train), validation: validation.map { .images($0) }, test: .images(test),
                            epochs: max(0, epochs - trainer.epochsDone)) { m in
                progress?.clear()
                AERun.printEpoch(m, phase: "train", json: json)
                metrics.history.append(m)
                try Checkpoint.save(network, optimizer: trainer.optimizer, epochsDone: m.epoch, run: runJSON,
                                    history: metrics.history, metadata: ["command": "autoencoder", "name": name], to: checkpointPath)
                try metrics.write(to: dir + "/metrics.json")
            }
            if metrics.history.isEmpty {
                try Checkpoint.save(network, optimizer: trainer.optimizer, epochsDone: 0, run: runJSON,
                                    metadata: ["command": "autoencoder", "name": name], to: checkpointPath)
            }
            try AERun.finish(trainer, train: train, validation: validation, test: test, data: data, ae: ae, seed: common.seed, json: json, dir: dir,
                             start: start, metrics: &metrics) { pca in
                let (w, h) = (train.width, train.height)
                var pictures = try AERun.writeFilterPictures(network, width: w, height: h, to: dir)
                if let p = pca { try PNG.write(AutoEncoderPictures.filters(p.components, width: w, height: h), to: dir + "/pca.png"); pictures.append("pca.png") }
                return pictures
            }
        }
    }
}

extension AERun {
    /// The fields of metrics.json known before training.
    static func metrics(command: String, spec: ModelSpec, network: Network, train: ImageSet, test: ImageSet, data: DataOptions,
                        ae: AutoEncoderOptions, optimizer: OptimizerConfig, seed: UInt64, epochs: Int,
                        pretrainEpochs: Int? = nil) -> AutoEncoderMetrics {
        AutoEncoderMetrics(
            command: command, dataset: data.dataset.rawValue, trainImages: train.count, testImages: test.count,
            model: spec.description, parameters: network.parameters.scalarCount, codeSize: spec.codeSize ?? 0,
            loss: spec.loss.rawValue, corruption: ae.corruption, invertedMasking: ae.invertedMasking,
            matchedInput: ae.matchedInput, batchSize: ae.batchSize, optimizer: optimizer.summary, seed: seed, epochs: epochs,
            meanImageBaselineTestMSE: meanImageBaselineMSE(train: train, test: test), pretrainEpochs: pretrainEpochs)
    }
}

struct StackedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stacked",
        abstract: "Train a stacked autoencoder: greedy layer-wise pre-training, then end-to-end fine-tuning.",
        discussion: """
            Level i is an autoencoder (encoder i, decoder i) trained on the codes of
            level i-1 for --pretrain-epochs, with the masking-noise, dropout and
            sparsity options (level 0 on the model's loss, deeper levels, which
            reconstruct codes, on the MSE); then the unrolled network (e.g.
            784-100-25-100-784) is fine-tuned end to end on the model's loss against
            the clean input for --finetune-epochs. --no-pretrain skips pre-training
            (random initialisation) for comparison. Reported as for `descent
            autoencoder`: test MSEs from clean and from matched inputs next to PCA
            with the same code size and the mean image, a linear probe on the
            deepest codes.
            Output folder <out>/sae_<conditions>/ (default <out> = runs):
              metrics.json             histories, test MSEs, probe, PCA
              model.safetensors        final weights + optimizer state, model and run
              level0_encoder.png       first-level filters
              level0_decoder.png       last decoder's filters
              levelN_pixelspace.png    deeper units in pixel space: rows of the
                                       product W_N ... W_1 W_0 of the encoder weights
              reconstructions.png      as for `descent autoencoder`
              code-map.svg, .png       (2-value codes) test codes by class, and PCA's
            Examples:
              descent stacked --layers 784,100,25 --pretrain-epochs 20 --finetune-epochs 10
              descent stacked --model seed-dae
              descent stacked --model hinton-dae --corruption 0 \\
                --pretrain-epochs 5 --finetune-epochs 20   (Hinton & Salakhutdinov)
              descent stacked --layers 784,1000,500,250,2 --loss bce \\
                --code-activation identity --corruption 0
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var opt: OptimizerOptions
    @OptionGroup var ae: AutoEncoderOptions
    @OptionGroup var layerOptions: AutoEncoderLayerOptions

    @Option(help: "Layer sizes, input first, e.g. 784,100,25 (default).") var layers: String?
    @Option(help: "The stack as a preset or layers (instead of --layers and the layer options).") var model: String?
    @Option(help: "Pre-training epochs per level.") var pretrainEpochs = 20
    @Option(help: "Fine-tuning epochs of the unrolled network.") var finetuneEpochs = 10
    @Flag(help: "Skip pre-training (fine-tune from random weights).") var noPretrain = false

    func validate() throws {
        if pretrainEpochs < 0 { throw ValidationError("--pretrain-epochs must be ≥ 0, got \(pretrainEpochs)") }
        if finetuneEpochs < 0 { throw ValidationError("--finetune-epochs must be ≥ 0, got \(finetuneEpochs)") }
        if model != nil && (layers != nil || layerOptions.anyGiven) {
            throw ValidationError("--model describes the whole network: leave out --layers and the layer options")
        }
    }

    static func parseSizes(_ text: String) throws -> [Int] {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == "-" })
        let sizes = parts.compactMap { Int($0) }
        guard sizes.count == parts.count, sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw DescentError("--layers: '\(text)' is not a list of positive sizes like 784,100,25")
        }
        return sizes
    }

    func run() throws {
        try DescentCommand.run {
            let start = Date()
            common.applyThreads()
            let json = common.json
            let (train, validation, test) = try data.load()
            let spec: ModelSpec
            var sizeText: String
            if let model {
                spec = try CLI.flag("--model") { try ModelSpec.resolve(model, inputShape: train.shape, loss: .meanSquaredError) }
                sizeText = (ModelSpec.preset(named: model) != nil ? model : "m" + String(RunSpec.fnv1a64(spec.description).prefix(8)))
                    + "_" + ae.noiseCondition
            } else {
                let sizes = try StackedCommand.parseSizes(layers ?? "784,100,25")
                guard sizes[0] == train.featureCount else {
                    throw DescentError("--layers starts with \(sizes[0]), the images have \(train.featureCount) pixels")
                }
                spec = try CLI.flag("--layers") { try layerOptions.spec(sizes: sizes) }
                sizeText = sizes.map(String.init).joined(separator: "-") + "_" + layerOptions.condition(noise: ae.noiseCondition)
            }
            try CLI.check(spec, fits: train, test, from: data.source)
            guard spec.loss.isReconstruction else { throw DescentError("--model: a stacked autoencoder needs loss mse or bce") }
            if ae.probeEpochs > 0 {
                try CLI.checkLabels(classes: data.dataset.classCount, train, test, from: data.source, what: "the linear probe of \(data.dataset.displayName) has")
            }
            try CLI.checkMemory(spec, batchSize: min(ae.batchSize, train.count), optimizer: opt.config,
                                flag: model.map { "--model \($0)" } ?? "--layers \(layers ?? "784,100,25")")
            let network = try Network(spec, seed: common.seed)
            let levels = try CLI.flag("--model") { try GreedyPretraining(network) }
            try AERun.checkCodeSize(spec, pixels: train.featureCount, pca: !ae.noPCA, flag: model.map { _ in "--model" } ?? "--layers")
            let pre = noPretrain ? 0 : pretrainEpochs
            let name = "sae_\(data.dataset.rawValue)_\(sizeText)_\(opt.optimizer.rawValue)_pre\(pre)_ft\(finetuneEpochs)_s\(common.seed)"
            let dir = try AERun.folder(common.out, name)
            var metrics = AERun.metrics(command: "stacked", spec: spec, network: network, train: train, test: test, data: data,
                                        ae: ae, optimizer: opt.config, seed: common.seed, epochs: finetuneEpochs, pretrainEpochs: pre)
            AERun.log("\(data.dataset.rawValue): \(train.count) train / \(test.count) test images; stacked autoencoder \(spec.description); training input \(ae.matchedInput); \(opt.config.summary); pre-training \(pre) epochs/level, fine-tuning \(finetuneEpochs); \(Parallel.threads) thread(s)", json: json)
            AERun.log(String(format: "mean-image baseline test MSE %.5f", metrics.meanImageBaselineTestMSE), json: json)
            let progress = StepProgress(label: "epoch", examples: train.count, batchSize: ae.batchSize)
            if pre > 0 {
                var pretraining: [AutoEncoderMetrics.Level] = []
                var header = ""
                for (i, level) in levels.levels.enumerated() {
                    let depth = levels.depths[i]
                    let trainData: DataSource = depth == 0 ? .images(train) : .features(try network.encodeAll(.images(train), layers: depth), labels: nil)
                    let testData: DataSource = depth == 0 ? .images(test) : .features(try network.encodeAll(.images(test), layers: depth), labels: nil)
                    let loss = levels.losses[i]
                    if AERun.header(loss, validation: validation != nil) != header { header = AERun.header(loss, validation: validation != nil); AERun.log(header, json: json) }
                    let trainer = try Trainer(level, optimizer: try opt.config.make(), loss: loss.make(), batchSize: ae.batchSize,
                                              corruption: ae.corruption, invertedMasking: ae.invertedMasking,
                                              seed: common.seed, streamBase: UInt64(i + 1))
                    trainer.onStep = progress.map { p in { step, steps in p.update(epoch: trainer.epochsDone + 1, of: pre, step: step, steps: steps) } }
                    var history: [EpochMetrics] = []
                    let validData: DataSource? = try validation.map { depth == 0 ? .images($0) : .features(try network.encodeAll(.images($0), layers: depth), labels: nil) }
                    try trainer.fit(train: trainData, validation: validData, test: testData, epochs: pre) { m in
                        progress?.clear()
                        AERun.printEpoch(m, phase: "level\(i)", json: json)
                        history.append(m)
                    }
                    pretraining.append(.init(level: i, model: level.layerIndices.map { spec.layers[$0].description }.joined(separator: ", "),
                                             loss: loss.rawValue, history: history))
                }
                metrics.pretraining = pretraining
                let unrolled = try Trainer(network, optimizer: try opt.config.make(), loss: spec.loss.make(), batchSize: ae.batchSize, seed: common.seed)
                metrics.testMSEAfterPretraining = try unrolled.evaluate(.images(test)).reconstructionMSE
                AERun.log(String(format: "unrolled network after pre-training: test MSE %.5f (clean input)", metrics.testMSEAfterPretraining!), json: json)
            }
            let trainer = try Trainer(network, optimizer: try opt.config.make(), loss: spec.loss.make(), batchSize: ae.batchSize,
                                      corruption: ae.corruption, invertedMasking: ae.invertedMasking, seed: common.seed, streamBase: 0)
            let run = AutoEncoderRunConfig(command: "stacked", dataset: data.dataset, trainLimit: data.trainLimit,
                                           validation: data.validationCount, model: spec,
                                           corruption: ae.corruption, invertedMasking: ae.invertedMasking ? true : nil,
                                           batchSize: ae.batchSize, optimizer: opt.config, seed: common.seed, epochs: finetuneEpochs)
            let runJSON = String(decoding: try JSONEncoder.sorted.encode(run), as: UTF8.self)
            let checkpointPath = dir + "/model.safetensors"
            AERun.log(AERun.header(spec.loss, validation: validation != nil), json: json)
            trainer.onStep = progress.map { p in { step, steps in p.update(epoch: trainer.epochsDone + 1, of: finetuneEpochs, step: step, steps: steps) } }
            try trainer.fit(train: .images(train), validation: validation.map { .images($0) }, test: .images(test),
                            epochs: finetuneEpochs) { m in
                progress?.clear()
                AERun.printEpoch(m, phase: "finetune", json: json)
                metrics.history.append(m)
                try Checkpoint.save(network, optimizer: trainer.optimizer, epochsDone: m.epoch, run: runJSON, history: metrics.history,
                                    metadata: ["command": "stacked", "name": name, "phase": "finetune"], to: checkpointPath)
                try metrics.write(to: dir + "/metrics.json")
            }
            if finetuneEpochs == 0 {
                try Checkpoint.save(network, optimizer: nil, epochsDone: 0, run: runJSON,
                                    metadata: ["command": "stacked", "name": name, "phase": "pretrain"], to: checkpointPath)
            }
            try AERun.finish(trainer, train: train, validation: validation, test: test, data: data, ae: ae, seed: common.seed, json: json, dir: dir,
                             start: start, metrics: &metrics) { _ in
                let (w, h) = (train.width, train.height)
                var pictures = try AERun.writeFilterPictures(network, width: w, height: h, to: dir, prefix: "level0_")
                let encoders = AERun.denseWeights(network).filter { !$0.transposed }.map(\.weight)
                let depth = levels.levels.count
                if encoders.count >= depth, encoders.first?.columns == w * h {
                    var product = encoders[0].clone()
                    for level in 1..<depth {
                        let next = Tensor(shape: [encoders[level].rows, product.columns])
                        BLAS.gemm(encoders[level], product, into: next)
                        product = next
                        try PNG.write(AutoEncoderPictures.filters(product, width: w, height: h), to: dir + "/level\(level)_pixelspace.png")
                        pictures.append("level\(level)_pixelspace.png")
                    }
                }
                return pictures
            }
        }
    }
}
