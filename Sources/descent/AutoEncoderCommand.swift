import ArgumentParser
import Descent
import DescentReport
import Foundation

/// Options shared by `autoencoder` and `stacked`.
struct AutoEncoderOptions: ParsableArguments {
    @Option(help: "Hidden activation: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")).")
    var activation: Activation = .sigmoid
    @Option(help: "Activation of the reconstruction (pixels are in [0, 1]).")
    var outputActivation: Activation = .sigmoid
    @Option(help: "Dropout probability on the code (training only).")
    var dropout: Float = 0
    @Option(help: "Masking-noise ratio: each input pixel is zeroed with this probability, fresh every epoch; the loss is against the clean input.")
    var corruption: Float = 0.3
    @Flag(help: "Tied weights: decoder = encoderᵀ (own biases).")
    var tied = false
    @Option(help: "Sparsity penalty weight β (0 = off): β Σ_j KL(ρ ‖ mean activation of unit j).")
    var sparsityWeight: Float = 0
    @Option(help: "Sparsity target activation ρ.")
    var sparsityTarget: Float = 0.05
    @Option(help: "Minibatch size.")
    var batchSize = 100
    @Option(help: "Epochs of the linear probe (softmax regression on the frozen codes); 0 skips it.")
    var probeEpochs = 10
    @Flag(help: "Skip the PCA comparison.")
    var noPCA = false
    @Flag(help: "Do not write PNG pictures.")
    var noPictures = false

    func validate() throws {
        if !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1), got \(dropout)") }
        if !(corruption >= 0 && corruption < 1) { throw ValidationError("--corruption must be in [0, 1), got \(corruption)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if probeEpochs < 0 { throw ValidationError("--probe-epochs must be ≥ 0, got \(probeEpochs)") }
        if sparsityWeight < 0 { throw ValidationError("--sparsity-weight must be ≥ 0, got \(sparsityWeight)") }
        if !(sparsityTarget > 0 && sparsityTarget < 1) { throw ValidationError("--sparsity-target must be in (0, 1), got \(sparsityTarget)") }
    }

    func sparsity() throws -> SparsityPenalty? {
        sparsityWeight > 0 ? try SparsityPenalty(target: sparsityTarget, weight: sparsityWeight) : nil
    }

    /// The part of the folder name describing these options (like the seed's condition_to_string).
    var condition: String {
        var s = "\(activation.rawValue)_do\(fmt(dropout))_cr\(fmt(corruption))"
        if outputActivation != .sigmoid { s += "_out\(outputActivation.rawValue)" }
        if tied { s += "_tied" }
        if sparsityWeight > 0 { s += "_sp\(fmt(sparsityWeight))-\(fmt(sparsityTarget))" }
        if batchSize != 100 { s += "_bs\(batchSize)" }
        return s
    }
}

func fmt(_ x: Float) -> String {
    var s = String(format: "%g", Double(x))
    if s.hasPrefix("0.") { s.removeFirst() }
    return s
}

/// Shared steps of both commands.
enum AERun {
    static func log(_ text: String, json: Bool) {
        if !json { print(text); fflush(stdout) }
    }

    static func folder(_ out: String?, _ name: String) throws -> String {
        let path = (out ?? "runs") + "/" + name
        try Output.prepareFolder(path)
        return path
    }

