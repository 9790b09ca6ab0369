import Descent
import Foundation

/// One run of the benchmark: measures the selected sections in order and collects the
/// `BenchReport` and the table's rows.
final class BenchRun {
    let options: Bench
    let repeats: Int
    let images: Int
    let scaleToEpoch: Double
    let startedAt = now()
    var report: BenchReport
    var rows: [Row] = []

    init(_ options: Bench) {
        self.options = options
        repeats = options.repeats ?? (options.quick ? 2 : 3)
        images = options.quick ? 10_000 : 60_000
        scaleToEpoch = 60_000 / Double(images)
        report = BenchReport(mode: options.quick ? "quick" : "full", threads: options.threads,
                             imagesPerMeasurement: images, date: ISO8601DateFormatter().string(from: Date()),
                             cpuCount: ProcessInfo.processInfo.activeProcessorCount, loadAverageStart: loadAverage())
    }

    func wants(_ section: String) -> Bool { options.selectedSections.isEmpty || options.selectedSections.contains(section) }

    func measure() throws {
        try measureInProcess()  // the data are released before the sweep's children start
        if wants("sweep") { try measureSweep() }
        report.totalSeconds = now() - startedAt
        report.loadAverageEnd = loadAverage()
        report.targets = Dictionary(rows.map { ($0.key, BenchReport.Target($0)) }, uniquingKeysWith: { $1 })
    }

    /// The table, with a title line and the load average at the start and the end.
    func summary() -> String {
        """
        descent-bench (\(options.quick ? "quick: \(images) images per measurement, scaled to 60,000" : "full epochs"), \(options.threads) threads, best of \(repeats))
        \(Row.table(rows))
        total \(fmt(now() - startedAt, 1)) s; 1-min load average \(report.loadAverageStart) at start, \(report.loadAverageEnd ?? -1) at end (\(report.cpuCount) CPUs)
        """
    }

    // MARK: - Sections

    /// 4a (loading train + test, always timed), then 1 (seed-mlp), 2 (seed-ae) and 3 (optimizers).
    func measureInProcess() throws {
        log("loading Fashion-MNIST")
        var data: (train: ImageSet, test: ImageSet)? = nil
        let loadSeconds = try best(options.quick ? 2 : 3) {
            data = try DatasetLoader.load(.fashionMNIST, dataDirectory: options.dataDirectory,
                                           locations: DatasetLocations(environment: ProcessInfo.processInfo.environment))
        }
        let train = data!.train
        report.loadSeconds = loadSeconds
        if wants("load") {
            rows.append(Row(key: "load_seconds", label: "load Fashion-MNIST train+test", value: fmt(loadSeconds) + " s",
                            reference: "0.35 s", ratio: loadSeconds / 0.35, target: 1))
        }
        let subset = images == train.count ? train : train.prefix(images)

        // 1. seed-mlp epoch vs its GEMMs.
        if wants("mlp") {
            Parallel.setThreads(options.threads)
            log("seed-mlp: recording one epoch of GEMMs (\(images) images)")
            let trainer = try makeMLPTrainer(seed: 1)
            var rssTraining = 0
            let parameters = trainer.network.parameters
            let t = try epochAgainstGemms({ _ = try trainer.trainEpoch(.images(subset)) }, steps: (subset.count + trainer.batchSize - 1) / trainer.batchSize,
                                          optimizerStep: { trainer.optimizer.step(parameters) }, afterRecording: {
                rssTraining = peakRSS()
                log("seed-mlp: timing epochs and their GEMMs, interleaved")
            })
            trainer.phases = StepPhases()
            _ = try trainer.trainEpoch(.images(subset))
            report.mlp = figures(t, phases: trainer.phases!, key: "mlp", label: "seed-mlp", epochLabel: "seed-mlp epoch (Adam, batch 128)", target: 1.25)
            report.mlp?.peakRssBytesInBench = rssTraining
        }

        // 2. seed-ae epoch vs its GEMMs.
        if wants("ae") {
            Parallel.setThreads(options.threads)
            log("seed-ae: recording one epoch of GEMMs")
            let ae = try makeAETrainer(seed: 1)
            let aeData = DataSource.images(subset)
            let parameters = ae.network.parameters
            let t = try epochAgainstGemms({ _ = try ae.trainEpoch(aeData) }, steps: (subset.count + ae.batchSize - 1) / ae.batchSize,
                                          optimizerStep: { ae.optimizer.step(parameters) })
            ae.phases = StepPhases()
            _ = try ae.trainEpoch(aeData)
            report.ae = figures(t, phases: ae.phases!, key: "ae", label: "seed-ae", epochLabel: "seed-ae epoch (Adam, batch 100)", target: 1.35)
        }

        // 2b. lenet5 and fmnist-2c2d epochs vs their GEMMs (CNNBench.swift).
        if wants("cnn") { try measureCNNs(train) }

        // 3. Optimizer steps vs their memory floors, 1 thread.
        if wants("optimizers") { try measureOptimizers() }
    }

