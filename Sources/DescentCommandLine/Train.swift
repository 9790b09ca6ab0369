import ArgumentParser
import Descent
import Foundation

struct Train: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: "Train a classifier and report per-epoch metrics; save and resume checkpoints.",
        discussion: """
            --model takes a preset, the sizes of a plain MLP, or a list of layers:
            \(ModelHelp.text)
            With --out DIR the run writes DIR/model.safetensors (weights, optimizer state,
            the model and run configuration) after every epoch and DIR/metrics.jsonl;
            --resume DIR/model.safetensors continues it (the same numbers as an
            uninterrupted run). `descent evaluate DIR/model.safetensors`
            evaluates it.
            Examples:
              descent train --model seed-mlp --optimizer adam --epochs 20 --out runs/mlp
              descent train --model 784-256-10 --hidden-dropout 0 --optimizer sgd --lr 0.1
              descent train --model 'linear(256), tanh, linear(10)' --epochs 5
              descent train --resume runs/mlp/model.safetensors --epochs 30
            """) }

    @OptionGroup var common: CommonOptions
    @OptionGroup var data: DataOptions
    @OptionGroup var opt: OptimizerOptions
    @OptionGroup var board: TensorBoardOptions

    @Option(help: "The network: a preset, MLP sizes (input first, classes last) or layers (the grammar and the presets are above; the default is seed-mlp's sizes).")
    var model = "784-784-784-10"
    @Option(help: "Hidden activation of a network given as sizes (default relu, as seed-mlp).") var activation = LayerActivation(.relu)
    @Option(parsing: .unconditional, help: "Dropout on the input of MLP sizes.") var inputDropout: Float = 0.1
    @Option(parsing: .unconditional, help: "Dropout after each hidden layer of MLP sizes.") var hiddenDropout: Float = 0.5
    @Option(parsing: .unconditional, help: "Training epochs (in total, when resuming; default 20, as the seed article's classifiers).") var epochs = 20
    @Option(parsing: .unconditional, help: "Minibatch size (default 128, the seed article's for its classifiers, seed-mlp).") var batchSize = 128
    @Option(help: "Continue the run saved in this checkpoint (its options must match the command line).")
    var resume: String?
    @Flag(help: "Normalise each colour channel by the mean and std of the training images (recorded in the run; evaluate applies them).")
    var normalize = false
    @Option(help: ArgumentHelp("Augment the training images: crop=N (a random crop of the image padded with N zero pixels) and/or flip (a random left-right mirror), e.g. crop=4,flip; drawn per epoch from the seed, never on validation or test images.", valueName: "crop=N,flip"))
    var augment: String?
    @Option(help: "Start from these weights: a PyTorch state_dict saved with safetensors, named as Tools/descent_checkpoint.py names them (docs/interop.md).")
    var initFrom: String?
    /// Stops after this epoch as an interrupted run would (its checkpoint written): how the
    /// tests interrupt a run to resume it. Hidden.
    @Option(help: .hidden) var stopAfterEpoch: Int?

    func validate() throws {
        if epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if resume != nil && initFrom != nil { throw ValidationError("--init-from starts a run, --resume continues one: give one of them") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if let augment {
            do { _ = try Augmentation(parsing: augment) } catch let e as DescentError { throw ValidationError("--" + e.message) }
        }
        if let s = stopAfterEpoch, s < 1 { throw ValidationError("--stop-after-epoch must be at least 1, got \(s)") }
        for (flag, p) in [("--input-dropout", inputDropout), ("--hidden-dropout", hiddenDropout)] where !(p >= 0 && p < 1) {
            throw ValidationError("\(flag) must be in [0, 1), got \(p)")
        }
    }

    func run() throws {
        try DescentCommand.run {
            // Everything the options alone decide is checked before a file is read.
            let mlp = (activation.value, Double("\(inputDropout)")!, Double("\(hiddenDropout)")!)
            try CLI.checkModelEarly(model, classifier: true, command: "train",
                                    imageShape: data.dataDir == nil ? data.dataset.imageShape : nil, mlp: mlp)
            try CLI.checkOptimizerEarly(opt.config)
            let checkpoint = try resume.map { path in try CLI.flag("--resume") { try Checkpoint.read(path) } }
            try common.applyThreads(resuming: checkpoint)
            let (allTrain, rawTest) = try data.loadAll()
            // What is used is what is recorded: no limit when it leaves no image out (after
            // the validation split), and minibatches of at most the whole training set.
            try CLI.checkValidation(data.validationCount, train: allTrain, from: data.source)
            let available = allTrain.count - (data.validationCount ?? 0)
            let trainLimit = ClassifierRunConfig.trainLimit(data.trainLimit, available: available)
            let batchSize = min(self.batchSize, trainLimit ?? available)
            let (kept, held, _) = try RunExecutor.images(trainLimit: trainLimit, validation: data.validationCount, train: allTrain)
            // --normalize: statistics of the training images only (never validation or test).
            let normalization = normalize ? try CLI.flag("--normalize") { try ChannelNormalization(of: kept) } : nil
            let train = try kept.normalized(by: normalization), validation = try held?.normalized(by: normalization)
            let test = try rawTest.normalized(by: normalization)
            // A schedule spans the run's steps; a resumed run keeps the length it started with
            // (raising --epochs then trains on at the schedule's final rate).
            let scheduleEpochs = try checkpoint.map { c in
                try CLI.flag("--resume") { try c.runConfig(as: RunSpec.self, registry: CommandContext.registry).config.epochs }
            } ?? epochs
            let optimizer = try opt.config(examples: train.count, batchSize: batchSize, epochs: scheduleEpochs)
            let spec = try CLI.flag("--model", for: .model) {
                try ModelSpec.resolve(model, inputShape: train.shape, loss: .crossEntropy,
                                      mlp: (activation.value, Double("\(inputDropout)")!, Double("\(hiddenDropout)")!),
                                      registry: CommandContext.registry)
            }
            try CLI.check(spec, fits: train, test, from: data.source)
            try CLI.checkMemory(spec, batchSize: batchSize, optimizer: optimizer,
                                flag: "--model \(model)" + (self.batchSize != 128 ? " --batch-size \(self.batchSize)" : ""))
            var config = ClassifierRunConfig(dataset: data.dataset, model: spec, batchSize: batchSize, epochs: epochs,
                                             trainLimit: trainLimit, validation: data.validationCount, optimizer: optimizer,
                                             format: data.recordedFormat, labels: data.recordedLabel)
            config.resize = try data.resize.map { try ImageSize(parsing: $0).description }
            config.normalize = normalization
            config.augment = try augment.map { try Augmentation(parsing: $0) }
            let run = RunSpec(config: config, seed: common.seed)
            let trainer = try RunExecutor.makeTrainer(config, seed: common.seed)
            var history: [EpochMetrics] = []
            let out = common.out ?? resume.map { ($0 as NSString).deletingLastPathComponent }
            let checkpointPath = out.map { ($0.isEmpty ? "." : $0) + "/model.safetensors" }
            let fingerprint = DataFingerprint(train: allTrain, test: rawTest)
            if let checkpoint {
                try CLI.matchResumed(checkpoint, run, ignoring: ["config.epochs"], epochs: epochs)
                try CLI.flag("--resume") { try checkpoint.checkData(fingerprint, source: data.source) }
                try checkpoint.restore(into: trainer.network, optimizer: trainer.optimizer)
                trainer.epochsDone = checkpoint.epochsDone
                history = try checkpoint.history()
            }
            if let initFrom { try CLI.flag("--init-from") { try StateDictImport.load(initFrom, into: trainer.network) } }
            var lock: SweepLock?
            defer { lock?.release() }
            if let out {
                lock = try Output.lockedFolder(out.isEmpty ? "." : out, command: "train")
                if let path = checkpointPath, checkpoint == nil, FileManager.default.fileExists(atPath: path) {
                    throw DescentError("\(path) exists: continue it with --resume \(path), or choose another --out")
                }
            }
            let runJSON = String(decoding: try JSONEncoder.sorted.encode(run), as: UTF8.self)
            if !common.json {
                print("\(data.recordedFormat.map { "\($0) data" } ?? data.dataset.rawValue): \(train.count) train / \(validation.map { "\($0.count) validation / " } ?? "")\(test.count) test images; model \(spec.summary), \(trainer.network.parameters.scalarCount) parameters; \(optimizer.summary); \(Parallel.threads) thread(s)")
                if let checkpoint { print("resumed from \(checkpoint.path) after epoch \(checkpoint.epochsDone)") }
                print("epoch  train_loss" + (validation != nil ? "   val_loss   val_acc" : "") + "  test_loss  test_acc  seconds")
            }
            let progress = StepProgress(label: "epoch", examples: train.count, batchSize: batchSize)
            trainer.onStep = progress.map { p in { [unowned trainer] step, steps in p.update(epoch: trainer.epochsDone + 1, of: epochs, step: step, steps: steps) } }
            let log = try board.log()
            log?.observe(trainer, then: trainer.onStep)
            try trainer.fit(train: .images(train), validation: validation.map { .images($0) }, test: .images(test),
                            epochs: Swift.max(Swift.min(epochs, stopAfterEpoch ?? epochs) - trainer.epochsDone, 0)) { m in
                progress?.clear()
                try log?.epoch(m, learningRate: trainer.optimizer.learningRate)
                if common.json {
                    printJSONLine(m)
                } else {
                    let v = m.validationLoss.map { String(format: "  %9.4f  %8.4f", $0, m.validationAccuracy ?? .nan) } ?? ""
                    print(String(format: "%5d  %10.4f", m.epoch, m.trainLoss) + v
                          + String(format: "  %9.4f  %8.4f  %7.2f", m.testLoss, m.testAccuracy ?? .nan, m.seconds))
                    fflush(nil)
                }
                history.append(m)
                guard let out, let checkpointPath else { return }
                try Checkpoint.save(trainer.network, optimizer: trainer.optimizer, epochsDone: m.epoch, run: runJSON,
                                    history: history, metadata: ["command": "train", Checkpoint.dataFingerprintKey: fingerprint.value].merging(initFrom.map { ["init_from": $0] } ?? [:]) { a, _ in a },
                                    to: checkpointPath)
                let lines = try history.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
                try writeAtomically(lines.joined(separator: "\n") + "\n", to: out + "/metrics.jsonl")
            }
        }
    }
}