    static func writeJSON(_ object: [String: Any], to path: String) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try writeAtomically(Array(data) + [0x0A], to: path)
    }

    static func epochJSON(_ m: AutoEncoderEpoch) -> [String: Any] {
        ["epoch": m.epoch, "train_mse": m.trainMSE, "test_mse": m.testMSE, "penalty": m.penalty, "seconds": m.seconds]
    }

    static func printEpoch(_ m: AutoEncoderEpoch, prefix: String, json: Bool) {
        if json {
            var o = epochJSON(m); o["phase"] = prefix
            if let d = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) { print(String(decoding: d, as: UTF8.self)); fflush(stdout) }
        } else {
            log(String(format: "%@ %5d  %9.5f  %9.5f  %7.2f", prefix.padding(toLength: 10, withPad: " ", startingAt: 0),
                       m.epoch, m.trainMSE, m.testMSE, m.seconds), json: false)
        }
    }

    /// Test MSE from masked inputs (the denoising error) and from clean inputs scaled by
    /// 1 − p (what a masked input is on average), for runs trained with masking noise.
    static func noiseMetrics(_ trainer: AutoEncoderTrainer, test: ImageSet, corruption: Float, json: Bool) -> [String: Any] {
        guard corruption > 0 else { return [:] }
        let masked = trainer.evaluate(.images(test), corruption: corruption)
        let scaled = trainer.evaluate(.images(test), inputScale: 1 - corruption)
        log(String(format: "test MSE from inputs with masking noise %g (denoising error): %.5f; from clean inputs × %g: %.5f",
                   Double(corruption), masked, Double(1 - corruption), scaled), json: json)
        return ["test_mse_corrupted_input": masked, "test_mse_scaled_input": scaled]
    }

    /// Linear probe + PCA comparison; returns the JSON fragment.
    static func evaluateCodes(train: ImageSet, test: ImageSet, codeSize: Int, probeEpochs: Int, pca doPCA: Bool,
                              seed: UInt64, json: Bool, encode: (Tensor) -> Tensor) throws -> ([String: Any], PCA?) {
        var result: [String: Any] = [:]
        if probeEpochs > 0 {
            let start = Date()
            let trCodes = encodeAll(.images(train), encode)
            let teCodes = encodeAll(.images(test), encode)
            let probe = try LinearProbe.evaluate(trainCodes: trCodes, trainLabels: train.labels, testCodes: teCodes,
                                                 testLabels: test.labels, epochs: probeEpochs, seed: seed)
            result["probe"] = ["train_accuracy": probe.trainAccuracy, "test_accuracy": probe.testAccuracy,
                               "epochs": probeEpochs, "seconds": Date().timeIntervalSince(start)]
            log(String(format: "linear probe on the %d-dim codes (%d epochs): test accuracy %.4f (train %.4f)",
                       codeSize, probeEpochs, probe.testAccuracy, probe.trainAccuracy), json: json)
        }
        var pca: PCA?
        if doPCA {
            let start = Date()
            let p = try PCA.fit(train, components: codeSize)
            pca = p
            var o: [String: Any] = ["components": codeSize, "test_mse": p.reconstructionMSE(test),
                                    "train_mse": p.reconstructionMSE(train)]
            if probeEpochs > 0 {
                let probe = try LinearProbe.evaluate(trainCodes: p.encodeAll(train), trainLabels: train.labels,
                                                     testCodes: p.encodeAll(test), testLabels: test.labels,
                                                     epochs: probeEpochs, seed: seed)
                o["probe"] = ["train_accuracy": probe.trainAccuracy, "test_accuracy": probe.testAccuracy, "epochs": probeEpochs]
            }
            o["seconds"] = Date().timeIntervalSince(start)
            result["pca"] = o
            let acc = (o["probe"] as? [String: Any])?["test_accuracy"] as? Double
            log(String(format: "PCA, %d components: test MSE %.5f", codeSize, o["test_mse"] as! Double)
                + (acc.map { String(format: ", probe test accuracy %.4f", $0) } ?? ""), json: json)
        }
        return (result, pca)
    }

    /// Input / corrupted / reconstruction (of corrupted and of clean) / PCA rows for the first 10 test images.
    static func reconstructionGrid(test: ImageSet, corruption: Float, seed: UInt64, pca: PCA?,
                                   reconstruct: (Tensor) -> Tensor) -> PixelImage {
        let n = min(10, test.count), f = test.featureCount
        let clean = Tensor(shape: [n, f])
        for r in 0..<n { for j in 0..<f { clean.data[r * f + j] = Float(test.pixels[r * f + j]) / 255 } }
        var rows = [clean]
        var g = RandomGenerator(seed: seed, stream: 0x5049_4354)
        if corruption > 0 {
            let c = Tensor(shape: [n, f])
            MaskingNoise.corruptingCopy(clean.data, into: c.data, count: n * f, probability: corruption, generator: &g)
            rows.append(c)
            rows.append(reconstruct(c).clone())
        }
        rows.append(reconstruct(clean).clone())
        if let p = pca { let o = Tensor(shape: [n, f]); p.reconstruct(clean, into: o); rows.append(o) }
        return AutoEncoderPictures.reconstructions(rows, width: test.width, height: test.height)
    }
}