    typealias EpochTiming = (epoch: Double, gemm: Double, gemmAndSteps: Double, calls: Int, flops: Double, bytes: Int)

    /// One training epoch against a replay of exactly the GEMMs it issues: the calls of
    /// one epoch are recorded, then epoch and replay are timed interleaved, best of `repeats`.
    /// Also timed, as a diagnostic: the replay with the trainer's real optimizer step after
    /// every step's GEMMs (the epoch's calls split evenly over its `steps`) — the GEMMs and
    /// the steps with nothing else.
    func epochAgainstGemms(_ epoch: () throws -> Void, steps: Int, optimizerStep: () -> Void,
                           afterRecording: () -> Void = {}) throws -> EpochTiming {
        let calls = try recordGemms(epoch)
        afterRecording()
        precondition(calls.count % steps == 0, "\(calls.count) GEMM calls do not split over \(steps) steps")
        let stepEvery = calls.count / steps
        let replay = GemmReplay(calls)
        replay.run()
        var (e, g, s) = (Double.infinity, Double.infinity, Double.infinity)
        for _ in 0..<repeats {
            e = min(e, try best(1, epoch))
            g = min(g, best(1) { replay.run() })
            s = min(s, best(1) { replay.run(every: stepEvery, optimizerStep) })
        }
        return (e, g, s, calls.count, replay.flops, replay.bytes)
    }

    /// The figures and table rows of an epoch-vs-GEMM measurement and of one more,
    /// profiled, epoch (where it went, phase by phase; not a target).
    func figures(_ t: EpochTiming, phases p: StepPhases, key: String, label: String, epochLabel: String,
                 target: Double) -> BenchReport.EpochFigures {
        let s = scaleToEpoch
        rows.append(Row(key: "\(key)_epoch_over_gemm", label: epochLabel,
                        value: fmt(t.epoch * s) + " s",
                        reference: "GEMMs alone " + fmt(t.gemm * s) + " s (\(t.calls) calls, "
                            + fmt(Double(t.bytes) / 1e6, 0) + " MB of operands, " + fmt(t.flops / t.gemm / 1e9, 0) + " GFLOP/s)",
                        ratio: t.epoch / t.gemm, target: target))
        rows.append(Row(key: "\(key)_gemm_and_steps", label: "  GEMMs + optimizer steps only (diagnostic)",
                        value: fmt(t.gemmAndSteps * s) + " s", reference: "GEMMs alone",
                        ratio: t.gemmAndSteps / t.gemm, target: nil))
        let text = [("batch", p.batch), ("forward", p.forward), ("loss", p.loss), ("backward", p.backward),
                    ("step", p.update)].map { "\($0.0) \(fmt($0.1 * s, 2))" }.joined(separator: " · ")
        rows.append(Row(key: "\(key)_phases", label: "  \(label), one profiled epoch (s)", value: fmt(p.total * s, 2) + " s",
                        reference: text, ratio: nil, target: nil))
        return BenchReport.EpochFigures(
            epochSeconds: t.epoch * s, gemmSeconds: t.gemm * s, gemmAndStepsSeconds: t.gemmAndSteps * s,
            gemmCalls: t.calls, gemmOperandBytes: t.bytes, gemmGflopsPerS: t.flops / t.gemm / 1e9,
            epochOverGemm: t.epoch / t.gemm,
            phaseSeconds: .init(batch: p.batch * s, forward: p.forward * s, loss: p.loss * s,
                                backward: p.backward * s, update: p.update * s, steps: p.steps))
    }

