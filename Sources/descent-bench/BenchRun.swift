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
        Parallel.setThreads(options.threads)
        log("measuring the FMA peak of \(options.threads) core(s)")
        let perThread = UnsafeMutableBufferPointer<Double>.allocate(capacity: options.threads)
        defer { perThread.deallocate() }
        perThread.initialize(repeating: 0)
        Parallel.run(parts: options.threads) { part, _ in perThread[part] = CPUFeatures.fmaPeakGFLOPS() }  // one element per thread
        report.fmaPeakGflops = perThread.reduce(0, +)
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

    /// Loading train + test (always timed), then seed-mlp, seed-ae, seed-ae's products and the optimizers.
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

        // 1. seed-mlp epoch vs its GEMMs (and its step, and the peers).
        if wants("mlp") {
            Parallel.setThreads(options.threads)
            let trainer = try makeMLPTrainer(seed: 1)
            var rssTraining = 0
            report.mlp = try epochSection(trainer, .images(subset), key: "mlp", label: "seed-mlp",
                                          epochLabel: "seed-mlp epoch (Adam, batch 128)", target: 1.2, peerWorkload: "mlp",
                                          afterRecording: { rssTraining = peakRSS() })
            report.mlp?.peakRssBytesInBench = rssTraining
        }

        // 2. seed-ae epoch vs its GEMMs; also with its products on one thread.
        if wants("ae") {
            Parallel.setThreads(options.threads)
            let ae = try makeAETrainer(seed: 1)
            let data = DataSource.images(subset)
            let unsplit = Variant(key: "ae_products_unsplit", label: "  seed-ae epoch, products on 1 thread, not split (diagnostic)") {
                BLAS.setThreads(1)  // products on one oneDNN thread, not split
                defer { Parallel.setThreads(self.options.threads) }
                _ = try ae.trainEpoch(data)
            }
            report.ae = try epochSection(ae, data, key: "ae", label: "seed-ae", epochLabel: "seed-ae epoch (Adam, batch 100)",
                                         target: 1.35, peerWorkload: "ae", variants: [unsplit])
        }

        // lenet5 and fmnist-2c2d epochs vs their GEMMs (CNNBench.swift).
        if wants("cnn") { try measureCNNs(train) }

        // seed-ae's products one by one.
        if wants("products") { try measureProducts(train) }

        // Optimizer steps vs their memory floors, 1 thread.
        if wants("optimizers") { try measureOptimizers() }

        // A training step with each rule against Adam's (RuleStepBench.swift).
        if wants("rules") { try measureRuleSteps(train) }
    }

    /// Another way to run the epoch, timed in the same rounds (a diagnostic).
    struct Variant {
        var key, label: String
        var run: () throws -> Void
    }

    /// One training epoch against a replay of exactly the GEMMs it issues: the calls of
    /// one epoch are recorded, then the epoch, its variants, the replay, the replay with an
    /// Adam step (over copies of the parameters) after each step's GEMMs (the epoch's calls
    /// split evenly over its steps: the GEMMs and the steps with nothing else), and with
    /// `--peers` each peer's epoch (a child process) are timed in turn, `repeats` rounds,
    /// best of each. Then, in
    /// `repeats` more rounds, a profiled epoch and the same Adam step warm (repeated on
    /// copies of the trainer's parameters, all threads).
    func epochSection(_ trainer: Trainer, _ data: DataSource, key: String, label: String, epochLabel: String,
                      target: Double, peerWorkload: String, variants: [Variant] = [],
                      afterRecording: () -> Void = {}) throws -> BenchReport.EpochFigures {
        let steps = (data.count + trainer.batchSize - 1) / trainer.batchSize
        let parameters = trainer.network.parameters
        let epoch = { _ = try trainer.trainEpoch(data) }
        log("\(label): recording one epoch of GEMMs (\(data.count) images)")
        let calls = try recordGemms(epoch)
        afterRecording()
        precondition(calls.count % steps == 0, "\(calls.count) GEMM calls do not split over \(steps) steps")
        let stepEvery = calls.count / steps
        let replay = GemmReplay(calls)
        replay.run()
        // The replay's steps and the warm step update copies (values and gradients) with an
        // optimizer of their own: stepping the trainer's parameters hundreds of times with one
        // gradient would wreck the network that the following epochs train.
        let copies = parameters.map { p -> Parameter in
            let c = Parameter(name: p.name, value: p.value.clone())
            c.grad.data.update(from: p.grad.data, count: p.count)
            return c
        }
        let stepper = try OptimizerConfig(kind: .adam).make()
        let peers = options.peers == nil ? [] : options.peerList
        log("\(label): timing epochs, variants, GEMMs\(peers.isEmpty ? "" : ", " + peers.joined(separator: ", ")), interleaved, \(repeats) rounds")
        var (e, g, gs) = (Double.infinity, Double.infinity, Double.infinity)
        var v = [Double](repeating: .infinity, count: variants.count)
        var rounds: [Double] = []
        var peerRounds: [String: [Double]] = [:]
        for _ in 0..<repeats {
            let t = try best(1, epoch)
            e = min(e, t)
            rounds.append(t * scaleToEpoch)
            for (i, variant) in variants.enumerated() { v[i] = min(v[i], try best(1, variant.run)) }
            g = min(g, best(1) { replay.run() })
            gs = min(gs, best(1) { replay.run(every: stepEvery, where: { _ in true }) { stepper.step(copies) } })
            for peer in peers { peerRounds[peer, default: []].append(try peerEpoch(peer, workload: "seed-" + peerWorkload, images: data.count)) }
        }
        // The step inside training (a profiled epoch) against the same step warm, `repeats`
        // rounds, the best median of each. Medians: on a busy machine a few steps are preempted.
        var (inTraining, warm, cold) = (Double.infinity, Double.infinity, Double.infinity)
        var p = StepPhases()
        for _ in 0..<repeats {
            trainer.phases = StepPhases()
            defer { trainer.phases = nil }
            try epoch()
            p = trainer.phases!
            inTraining = min(inTraining, median(p.updatePerStep))
            warm = min(warm, try warmAdamStep(copies))
            cold = min(cold, try coldAdamStep(copies))
        }

        let s = scaleToEpoch
        rows.append(Row(key: "\(key)_epoch_over_gemm", label: epochLabel, value: fmt(e * s) + " s",
                        reference: "GEMMs alone " + fmt(g * s) + " s (\(calls.count) calls, "
                            + fmt(Double(replay.bytes) / 1e6, 0) + " MB of operands, " + fmt(replay.flops / g / 1e9, 0) + " GFLOP/s)",
                        ratio: e / g, target: target))
        appendPeakRow(key: key, label: label, gflops: replay.flops / g / 1e9)
        rows.append(Row(key: "\(key)_gemm_and_steps", label: "  GEMMs + optimizer steps only (diagnostic)",
                        value: fmt(gs * s) + " s", reference: "GEMMs alone", ratio: gs / g, target: nil))
        for (variant, t) in zip(variants, v) {
            rows.append(Row(key: variant.key, label: variant.label, value: fmt(t * s) + " s", reference: "the epoch",
                            ratio: t / e, target: nil))
        }
        let text = [("batch", p.batch), ("forward", p.forward), ("loss", p.loss), ("backward", p.backward),
                    ("step", p.update)].map { "\($0.0) \(fmt($0.1 * s, 2))" }.joined(separator: " · ")
        rows.append(Row(key: "\(key)_phases", label: "  \(label), one profiled epoch (s)", value: fmt(p.total * s, 2) + " s",
                        reference: text, ratio: nil, target: nil))
        rows.append(Row(key: "\(key)_step_in_training_over_warm", label: "\(label): Adam step inside training (median step)",
                        value: fmt(inTraining * 1e6, 0) + " µs",
                        reference: "the same step warm, \(Parallel.threads) threads " + fmt(warm * 1e6, 0) + " µs (\(parameters.scalarCount) params)",
                        ratio: inTraining / warm, target: 1.5))
        let subnormals = subnormalShare(trainer)
        rows.append(Row(key: "\(key)_subnormal_share", label: "  subnormal gradients and moments after the epoch (diagnostic)",
                        value: fmt(subnormals * 100, 3) + " %", reference: "of the optimizer's inputs and state",
                        ratio: nil, target: nil))
        rows.append(Row(key: "\(key)_step_in_training_over_cold", label: "  the same step cold, caches evicted (diagnostic)",
                        value: fmt(cold * 1e6, 0) + " µs", reference: "the step inside training",
                        ratio: inTraining / cold, target: nil))
        appendPeerRows(key: key, label: label, descent: rounds, peers: peerRounds,
                       targets: key == "mlp" ? ["jax": 1.5, "torch": 2] : ["jax": 1.5])
        func seconds(_ p: StepPhases) -> BenchReport.PhaseSeconds {
            .init(batch: p.batch * s, forward: p.forward * s, loss: p.loss * s, backward: p.backward * s, update: p.update * s,
                  steps: p.steps)
        }
        return BenchReport.EpochFigures(
            epochSeconds: e * s, gemmSeconds: g * s, gemmAndStepsSeconds: gs * s,
            gemmCalls: calls.count, gemmOperandBytes: replay.bytes, gemmGflopsPerS: replay.flops / g / 1e9,
            epochOverGemm: e / g, roundSeconds: rounds,
            variantSeconds: Dictionary(uniqueKeysWithValues: zip(variants.map(\.key), v.map { $0 * s })),
            phaseSeconds: seconds(p),
            stepInTrainingUs: inTraining * 1e6, warmStepUs: warm * 1e6, coldStepUs: cold * 1e6,
            peerRoundSeconds: peerRounds)
    }

    /// A fresh Adam's step over `parameters` (copies of the trainer's) on all threads, back
    /// to back: the median of many steps, each timed alone (seconds).
    func warmAdamStep(_ parameters: [Parameter]) throws -> Double {
        let optimizer = try OptimizerConfig(kind: .adam).make()
        for _ in 0..<5 { optimizer.step(parameters) }
        return median((0..<(options.quick ? 100 : 300)).map { _ in best(1) { optimizer.step(parameters) } })
    }

    /// The share of subnormal numbers among the trainer's gradients and optimizer state: a
    /// step over many of them would be slow on CPUs that handle them in microcode.
    func subnormalShare(_ trainer: Trainer) -> Double {
        let tensors = trainer.network.parameters.map(\.grad) + Array(trainer.optimizer.state(for: trainer.network.parameters).values)
        var (subnormal, total) = (0, 0)
        for t in tensors {
            for i in 0..<t.count where t[i].isSubnormal { subnormal += 1 }
            total += t.count
        }
        return Double(subnormal) / Double(Swift.max(total, 1))
    }

    /// The same step as `warmAdamStep`, each after writing 64 MiB (twice the largest
    /// last-level cache seen, so the parameters, gradients and moments come from memory):
    /// the median of the steps, each timed alone (seconds).
    func coldAdamStep(_ parameters: [Parameter]) throws -> Double {
        let optimizer = try OptimizerConfig(kind: .adam).make()
        for _ in 0..<5 { optimizer.step(parameters) }
        var evict = [Float](repeating: 0, count: 16 << 20)
        var times: [Double] = []
        for i in 0..<(options.quick ? 30 : 100) {
            evict.withUnsafeMutableBufferPointer { b in
                Parallel.forEach(items: Parallel.threads) { part in
                    let n = b.count / Parallel.threads
                    (b.baseAddress! + part * n).update(repeating: Float(i), count: n)
                }
            }
            times.append(best(1) { optimizer.step(parameters) })
        }
        return median(times)
    }

    /// The products' rate against the FMA peak of the cores used (measured at the start).
    func appendPeakRow(key: String, label: String, gflops: Double) {
        guard let peak = report.fmaPeakGflops, peak > 0 else { return }
        rows.append(Row(key: "\(key)_products_over_peak", label: "  \(label) products / FMA peak", value: fmt(gflops, 0) + " GFLOP/s",
                        reference: "peak of \(options.threads) core(s) " + fmt(peak, 0) + " GFLOP/s (\(BLAS.kernels))",
                        ratio: gflops / peak, target: 0.75, higherIsBetter: true))
    }

    /// One row per peer: its epoch in every round against Descent's epoch of the same round;
    /// the worst round's ratio (theirs / Descent's) counts against `targets[peer]`.
    func appendPeerRows(key: String, label: String, descent rounds: [Double], peers: [String: [Double]], targets: [String: Double]) {
        for (peer, theirs) in peers.sorted(by: { $0.key < $1.key }) {
            let speedups = zip(theirs, rounds).map { $0 / $1 }
            rows.append(Row(key: "\(key)_\(peer)_over_descent", label: "\(peer) \(label) epoch / Descent's, worst round",
                            value: theirs.map { fmt($0, 2) }.joined(separator: " / ") + " s",
                            reference: "Descent " + rounds.map { fmt($0, 2) }.joined(separator: " / ") + " s",
                            ratio: speedups.min()!, target: targets[peer], higherIsBetter: true))
        }
    }

    /// One epoch of `workload` (`seed-mlp`, `seed-ae`, `lenet5`, `fmnist-2c2d`) on the first
    /// `images` training images in a peer framework: `--peers-script` run by the `--peers`
    /// Python (one warm-up epoch, then one timed), seconds per 60,000 images.
    func peerEpoch(_ framework: String, workload: String, images: Int) throws -> Double {
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: options.peers!)
        var args = [options.peersScript, "--frameworks", framework, "--workloads", workload, "--repeats", "1", "--json",
                    "--images", "\(images)"]
        if let d = options.dataDirectory { args += ["--data", d] }
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        for name in ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "PEER_THREADS"] { env[name] = "\(options.threads)" }
        p.environment = env
        p.standardOutput = out
        do { try p.run() } catch { throw DescentError("--peers: cannot run \(options.peers!): \(error.localizedDescription)") }
        let bytes = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let result = (try? JSONSerialization.jsonObject(with: bytes) as? [String: Any])?[framework] as? [String: Any]
        guard p.terminationStatus == 0, let result else {
            throw DescentError("--peers: \(options.peersScript) --frameworks \(framework) failed (status \(p.terminationStatus))")
        }
        if let message = result["error"] as? String { throw DescentError("--peers: \(framework): \(message)") }
        let field = workload.replacingOccurrences(of: "-", with: "_") + "_seconds"
        guard let seconds = result[field] as? Double else {
            throw DescentError("--peers: \(options.peersScript) gave no \(field) for \(framework)")
        }
        return seconds
    }

    /// Each product of one seed-ae training step, timed alone on its own buffers: on 1 thread
    /// (one oneDNN call), split over the pool as training runs it, and on 1 thread with
    /// β = 1 instead of β = 0 (another kernel); and a 4×4×4 call, the
    /// fixed cost of a call. Many short samples, interleaved, the fastest of each kept.
    func measureProducts(_ train: ImageSet) throws {
        log("products: seed-ae's products one by one")
        Parallel.setThreads(options.threads)
        let ae = try makeAETrainer(seed: 1)
        let calls = try recordGemms { _ = try ae.trainEpoch(.images(train.prefix(ae.batchSize))) }
        let samples = options.quick ? 30 : 100, reps = 10
        func perCall(_ replay: GemmReplay) -> Double { best(1) { for _ in 0..<reps { replay.run() } } / Double(reps) }
        let tiny = GemmReplay([BLAS.Call(m: 4, n: 4, k: 4, lda: 4, ldb: 4, ldc: 4, transposeA: false, transposeB: false,
                                         alpha: 1, beta: 0)])
        var tinyCall = Double.infinity
        var figures: [BenchReport.ProductFigures] = []
        for call in calls {
            var accumulating = call
            accumulating.beta = 1
            let (asIs, withBetaOne) = (GemmReplay([call]), GemmReplay([accumulating]))
            var (split, single, betaOne) = (Double.infinity, Double.infinity, Double.infinity)
            for _ in 0..<samples {
                split = min(split, perCall(asIs))
                BLAS.setThreads(1)  // one oneDNN call on one thread, not split
                single = min(single, perCall(asIs))
                betaOne = min(betaOne, perCall(withBetaOne))
                tinyCall = min(tinyCall, perCall(tiny))
                Parallel.setThreads(options.threads)
            }
            let shape = "\(call.m)×\(call.n)×\(call.k) (\(call.transposeA ? "Aᵀ" : "A")·\(call.transposeB ? "Bᵀ" : "B"), β = \(fmt(Double(call.beta), 0)))"
            figures.append(.init(m: call.m, n: call.n, k: call.k, transposeA: call.transposeA, transposeB: call.transposeB,
                                 beta: Double(call.beta), oneThreadUs: single * 1e6, splitUs: split * 1e6,
                                 oneThreadBetaOneUs: betaOne * 1e6))
            rows.append(Row(key: "product_\(figures.count)", label: "  seed-ae product \(shape), 1 thread",
                            value: fmt(single * 1e6, 1) + " µs (" + fmt(call.flops / single / 1e9, 0) + " GFLOP/s)",
                            reference: "split, \(Parallel.threads) threads " + fmt(split * 1e6, 1) + " µs (speed-up) · β = 1: "
                                + fmt(betaOne * 1e6, 1) + " µs",
                            ratio: single / split, target: nil, higherIsBetter: true))
        }
        rows.append(Row(key: "product_call_overhead", label: "  one 4×4×4 oneDNN call (fixed cost per call)",
                        value: fmt(tinyCall * 1e6, 2) + " µs", reference: "", ratio: nil, target: nil))
        report.products = .init(calls: figures, smallCallUs: tinyCall * 1e6)
    }

    /// A per-tensor rule's step (1 thread) against a replay of exactly the products it
    /// issued (`GemmReplay`): what its element-wise work and bookkeeping add to its products.
    func measureProducts(of optimizer: Optimizer, _ config: OptimizerConfig, _ parameters: [Parameter], samples: Int) throws {
        // Past the warm-up of rules that start preconditioning late (Shampoo: step 10), then the
        // products of one step; the minimum over single steps leaves out a root refresh.
        while optimizer.stepCount < 11 { optimizer.step(parameters) }
        let replay = GemmReplay(recordGemms { optimizer.step(parameters) })
        var (step, products) = (Double.infinity, Double.infinity)
        for _ in 0..<samples {
            step = min(step, best(1) { optimizer.step(parameters) })
            products = min(products, best(1) { replay.run() })
        }
        let ratio = step / products
        report.optimizers = (report.optimizers ?? [:]).merging([config.kind.rawValue: .init(
            stepUs: step * 1e6, floorUs: products * 1e6, ratio: ratio, reads: 0, writes: 0,
            parameters: parameters.scalarCount)]) { _, new in new }
        rows.append(Row(key: "optimizer_\(config.kind.rawValue)", label: "\(config.kind.rawValue) step (defaults), \(parameters.scalarCount) params, 1 thread",
                        value: fmt(step * 1e3, 1) + " ms",
                        reference: "its \(replay.calls.count) products " + fmt(products * 1e3, 1) + " ms (" + fmt(replay.flops / products / 1e9, 0) + " GFLOP/s)",
                        ratio: ratio, target: nil))
    }

    /// Each element-wise optimizer's step (its defaults) over the seed-mlp parameters against
    /// a bare pass with its memory traffic, 1 thread; each per-tensor rule's (Muon) against
    /// a replay of the products it issued; then Adam's step on all threads.
    func measureOptimizers() throws {
        log("optimizers: step vs floor over the seed-mlp parameters")
        Parallel.setThreads(1)  // the targets are per thread
        let parameters = try Network(ModelSpec.preset(named: "seed-mlp")!, seed: 1).parameters
        let n = parameters.scalarCount
        var g = RandomGenerator(seed: 5)
        for p in parameters { for i in 0..<p.count { p.grad.data[i] = g.uniform(-1e-3, 1e-3) } }
        let samples = options.quick ? 20 : 60, stepsPerSample = 5
        var optimizers: [String: BenchReport.OptimizerFigures] = [:]
        for config in Registry.builtIn.optimizers.map({ OptimizerConfig(kind: $0) }) {
            let kind = config.kind
            let optimizer = try config.make()
            optimizer.step(parameters)  // creates state
            if optimizer is TensorOptimizer {
                try measureProducts(of: optimizer, config, parameters, samples: options.quick ? 3 : 10)
                continue
            }
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
        report.optimizers = (report.optimizers ?? [:]).merging(optimizers) { _, new in new }
        // The same Adam step split over all threads, as training runs it: the speed-up.
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
                            ratio: oneThread / step, target: 1.8, higherIsBetter: true))
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
