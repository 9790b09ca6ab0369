import ArgumentParser
import Descent
import DescentReport
import Foundation

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
    typealias Level = GreedyPretraining.LevelResult

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

    static func folder(_ out: String?, _ name: String, command: String) throws -> (path: String, lock: SweepLock) {
        let path = (out ?? "runs") + "/" + name
        return (path, try Output.lockedFolder(path, command: command))
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
        func panel(_ codes: Tensor, _ title: String, _ axis: String) throws -> ScatterPlot.Panel {
            try .init(title: title, xLabel: "\(axis) 1", yLabel: "\(axis) 2",
                      x: (0..<codes.rows).map { Double(codes.data[$0 * 2]) }, y: (0..<codes.rows).map { Double(codes.data[$0 * 2 + 1]) },
                      classes: classes)
        }
        var panels = [try panel(try network.encodeAll(.images(subset)),
                                "autoencoder" + (m.testMSECleanInput.map { String(format: " (test MSE %.4f)", $0) } ?? ""), "code unit")]
        if let pca, let p = m.pca {
            panels.append(try panel(try pca.encodeAll(subset), String(format: "PCA (test MSE %.4f)", p.testMSE), "principal component"))
        }
        let plot = try ScatterPlot(panels: panels, classNames: dataset.classNames,
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
