import ArgumentParser
import Descent
import DescentReport
import Foundation

/// `descent stacked`: a deep autoencoder pre-trained greedily, level by level, then
/// unrolled and fine-tuned end to end, then evaluated like `descent autoencoder`.
struct StackedCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
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
              descent stacked --model 784-100-25 --pretrain-epochs 20 --finetune-epochs 10
              descent stacked --model seed-dae
              descent stacked --model hinton-dae --corruption 0 \\
                --pretrain-epochs 5 --finetune-epochs 20   (Hinton & Salakhutdinov)
              descent stacked --model 784-1000-500-250-2 --loss bce \\
                --code-activation identity --corruption 0
            """) }

    @OptionGroup var common: CommonOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var opt: OptimizerOptions
    @OptionGroup var board: TensorBoardOptions
    @OptionGroup var ae: AutoEncoderOptions
    @OptionGroup var layerOptions: AutoEncoderLayerOptions

    @Option(help: "The network: a preset, sizes input first (with the layer options; default 784-100-25, the seed article's) or layers.")
    var model: String?
    /// The old spelling of `--model SIZES` (`--layers 784,100,25`), accepted for one release.
    @Option(help: .hidden) var layers: String?
    @Option(help: "Pre-training epochs per level.") var pretrainEpochs = 20
    @Option(help: "Fine-tuning epochs of the unrolled network.") var finetuneEpochs = 10
    @Flag(help: "Skip pre-training (fine-tune from random weights).") var noPretrain = false

    func validate() throws {
        if pretrainEpochs < 0 { throw ValidationError("--pretrain-epochs must be ≥ 0, got \(pretrainEpochs)") }
        if finetuneEpochs < 0 { throw ValidationError("--finetune-epochs must be ≥ 0, got \(finetuneEpochs)") }
        if layers != nil && model != nil { throw ValidationError("--layers is the old spelling of --model SIZES: give --model only") }
        if let model, !Self.isSizes(model), layerOptions.anyGiven {
            throw ValidationError("--model \(model) describes the whole network: the layer options apply to sizes such as --model 784-100-25")
        }
    }

    /// The flag that describes the stack (`--layers` when the old spelling is used).
    var modelFlag: String { layers != nil ? "--layers" : "--model" }

    /// Whether `text` is layer sizes (`784-100-25`, or `784,100,25` as `--layers` took them).
    static func isSizes(_ text: String) -> Bool { !text.isEmpty && text.allSatisfy { $0.isNumber || $0 == "-" || $0 == "," } }

    /// The stack's sizes and the flag that gave them, when it is given as sizes (the default
    /// without `--model`); nil for a preset or layers.
    var sizes: (text: String, flag: String)? {
        if let layers { return (layers, "--layers") }
        guard let model else { return ("784-100-25", "--model") }
        return Self.isSizes(model) ? (model, "--model") : nil
    }

    static func parseSizes(_ text: String, flag: String) throws -> [Int] {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == "-" })
        let sizes = parts.compactMap { Int($0) }
        guard sizes.count == parts.count, sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw DescentError("\(flag): '\(text)' is not a list of positive sizes like 784-100-25")
        }
        return sizes
    }

    func run() throws {
        try DescentCommand.run {
            let start = Date()
            try data.refuseFormat("stacked")
            if let layers { CLI.deprecated("--layers \(layers)", use: "--model \(layers.replacingOccurrences(of: ",", with: "-"))") }
            if sizes == nil, let model {
                try CLI.checkModelEarly(model, classifier: false, command: "stacked",
                                        imageShape: data.dataDir == nil ? data.dataset.imageShape : nil)
            }
            try CLI.checkOptimizerEarly(opt.config)
            try common.applyThreads()
            let json = common.json
            let (train, validation, test) = try data.load()
            let spec: ModelSpec
            var sizeText: String
            if sizes == nil, let model {
                spec = try CLI.flag("--model", for: .model) { try ModelSpec.resolve(model, inputShape: train.shape, loss: .meanSquaredError, registry: CommandContext.registry) }
                sizeText = (ModelSpec.preset(named: model) != nil ? model : "m" + String(RunSpec.fnv1a64(spec.description).prefix(8)))
                    + "_" + ae.noiseCondition
            } else {
                let (text, flag) = self.sizes!
                let sizes = try StackedCommand.parseSizes(text, flag: flag)
                guard sizes[0] == train.featureCount else {
                    throw DescentError("\(flag) starts with \(sizes[0]), the images have \(train.featureCount) pixels")
                }
                spec = try CLI.flag(flag, for: .model) { try layerOptions.spec(sizes: sizes) }
                sizeText = sizes.map(String.init).joined(separator: "-") + "_" + layerOptions.condition(noise: ae.noiseCondition)
            }
            try CLI.check(spec, fits: train, test, from: data.source)
            guard spec.loss.isReconstruction else { throw UsageError("--model: a stacked autoencoder needs loss mse or bce") }
            if ae.probeEpochs > 0 {
                try CLI.checkLabels(classes: data.dataset.classCount, train, test, from: data.source, what: "the linear probe of \(data.dataset.displayName) has")
            }
            // A schedule spans each phase's steps: every pre-training level's and the fine-tuning's.
            let optimizer = try opt.config(examples: train.count, batchSize: ae.batchSize, epochs: finetuneEpochs)
            let pretrainOptimizer = try opt.config(examples: train.count, batchSize: ae.batchSize,
                                                   epochs: noPretrain ? 1 : pretrainEpochs)
            try CLI.checkMemory(spec, batchSize: min(ae.batchSize, train.count), optimizer: optimizer,
                                flag: "\(modelFlag) \(sizes?.text ?? model ?? "")")
            let network = try Network(spec, seed: common.seed)
            let levels = try CLI.flag(modelFlag, for: .model) { try GreedyPretraining(network) }
            try AERun.checkCodeSize(spec, pixels: train.featureCount, pca: !ae.noPCA, flag: modelFlag)
            let pre = noPretrain ? 0 : pretrainEpochs
            let name = "sae_\(data.dataset.rawValue)_\(sizeText)_\(opt.optimizer.rawValue)_pre\(pre)_ft\(finetuneEpochs)_s\(common.seed)"
            let (dir, lock) = try AERun.folder(common.out, name, command: "stacked")
            defer { lock.release() }
            // The folder's name leaves out the data (--data-dir, --train-limit, --validation):
            // a run already there may be another one, and is never overwritten.
            if let done = ["model.safetensors", "metrics.json"].first(where: { FileBytes.exists(dir + "/" + $0) }) {
                throw DescentError("\(dir)/\(done) exists: that folder holds a run already (its name does not say which --data-dir, --train-limit or --validation it used); choose another --out, or remove the folder to redo it")
            }
            var metrics = AERun.metrics(command: "stacked", spec: spec, network: network, train: train, test: test, data: data,
                                        ae: ae, optimizer: optimizer, seed: common.seed, epochs: finetuneEpochs, pretrainEpochs: pre)
            AERun.log("\(data.dataset.rawValue): \(train.count) train / \(test.count) test images; stacked autoencoder \(spec.description); training input \(ae.matchedInput); \(optimizer.summary); pre-training \(pre) epochs/level, fine-tuning \(finetuneEpochs); \(Parallel.threads) thread(s)", json: json)
            AERun.log(String(format: "mean-image baseline test MSE %.5f", metrics.meanImageBaselineTestMSE), json: json)
            let progress = StepProgress(label: "epoch", examples: train.count, batchSize: ae.batchSize)
            if pre > 0 {
                var header = ""
                var log: TensorBoardLog?
                metrics.pretraining = try levels.train(
                    train: .images(train), validation: validation.map { .images($0) }, test: .images(test), epochs: pre,
                    optimizer: { try pretrainOptimizer.make() }, batchSize: ae.batchSize,
                    corruption: ae.corruption, invertedMasking: ae.invertedMasking, seed: common.seed,
                    willTrain: { i, trainer in
                        let h = AERun.header(levels.losses[i], validation: validation != nil)
                        if h != header { header = h; AERun.log(h, json: json) }
                        trainer.onStep = progress.map { p in { [unowned trainer] step, steps in p.update(epoch: trainer.epochsDone + 1, of: pre, step: step, steps: steps) } }
                        log = try board.log(run: "level\(i)")
                        log?.observe(trainer, then: trainer.onStep)
                    },
                    epochDone: { i, trainer, m in
                        progress?.clear()
                        try log?.epoch(m, learningRate: trainer.optimizer.learningRate)
                        AERun.printEpoch(m, phase: "level\(i)", json: json)
                    })
                let unrolled = try Trainer(network, optimizer: try optimizer.make(), loss: spec.loss.make(), batchSize: ae.batchSize, seed: common.seed)
                metrics.testMSEAfterPretraining = try unrolled.evaluate(.images(test)).reconstructionMSE
                AERun.log(String(format: "unrolled network after pre-training: test MSE %.5f (clean input)", metrics.testMSEAfterPretraining!), json: json)
            }
            let trainer = try Trainer(network, optimizer: try optimizer.make(), loss: spec.loss.make(), batchSize: ae.batchSize,
                                      corruption: ae.corruption, invertedMasking: ae.invertedMasking, seed: common.seed, streamBase: 0)
            let run = AutoEncoderRunConfig(command: "stacked", dataset: data.dataset, trainLimit: data.trainLimit,
                                           validation: data.validationCount, model: spec,
                                           corruption: ae.corruption, invertedMasking: ae.invertedMasking ? true : nil,
                                           batchSize: ae.batchSize, optimizer: optimizer, seed: common.seed, epochs: finetuneEpochs)
            let runJSON = String(decoding: try JSONEncoder.sorted.encode(run), as: UTF8.self)
            let checkpointPath = dir + "/model.safetensors"
            AERun.log(AERun.header(spec.loss, validation: validation != nil), json: json)
            trainer.onStep = progress.map { p in { [unowned trainer] step, steps in p.update(epoch: trainer.epochsDone + 1, of: finetuneEpochs, step: step, steps: steps) } }
            let log = try board.log(run: "finetune")
            log?.observe(trainer, then: trainer.onStep)
            try trainer.fit(train: .images(train), validation: validation.map { .images($0) }, test: .images(test),
                            epochs: finetuneEpochs) { m in
                progress?.clear()
                try log?.epoch(m, learningRate: trainer.optimizer.learningRate)
                try log?.autoencoderPictures(trainer, test: test, ae: ae, seed: common.seed, step: m.epoch)
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
                let (w, h, c) = (train.width, train.height, train.channels)
                var pictures = try AERun.writeFilterPictures(network, width: w, height: h, channels: c, to: dir, prefix: "level0_")
                let encoders = AERun.denseWeights(network).filter { !$0.transposed }.map(\.weight)
                let depth = levels.levels.count
                if encoders.count >= depth, encoders.first?.columns == w * h {
                    var product = encoders[0].clone()
                    for level in 1..<depth {
                        let next = Tensor(shape: [encoders[level].rows, product.columns])
                        BLAS.gemm(encoders[level], product, into: next)
                        product = next
                        try PNG.write(AutoEncoderPictures.filters(product, width: w, height: h, channels: c), to: dir + "/level\(level)_pixelspace.png")
                        pictures.append("level\(level)_pixelspace.png")
                    }
                }
                return pictures
            }
        }
    }
}
