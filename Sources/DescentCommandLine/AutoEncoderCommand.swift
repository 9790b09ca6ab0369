import ArgumentParser
import Descent
import DescentReport
import Foundation

/// `descent autoencoder`: one autoencoder trained end to end, then evaluated (reconstruction
/// MSE against PCA, a linear probe on the codes, pictures).
struct AutoEncoderCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
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
              model.safetensors     weights, optimizer state, model and run, after every
                                    epoch
              encoder.png           encoder filters, one tile per hidden unit
              decoder.png           decoder filters (columns of the decoder)
              reconstructions.png   rows: input, masked input, its reconstruction,
                                    reconstruction of the clean input, PCA
              pca.png               the principal components
              code-map.svg, .png    (2-value codes) test codes by class, and PCA's
              samples, traversals   (VAEs: models with a gaussian layer) .svg and .png:
                                    decoded draws from the prior; one row per active unit
              manifold.svg, .png    (VAEs with 2 latent units) the decoder over the
                                    prior's quantiles beside the codes by class
            Examples (seed-ae):
              descent autoencoder --hidden 100 --activation sigmoid \\
                --dropout 0.3 --corruption 0.3 --optimizer adam --epochs 10
              descent autoencoder --model seed-ae --epochs 20
              descent autoencoder --hidden 100 --corruption 0.3 \\
                --inverted-masking --loss bce
            """) }

    @OptionGroup var common: CommonOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var opt: OptimizerOptions
    @OptionGroup var ae: AutoEncoderOptions
    @OptionGroup var layers: AutoEncoderLayerOptions
    @OptionGroup var board: TensorBoardOptions
    @OptionGroup(title: "Variational autoencoders") var variational: VariationalOptions

    @Option(help: "The network: a preset, sizes or layers (by default the seed article's 784-100-784, built from --hidden and the layer options).")
    var model: String?
    @Option(help: "Hidden (code) units of the built-in autoencoder (default 100).") var hidden: Int?
    @Option(help: "Training epochs (in total, when resuming; default 10 to keep a first run short: the seed article trains for 10 to 30).") var epochs = 10
    @Option(help: "Continue the run saved in this checkpoint (its options must match the command line).")
    var resume: String?
    @Option(help: "Start from these weights: a PyTorch state_dict saved with safetensors, named as Tools/descent_checkpoint.py names them (docs/interop.md).")
    var initFrom: String?

    func validate() throws {
        if let h = hidden, h < 1 { throw ValidationError("--hidden must be at least 1, got \(h)") }
        if resume != nil && initFrom != nil { throw ValidationError("--init-from starts a run, --resume continues one: give one of them") }
        if epochs < 0 { throw ValidationError("--epochs must be ≥ 0, got \(epochs)") }
        if model != nil && (hidden != nil || layers.anyGiven) {
            throw ValidationError("--model describes the whole network: leave out --hidden, --activation, --code-activation, --loss, --output-activation, --dropout, --tied and the sparsity options")
        }
    }

    func run() throws {
        try DescentCommand.run {
            let start = Date()
            try data.refuseFormat("autoencoder")
            if let model {
            try CLI.checkModelEarly(model, classifier: false, command: "autoencoder",
                                        imageShape: data.dataDir == nil ? data.dataset.imageShape : nil)
            }
            try CLI.checkOptimizerEarly(opt.config)
            let checkpoint = try resume.map { path in try CLI.flag("--resume") { try Checkpoint.read(path) } }
            try common.applyThreads(resuming: checkpoint)
            let json = common.json
            let (train, validation, test, whole) = try data.loadFingerprinted()
            let spec = try variational.apply(to: try CLI.flag(model == nil ? "--hidden" : "--model", for: .model) {
                if let model { return try ModelSpec.resolve(model, inputShape: train.shape, loss: .meanSquaredError, registry: CommandContext.registry) }
                return try layers.spec(sizes: [train.featureCount, hidden ?? 100])
            })
            // A schedule spans the run's steps; a resumed run keeps the length it started with.
            let scheduleEpochs = try checkpoint.map { c in
                try CLI.flag("--resume") { try c.runConfig(as: AutoEncoderRunConfig.self, registry: CommandContext.registry).epochs }
            } ?? epochs
            let optimizer = try opt.config(examples: train.count, batchSize: ae.batchSize, epochs: scheduleEpochs)
            try CLI.check(spec, fits: train, test, from: data.source)
            guard spec.encoderLayers != nil, spec.loss.isReconstruction else {
                throw UsageError("--model: an autoencoder needs '|' after its encoder's last layer and loss mse or bce")
            }
            if ae.probeEpochs > 0 {
                try CLI.checkLabels(classes: data.dataset.classCount, train, test, from: data.source, what: "the linear probe of \(data.dataset.displayName) has")
            }
            try CLI.checkMemory(spec, batchSize: min(ae.batchSize, train.count), optimizer: optimizer,
                                flag: model.map { "--model \($0)" } ?? "--hidden \(hidden ?? 100)")
            try AERun.checkCodeSize(spec, pixels: train.featureCount, pca: !ae.noPCA, flag: model.map { _ in "--model" } ?? "--hidden")
            let network = try Network(spec, seed: common.seed)
            let trainer = try Trainer(network, optimizer: try optimizer.make(), loss: spec.loss.make(), batchSize: ae.batchSize,
                                      corruption: ae.corruption, invertedMasking: ae.invertedMasking, seed: common.seed)
            let run = AutoEncoderRunConfig(command: "autoencoder", dataset: data.dataset, trainLimit: data.trainLimit,
                                           validation: data.validationCount, model: spec,
                                           corruption: ae.corruption, invertedMasking: ae.invertedMasking ? true : nil,
                                           batchSize: ae.batchSize, optimizer: optimizer, seed: common.seed, epochs: epochs)
            let modelName = model.map { ModelSpec.preset(named: $0) != nil ? $0 : "m" + RunSpec.fnv1a64(spec.description).prefix(8) }
            let condition = model == nil
                ? "h\(hidden ?? 100)_" + layers.condition(noise: ae.noiseCondition)
                : "\(modelName!)\(variational.condition)_\(ae.noiseCondition)"
            let name = "ae_\(data.dataset.rawValue)_\(condition)_\(opt.optimizer.rawValue)_e\(epochs)_s\(common.seed)"
            let (dir, lock) = try AERun.folder(common.out, name, command: "autoencoder")
            defer { lock.release() }
            var metrics = AERun.metrics(command: "autoencoder", spec: spec, network: network, train: train, test: test,
                                        data: data, ae: ae, optimizer: optimizer, seed: common.seed, epochs: epochs)
            let checkpointPath = dir + "/model.safetensors"
            let fingerprint = whole!
            if let checkpoint {
                try CLI.matchResumed(checkpoint, run, ignoring: ["epochs"], epochs: epochs)
                try CLI.flag("--resume") { try checkpoint.checkData(fingerprint, source: data.source) }
                try checkpoint.restore(into: network, optimizer: trainer.optimizer)
                trainer.epochsDone = checkpoint.epochsDone
                metrics.history = try checkpoint.history()
                AERun.log("resumed from \(checkpoint.path) after epoch \(checkpoint.epochsDone)", json: json)
            } else if FileManager.default.fileExists(atPath: checkpointPath) {
                throw DescentError("\(checkpointPath) exists: continue it with --resume \(checkpointPath), or choose another --out")
            }
            if let initFrom { try CLI.flag("--init-from") { try StateDictImport.load(initFrom, into: network) } }
            let saved = ["command": "autoencoder", "name": name, Checkpoint.dataFingerprintKey: fingerprint.value].merging(initFrom.map { ["init_from": $0] } ?? [:]) { a, _ in a }
            let runJSON = String(decoding: try JSONEncoder.sorted.encode(run), as: UTF8.self)
            AERun.log("\(data.dataset.rawValue): \(train.count) train / \(test.count) test images; autoencoder \(spec.description); training input \(ae.matchedInput); \(optimizer.summary); \(network.parameters.scalarCount) parameters; \(Parallel.threads) thread(s)", json: json)
            AERun.log(String(format: "mean-image baseline test MSE %.5f", metrics.meanImageBaselineTestMSE), json: json)
            AERun.log(AERun.header(spec.loss, validation: validation != nil), json: json)
            let progress = StepProgress(label: "epoch", examples: train.count, batchSize: ae.batchSize)
            trainer.onStep = progress.map { p in { [unowned trainer] step, steps in p.update(epoch: trainer.epochsDone + 1, of: epochs, step: step, steps: steps) } }
            let log = try board.log()
            log?.observe(trainer, then: trainer.onStep)
            try trainer.fit(train: .images(train), validation: validation.map { .images($0) }, test: .images(test),
                            epochs: max(0, epochs - trainer.epochsDone)) { m in
                progress?.clear()
                try log?.epoch(m, learningRate: trainer.optimizer.learningRate)
                try log?.autoencoderPictures(trainer, test: test, ae: ae, seed: common.seed, step: m.epoch)
                AERun.printEpoch(m, phase: "train", json: json)
                metrics.history.append(m)
                try Checkpoint.save(network, optimizer: trainer.optimizer, epochsDone: m.epoch, run: runJSON,
                                    history: metrics.history, metadata: saved, to: checkpointPath)
                try metrics.write(to: dir + "/metrics.json")
            }
            if metrics.history.isEmpty {
                try Checkpoint.save(network, optimizer: trainer.optimizer, epochsDone: 0, run: runJSON,
                                    metadata: saved, to: checkpointPath)
            }
            if spec.isVariational && spec.loss == .bernoulli {
                try AERun.evaluateVariational(network, test: test, samples: variational.iwaeSamples, seed: common.seed, json: json, into: &metrics)
            }
            let variationalResult = metrics.variational
            try AERun.finish(trainer, train: train, validation: validation, test: test, data: data, ae: ae, seed: common.seed, json: json, dir: dir,
                             start: start, metrics: &metrics) { pca in
                let (w, h, c) = (train.width, train.height, train.channels)
                var pictures = try AERun.writeFilterPictures(network, width: w, height: h, channels: c, to: dir)
                if let variationalResult {
                    pictures += try AERun.writeVariationalPictures(network, loss: trainer.loss, test: test, dataset: data.dataset,
                                                                   result: variationalResult, seed: common.seed, dir: dir)
                }
                if let p = pca { try PNG.write(AutoEncoderPictures.filters(p.components, width: w, height: h, channels: c), to: dir + "/pca.png"); pictures.append("pca.png") }
                return pictures
            }
        }
    }
}