    /// Each optimizer's step (seed defaults) over the seed-mlp parameters against a bare
    /// pass with its memory traffic, 1 thread; then Adam's step on all threads.
    func measureOptimizers() throws {
        log("optimizers: step vs floor over the seed-mlp parameters")
        Parallel.setThreads(1)  // the targets are per thread
        let parameters = try Network(ModelSpec.preset(named: "seed-mlp")!, seed: 1).parameters
        let n = parameters.scalarCount
        var g = RandomGenerator(seed: 5)
        for p in parameters { for i in 0..<p.count { p.grad.data[i] = g.uniform(-1e-3, 1e-3) } }
        let samples = options.quick ? 20 : 60, stepsPerSample = 5
        var optimizers: [String: BenchReport.OptimizerFigures] = [:]
        for config in OptimizerConfig.seedDefaults {
            let kind = config.kind
            let optimizer = try config.make()
            optimizer.step(parameters)  // creates state
            let (r, w) = traffic(of: kind)
            let arrays = (0..<r).map { _ -> UnsafeMutablePointer<Float> in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
                p.initialize(repeating: 0.25, count: n)
                return p
            }
            defer { arrays.forEach { $0.deallocate() } }
            floorPass(arrays, reads: r, writes: w, count: n)
            // Many short samples, step and floor interleaved; the minimum of each is kept,
            // so a burst of load on the machine hits both or neither.
            var (step, floor) = (Double.infinity, Double.infinity)
            for _ in 0..<samples {
                step = min(step, best(1) { for _ in 0..<stepsPerSample { optimizer.step(parameters) } })
                floor = min(floor, best(1) { for _ in 0..<stepsPerSample { floorPass(arrays, reads: r, writes: w, count: n) } })
            }
            step /= Double(stepsPerSample)
            floor /= Double(stepsPerSample)
            let ratio = step / floor
            optimizers[kind.rawValue] = .init(stepUs: step * 1e6, floorUs: floor * 1e6, ratio: ratio,
                                              reads: r, writes: w, parameters: n)
            rows.append(Row(key: "optimizer_\(kind.rawValue)", label: "\(config.summary) step, \(n) params, 1 thread",
                            value: fmt(step * 1e6, 0) + " µs",
                            reference: "floor \(r)R/\(w)W " + fmt(floor * 1e6, 0) + " µs",
                            ratio: ratio, target: 1.3))
        }
        report.optimizers = optimizers
        // Not a target: the same Adam step split over all threads, as training runs it.
        if options.threads > 1, let oneThread = optimizers["adam"]?.stepUs {
            Parallel.setThreads(options.threads)
            let optimizer = try OptimizerConfig(kind: .adam).make()
            optimizer.step(parameters)
            var step = Double.infinity
            for _ in 0..<samples {
                step = min(step, best(1) { for _ in 0..<stepsPerSample { optimizer.step(parameters) } })
            }
            step = step / Double(stepsPerSample) * 1e6
            report.adamStepUsAllThreads = step
            rows.append(Row(key: "adam_step_all_threads", label: "adam step, \(n) params, \(options.threads) threads (speed-up)",
                            value: fmt(step, 0) + " µs", reference: "1 thread " + fmt(oneThread, 0) + " µs",
                            ratio: oneThread / step, target: nil))
        }
    }

    /// 5. Sweep: 2 seeds concurrently (1 BLAS thread each) vs one after another (2 threads);
    /// 4b. the peak RSS of a process that loads the data and trains seed-mlp.
    func measureSweep() throws {
        log("sweep: 2 seeds sequential (2 threads) vs concurrent (1 thread each)")
        let exe = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
            : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
        let resolved = URL(fileURLWithPath: exe).resolvingSymlinksInPath().path
        func child(threads: Int, seed: Int) throws -> (Process, Pipe) {
            let p = Process(), out = Pipe()
            p.executableURL = URL(fileURLWithPath: resolved)
            var args = ["--child-train", "--threads", "\(threads)", "--images", "\(images)", "--seed", "\(seed)"]
            if let d = options.dataDirectory { args += ["--data", d] }
            p.arguments = args
            var env = ProcessInfo.processInfo.environment
            env["OPENBLAS_NUM_THREADS"] = "\(threads)"
            p.environment = env
            p.standardOutput = out
            try p.run()
            return (p, out)
        }
        func result(_ child: (Process, Pipe)) throws -> ChildResult {
            let (p, out) = child
            let bytes = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0, let r = try? JSONDecoder().decode(ChildResult.self, from: bytes) else {
                throw DescentError("sweep child failed (status \(p.terminationStatus))")
            }
            return r
        }
        var sequential = Double.infinity, concurrent = Double.infinity
        var rss = 0
        for _ in 0..<(options.quick ? 1 : 2) {
            var t0 = now()
            for seed in 1...2 { rss = max(rss, try result(try child(threads: 2, seed: seed)).peakRssBytes) }
            sequential = min(sequential, now() - t0)
            t0 = now()
            let children = try (1...2).map { try child(threads: 1, seed: $0) }
            for c in children { rss = max(rss, try result(c).peakRssBytes) }
            concurrent = min(concurrent, now() - t0)
        }
        let speedup = sequential / concurrent
        report.sweep = .init(sequentialSeconds: sequential, concurrentSeconds: concurrent,
                             concurrentSpeedup: speedup, mlpPeakRssBytes: rss)
        rows.append(Row(key: "sweep_concurrent_speedup", label: "2 seeds: concurrent (1 thread each) speed-up",
                        value: fmt(concurrent, 2) + " s wall",
                        reference: "sequential, 2 threads " + fmt(sequential, 2) + " s",
                        ratio: speedup, target: 1.1, higherIsBetter: true))
        rows.append(Row(key: "mlp_peak_rss", label: "peak RSS, process training seed-mlp",
                        value: fmt(Double(rss) / 1e6, 0) + " MB", reference: "200 MB",
                        ratio: Double(rss) / 200e6, target: 1))
    }
}