struct AutoEncoderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoencoder",
        abstract: "Train a (denoising, sparse, tied) autoencoder; report reconstruction MSE, a linear probe and PCA.",
        discussion: """
            Each epoch prints the training MSE (with noise and dropout) and the MSE
            on the held-out test set. Afterwards a softmax classifier is trained on
            the frozen codes (linear probe), and PCA with the same code size is
            evaluated the same way. Runs trained with masking noise also report the
            test MSE from masked inputs and from clean inputs scaled by 1 - p.
            Output folder <out>/ae_<conditions>/ (default <out> = runs):
              metrics.json          configuration, per-epoch history, probe, PCA
              model.safetensors     weights + optimizer state, after every epoch
              encoder.png           encoder filters, one tile per hidden unit
              decoder.png           decoder filters (columns of the decoder)
              reconstructions.png   rows: input, masked input, its reconstruction,
                                    reconstruction of the clean input, PCA
              pca.png               the principal components
            Example (seed-ae):
              descent autoencoder --hidden 100 --activation sigmoid \\
                --dropout 0.3 --corruption 0.3 --optimizer adam --epochs 10
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var opt: OptimizerOptions
    @OptionGroup var ae: AutoEncoderOptions

    @Option(help: "Hidden (code) units.") var hidden = 100
    @Option(help: "Number of epochs (in total, when resuming).") var epochs = 10
    @Option(help: "Resume from this checkpoint (model.safetensors of an earlier run with the same options).")
    var resume: String?

    func validate() throws {
        if hidden < 1 { throw ValidationError("--hidden must be at least 1, got \(hidden)") }
        if epochs < 0 { throw ValidationError("--epochs must be ≥ 0, got \(epochs)") }
    }

    func run() throws {
        try DescentCommand.run {
            common.applyThreads()
            let json = common.json
            let (train, test) = try data.load()
            let model = try AutoEncoder(inputSize: train.featureCount, hiddenSize: hidden, activation: ae.activation,
                                        outputActivation: ae.outputActivation, dropout: ae.dropout, tied: ae.tied,
                                        sparsity: try ae.sparsity(), seed: common.seed)
            let optimizer = try opt.config.make()
            let trainer = try AutoEncoderTrainer(model: model, optimizer: optimizer, batchSize: ae.batchSize,
                                                 corruption: ae.corruption, seed: common.seed)
            let name = "ae_\(data.dataset.rawValue)_h\(hidden)_\(ae.condition)_\(opt.optimizer.rawValue)_e\(epochs)_s\(common.seed)"
            let dir = try AERun.folder(common.out, name)
            var history: [[String: Any]] = []
            if let path = resume {
                let loaded = try Checkpoint.load(path, into: model.parameters)
                try restoreOptimizer(optimizer, loaded.optimizerState, model.parameters)
                trainer.epochsDone = loaded.epochsDone
                if let h = loaded.metadata["history"], let a = try? JSONSerialization.jsonObject(with: Data(h.utf8)) as? [[String: Any]] {
                    history = a
                }
                AERun.log("resumed from \(path) after epoch \(loaded.epochsDone)", json: json)
            }
            let baseline = meanImageBaselineMSE(train: train, test: test)
            AERun.log("\(data.dataset.rawValue): \(train.count) train / \(test.count) test images; autoencoder \(train.featureCount)-\(hidden)-\(train.featureCount) \(ae.condition); \(opt.config.summary); \(model.parameters.scalarCount) parameters; \(Parallel.threads) thread(s)", json: json)
            AERun.log(String(format: "mean-image baseline test MSE %.5f", baseline), json: json)
            AERun.log("phase      epoch  train_mse   test_mse  seconds", json: json)
            var metrics: [String: Any] = [
                "command": "autoencoder", "dataset": data.dataset.rawValue, "train_images": train.count, "test_images": test.count,
                "hidden": hidden, "activation": ae.activation.rawValue, "output_activation": ae.outputActivation.rawValue,
                "dropout": ae.dropout, "corruption": ae.corruption, "tied": ae.tied, "batch_size": ae.batchSize,
                "sparsity_weight": ae.sparsityWeight, "sparsity_target": ae.sparsityTarget, "optimizer": opt.config.summary,
                "seed": common.seed, "epochs": epochs, "mean_image_baseline_test_mse": baseline,
            ]
            let checkpoint = dir + "/model.safetensors"
            try trainer.fit(train: .images(train), test: .images(test), epochs: max(0, epochs - trainer.epochsDone)) { m in
                AERun.printEpoch(m, prefix: "train", json: json)
                history.append(AERun.epochJSON(m))
                metrics["history"] = history
                let h = String(decoding: try JSONSerialization.data(withJSONObject: history, options: [.sortedKeys]), as: UTF8.self)
                try Checkpoint.save(parameters: model.parameters, optimizerState: optimizerState(optimizer, model.parameters),
                                    epochsDone: m.epoch, metadata: ["name": name, "history": h], to: checkpoint)
                try AERun.writeJSON(metrics, to: dir + "/metrics.json")
            }
            metrics["history"] = history
            metrics["test_mse"] = (history.last?["test_mse"] as? Double) ?? trainer.evaluate(.images(test))
            metrics.merge(AERun.noiseMetrics(trainer, test: test, corruption: ae.corruption, json: json)) { $1 }
            let (extra, pca) = try AERun.evaluateCodes(train: train, test: test, codeSize: hidden, probeEpochs: ae.probeEpochs,
                                                       pca: !ae.noPCA, seed: common.seed, json: json) { model.encode($0) }
            metrics.merge(extra) { $1 }
            if !ae.noPictures {
                let (w, h) = (train.width, train.height)
                try PNG.write(AutoEncoderPictures.filters(model.encoder.weight.value, width: w, height: h), to: dir + "/encoder.png")
                try PNG.write(AutoEncoderPictures.filters(model.decoderFilters(), width: w, height: h), to: dir + "/decoder.png")
                try PNG.write(AERun.reconstructionGrid(test: test, corruption: ae.corruption, seed: common.seed, pca: pca) {
                    model.reconstruct($0, training: false)
                }, to: dir + "/reconstructions.png")
                if let p = pca { try PNG.write(AutoEncoderPictures.filters(p.components, width: w, height: h), to: dir + "/pca.png") }
                metrics["pictures"] = ["encoder.png", "decoder.png", "reconstructions.png"] + (pca == nil ? [] : ["pca.png"])
            }
            try AERun.writeJSON(metrics, to: dir + "/metrics.json")
            AERun.log("wrote \(dir)/", json: json)
            if json, let d = try? JSONSerialization.data(withJSONObject: metrics, options: [.sortedKeys]) {
                print(String(decoding: d, as: UTF8.self))
            }
        }
    }
}

struct StackedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stacked",
        abstract: "Train a stacked autoencoder: greedy layer-wise pre-training, then end-to-end fine-tuning.",
        discussion: """
            Level i is an autoencoder (encoder i, decoder i) trained on the codes of
            level i-1 for --pretrain-epochs, with the masking-noise, dropout and
            sparsity options; then the unrolled network (e.g. 784-100-25-100-784) is
            fine-tuned end to end on the clean-input MSE for --finetune-epochs.
            --no-pretrain skips pre-training (random initialisation) for comparison.
            Reported: test MSE per epoch, a linear probe on the deepest codes, PCA
            with the same code size.
            Output folder <out>/sae_<conditions>/ (default <out> = runs):
              metrics.json             pre-training and fine-tuning histories, probe, PCA
              model.safetensors        final weights + optimizer state
              level0_encoder.png       first-level filters
              level0_decoder.png       last decoder's filters
              levelN_pixelspace.png    deeper units in pixel space: rows of the
                                       product W_N ... W_1 W_0 of the encoder weights
              reconstructions.png      as for `descent autoencoder`
            Example (seed-dae):
              descent stacked --layers 784,100,25 --pretrain-epochs 20 --finetune-epochs 10
            """)

    @OptionGroup var common: CommonOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var opt: OptimizerOptions
    @OptionGroup var ae: AutoEncoderOptions

    @Option(help: "Layer sizes, input first, e.g. 784,100,25.") var layers = "784,100,25"
    @Option(help: "Pre-training epochs per level.") var pretrainEpochs = 20
    @Option(help: "Fine-tuning epochs of the unrolled network.") var finetuneEpochs = 10
    @Flag(help: "Skip pre-training (fine-tune from random weights).") var noPretrain = false

    func run() throws {
        try DescentCommand.run {
            common.applyThreads()
            let json = common.json
            let sizes = try StackedAutoEncoder.parseSizes(layers)
            let (train, test) = try data.load()
            guard sizes[0] == train.featureCount else {
                throw DescentError("--layers starts with \(sizes[0]), the images have \(train.featureCount) pixels")
            }
            let model = try StackedAutoEncoder(sizes: sizes, activation: ae.activation, outputActivation: ae.outputActivation,
                                               dropout: ae.dropout, tied: ae.tied, sparsity: try ae.sparsity(), seed: common.seed)
            let pre = noPretrain ? 0 : pretrainEpochs
            let sizeText = sizes.map(String.init).joined(separator: "-")
            let name = "sae_\(data.dataset.rawValue)_\(sizeText)_\(ae.condition)_\(opt.optimizer.rawValue)_pre\(pre)_ft\(finetuneEpochs)_s\(common.seed)"
            let dir = try AERun.folder(common.out, name)
            let baseline = meanImageBaselineMSE(train: train, test: test)
            AERun.log("\(data.dataset.rawValue): \(train.count) train / \(test.count) test images; stacked autoencoder \(sizeText) \(ae.condition); \(opt.config.summary); pre-training \(pre) epochs/level, fine-tuning \(finetuneEpochs); \(Parallel.threads) thread(s)", json: json)
            AERun.log(String(format: "mean-image baseline test MSE %.5f", baseline), json: json)
            AERun.log("phase      epoch  train_mse   test_mse  seconds", json: json)
            var metrics: [String: Any] = [
                "command": "stacked", "dataset": data.dataset.rawValue, "train_images": train.count, "test_images": test.count,
                "layers": sizes, "activation": ae.activation.rawValue, "output_activation": ae.outputActivation.rawValue,
                "dropout": ae.dropout, "corruption": ae.corruption, "tied": ae.tied, "batch_size": ae.batchSize,
                "optimizer": opt.config.summary, "seed": common.seed, "pretrain_epochs": pre,
                "finetune_epochs": finetuneEpochs, "mean_image_baseline_test_mse": baseline,
            ]
            var pretraining: [[String: Any]] = []
            if pre > 0 {
                for (i, level) in model.levels.enumerated() {
                    let trainData: ReconstructionData = i == 0 ? .images(train) : .codes(encodeAll(.images(train)) { model.encode($0, depth: i) })
                    let testData: ReconstructionData = i == 0 ? .images(test) : .codes(encodeAll(.images(test)) { model.encode($0, depth: i) })
                    let trainer = try AutoEncoderTrainer(model: level, optimizer: try opt.config.make(), batchSize: ae.batchSize,
                                                         corruption: ae.corruption, seed: common.seed, streamBase: UInt64(i + 1))
                    var h: [[String: Any]] = []
                    try trainer.fit(train: trainData, test: testData, epochs: pre) { m in
                        AERun.printEpoch(m, prefix: "level\(i)", json: json)
                        h.append(AERun.epochJSON(m))
                    }
                    pretraining.append(["level": i, "sizes": [sizes[i], sizes[i + 1]], "history": h])
                }
                metrics["pretraining"] = pretraining
                let unrolledBefore = try AutoEncoderTrainer(model: model, optimizer: try opt.config.make(), seed: common.seed)
                metrics["test_mse_after_pretraining"] = unrolledBefore.evaluate(.images(test))
                AERun.log(String(format: "unrolled network after pre-training: test MSE %.5f", metrics["test_mse_after_pretraining"] as! Double), json: json)
            }
            let optimizer = try opt.config.make()
            let trainer = try AutoEncoderTrainer(model: model, optimizer: optimizer, batchSize: ae.batchSize,
                                                 corruption: ae.corruption, seed: common.seed, streamBase: 0)
            var history: [[String: Any]] = []
            try trainer.fit(train: .images(train), test: .images(test), epochs: finetuneEpochs) { m in
                AERun.printEpoch(m, prefix: "finetune", json: json)
                history.append(AERun.epochJSON(m))
                metrics["history"] = history
                try Checkpoint.save(parameters: model.parameters, optimizerState: optimizerState(optimizer, model.parameters),
                                    epochsDone: m.epoch, metadata: ["name": name, "phase": "finetune"], to: dir + "/model.safetensors")
                try AERun.writeJSON(metrics, to: dir + "/metrics.json")
            }
            metrics["history"] = history
            metrics["test_mse"] = (history.last?["test_mse"] as? Double) ?? trainer.evaluate(.images(test))
            metrics.merge(AERun.noiseMetrics(trainer, test: test, corruption: ae.corruption, json: json)) { $1 }
            if finetuneEpochs == 0 {
                try Checkpoint.save(parameters: model.parameters, epochsDone: 0, metadata: ["name": name, "phase": "pretrain"],
                                    to: dir + "/model.safetensors")
            }
            let (extra, pca) = try AERun.evaluateCodes(train: train, test: test, codeSize: model.codeSize, probeEpochs: ae.probeEpochs,
                                                       pca: !ae.noPCA, seed: common.seed, json: json) { model.encode($0) }
            metrics.merge(extra) { $1 }
            if !ae.noPictures {
                let (w, h) = (train.width, train.height)
                var pictures = ["level0_encoder.png", "level0_decoder.png", "reconstructions.png"]
                try PNG.write(AutoEncoderPictures.filters(model.encoders[0].weight.value, width: w, height: h), to: dir + "/level0_encoder.png")
                try PNG.write(AutoEncoderPictures.filters(model.levels[0].decoderFilters(), width: w, height: h), to: dir + "/level0_decoder.png")
                for level in 1..<model.encoders.count {
                    try PNG.write(AutoEncoderPictures.filters(model.pixelSpaceFilters(level: level), width: w, height: h),
                                  to: dir + "/level\(level)_pixelspace.png")
                    pictures.append("level\(level)_pixelspace.png")
                }
                try PNG.write(AERun.reconstructionGrid(test: test, corruption: ae.corruption, seed: common.seed, pca: pca) {
                    model.reconstruct($0, training: false)
                }, to: dir + "/reconstructions.png")
                metrics["pictures"] = pictures
            }
            try AERun.writeJSON(metrics, to: dir + "/metrics.json")
            AERun.log("wrote \(dir)/", json: json)
            if json, let d = try? JSONSerialization.data(withJSONObject: metrics, options: [.sortedKeys]) {
                print(String(decoding: d, as: UTF8.self))
            }
        }
    }
}

/// The optimizer's state for a checkpoint (moments, accumulators, step counts).
func optimizerState(_ optimizer: Optimizer, _ parameters: [Parameter]) -> [String: Tensor] {
    optimizer.state(for: parameters)
}

/// Restores a state saved by `optimizerState`; a checkpoint without one starts the optimizer fresh.
func restoreOptimizer(_ optimizer: Optimizer, _ state: [String: Tensor], _ parameters: [Parameter]) throws {
    try optimizer.loadState(state, for: parameters)
}
