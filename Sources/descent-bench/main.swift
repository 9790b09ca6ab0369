// descent-bench: performance figures of Descent as ratios measured inside one run.
//
//   descent-bench            full run (whole epochs), prints a table
//   descent-bench --quick    1/6 epoch per measurement, scaled; under a minute
//   descent-bench --json     one JSON object with every figure and ratio
//
// Every target compares two timings taken in this process (or, for the sweep, in child
// processes started by it), so the figures survive a noisy machine better than absolute
// seconds do. See BENCHMARKS.md.
import Descent
import Foundation
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Options

struct Options {
    var quick = false
    var json = false
    var threads = 2
    var dataDirectory: String? = nil
    var repeats: Int? = nil
    var only: Set<String> = []
    // Internal: child process for the sweep measurement.
    var child = false
    var childImages = 60_000
    var childSeed: UInt64 = 1

    static let usage = """
    usage: descent-bench [--quick] [--json] [--threads N] [--data DIR] [--repeats N]
                         [--only load,mlp,ae,optimizers,sweep]

      --quick       fewer images and steps (1/6 epoch), figures scaled to an epoch (< 1 min)
      --json        print one JSON object instead of the table
      --threads N   compute threads for the seed-mlp / seed-ae epochs (default 2)
      --data DIR    directory with the four Fashion-MNIST files (.gz or not); default:
                    the loader's usual search (cache, $DESCENT_DATA_DIR, system dirs)
      --repeats N   timed repetitions per figure, best is kept (default 3, --quick 2)
      --only LIST   run only these sections
    """

    static func parse(_ args: [String]) -> Options {
        var o = Options()
        var i = 0
        func value() -> String {
            i += 1
            guard i < args.count else { fail("\(args[i - 1]) needs a value\n\(usage)") }
            return args[i]
        }
        while i < args.count {
            switch args[i] {
            case "--quick": o.quick = true
            case "--json": o.json = true
            case "--threads": o.threads = Int(value()) ?? { fail("--threads needs an integer") }()
            case "--data": o.dataDirectory = value()
            case "--repeats": o.repeats = Int(value()) ?? { fail("--repeats needs an integer") }()
            case "--only": o.only = Set(value().split(separator: ",").map(String.init))
            case "--child-train": o.child = true
            case "--images": o.childImages = Int(value()) ?? { fail("--images needs an integer") }()
            case "--seed": o.childSeed = UInt64(value()) ?? { fail("--seed needs an integer") }()
            case "-h", "--help": print(usage); exit(0)
            default: fail("unknown argument \(args[i])\n\(usage)")
            }
            i += 1
        }
        return o
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("descent-bench: \(message)\n".utf8))
    exit(2)
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func log(_ s: String) {
    FileHandle.standardError.write(Data("[bench] \(s)\n".utf8))
}

/// Peak resident set size of this process in bytes (VmHWM).
func peakRSS() -> Int {
    if let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
        for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
    }
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return u.ru_maxrss * 1024
}

/// The 1-minute load average (other processes compete for the 2 cores; see BENCHMARKS.md).
func loadAverage() -> Double {
    let s = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
    return Double(s.split(separator: " ").first ?? "") ?? -1
}

func loadData(_ o: Options) throws -> (train: ImageSet, test: ImageSet) {
    try DatasetLoader.load(.fashionMNIST, dataDirectory: o.dataDirectory)
}

// MARK: - Workloads

/// seed-mlp: 784-784-784-10 ReLU, dropout 0.1/0.5, Adam, batch 128 (the preset, as `descent train` runs it).
func makeMLPTrainer(seed: UInt64) throws -> Trainer {
    try RunExecutor.makeTrainer(.seedMLP(OptimizerConfig(kind: .adam)), seed: seed)
}

/// seed-ae: 784-100-784, sigmoid both layers, masking noise 0.3 (fresh each epoch),
/// MSE against the clean input, batch 100, Adam: the library's Trainer.
func makeAETrainer(seed: UInt64) throws -> Trainer {
    let network = try Network(ModelSpec.preset(named: "seed-ae")!, seed: seed)
    return try Trainer(network, optimizer: try OptimizerConfig(kind: .adam).make(), loss: MeanSquaredError(),
                       batchSize: 100, corruption: 0.3, seed: seed)
}

// MARK: - GEMM replay

/// Replays recorded sgemm calls on private buffers: one buffer for each distinct array
/// the training passed (by address), sized to the largest extent any call used, so the
/// replay touches as many arrays, of the same sizes, as the epoch did (a weight read by
/// the forward and the backward GEMM is one buffer, as in training).
final class GemmReplay {
    let calls: [BLAS.Call]
    private var operands: [(a: UnsafeMutablePointer<Float>, b: UnsafeMutablePointer<Float>, c: UnsafeMutablePointer<Float>)] = []
    private var buffers: [UnsafeMutablePointer<Float>] = []

    init(_ calls: [BLAS.Call]) {
        self.calls = calls
        var extent: [UInt: Int] = [:]
        for c in calls {
            let e = c.extents
            extent[c.addressA] = max(extent[c.addressA] ?? 0, e.a)
            extent[c.addressB] = max(extent[c.addressB] ?? 0, e.b)
            extent[c.addressC] = max(extent[c.addressC] ?? 0, e.c)
        }
        var g = RandomGenerator(seed: 99)
        var buffer: [UInt: UnsafeMutablePointer<Float>] = [:]
        for (address, n) in extent.sorted(by: { $0.key < $1.key }) {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
            bytes += n * MemoryLayout<Float>.size
            for i in 0..<n { p[i] = g.uniform(-0.05, 0.05) }
            buffer[address] = p
            buffers.append(p)
        }
        operands = calls.map { (buffer[$0.addressA]!, buffer[$0.addressB]!, buffer[$0.addressC]!) }
    }

    deinit { buffers.forEach { $0.deallocate() } }

    var flops: Double { calls.reduce(0) { $0 + $1.flops } }
    /// Bytes of all operand buffers (the replay's working set).
    private(set) var bytes = 0

    func run(every k: Int = 0, _ between: () -> Void = {}) {
        var i = 0
        for (c, o) in zip(calls, operands) {
            BLAS.gemm(m: c.m, n: c.n, k: c.k, o.a, lda: c.lda, transposeA: c.transposeA,
                      o.b, ldb: c.ldb, transposeB: c.transposeB, o.c, ldc: c.ldc,
                      alpha: c.alpha, beta: c.beta)
            i += 1
            if k > 0 && i % k == 0 { between() }
        }
    }
}

/// Runs `body` with every GEMM recorded; returns the calls.
func recordGemms(_ body: () throws -> Void) rethrows -> [BLAS.Call] {
    var calls: [BLAS.Call] = []
    BLAS.trace = { calls.append($0) }
    defer { BLAS.trace = nil }
    try body()
    return calls
}

func best(_ n: Int, _ body: () throws -> Void) rethrows -> Double {
    var b = Double.infinity
    for _ in 0..<max(1, n) {
        let t0 = now()
        try body()
        b = min(b, now() - t0)
    }
    return b
}

// MARK: - Optimizer floors

/// A bare fused pass that reads `reads` arrays and writes `writes` of them (the first
/// ones), 8 lanes at a time: the memory-traffic floor of an optimizer step.
func floorPass(_ arrays: [UnsafeMutablePointer<Float>], reads: Int, writes: Int, count n: Int) {
    typealias V = SIMD8<Float>
    let a = arrays
    @inline(__always) func ld(_ p: UnsafeMutablePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }
    @inline(__always) func st(_ p: UnsafeMutablePointer<Float>, _ i: Int, _ v: V) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
    }
    let c = V(repeating: 0.5)
    var i = 0
    switch (reads, writes) {
    case (2, 1):
        let (p0, p1) = (a[0], a[1])
        while i + 8 <= n { st(p0, i, ld(p0, i) - c * ld(p1, i)); i += 8 }
    case (3, 2):
        let (p0, p1, p2) = (a[0], a[1], a[2])
        while i + 8 <= n {
            let s = c * ld(p1, i) + ld(p2, i)
            st(p1, i, s); st(p0, i, ld(p0, i) - c * s); i += 8
        }
    case (4, 3):
        let (p0, p1, p2, p3) = (a[0], a[1], a[2], a[3])
        while i + 8 <= n {
            let g = ld(p3, i)
            let m = c * ld(p1, i) + g
            let v = c * ld(p2, i) + g
            st(p1, i, m); st(p2, i, v); st(p0, i, ld(p0, i) - c * m * v); i += 8
        }
    default:
        fatalError("floorPass: no kernel for \(reads) reads / \(writes) writes")
    }
    for j in i..<n { a[0][j] *= 0.5 }
}

/// Arrays read and written by one step of each optimizer (parameter, gradient and state),
/// from the rule's descriptor.
func traffic(of kind: OptimizerKind) -> (reads: Int, writes: Int) {
    (kind.rule.traffic.reads, kind.rule.traffic.writes)
}

// MARK: - Report

struct Row {
    var key: String
    var label: String
    var value: String
    var reference: String
    var ratio: Double?
    var target: Double?
    var higherIsBetter = false
    var pass: Bool? {
        guard let ratio, let target else { return nil }
        return higherIsBetter ? ratio >= target : ratio <= target
    }
}

var figures: [String: Any] = [:]
var rows: [Row] = []

func fmt(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }

// MARK: - Main

let options = Options.parse(Array(CommandLine.arguments.dropFirst()))

if options.child {
    // Child of the sweep measurement: train seed-mlp on `--images` images, report.
    Parallel.setThreads(options.threads)
    do {
        let data = try loadData(options)
        let t0 = now()
        let trainer = try makeMLPTrainer(seed: options.childSeed)
        _ = try trainer.trainEpoch(.images(data.train.prefix(options.childImages)))
        let seconds = now() - t0
        print("{\"seconds\": \(seconds), \"peak_rss_bytes\": \(peakRSS())}")
        exit(0)
    } catch {
        fail("child: \(error)")
    }
}

func wants(_ s: String) -> Bool { options.only.isEmpty || options.only.contains(s) }

let repeats = options.repeats ?? (options.quick ? 2 : 3)
let images = options.quick ? 10_000 : 60_000
let scaleToEpoch = 60_000 / Double(images)
let startedAt = now()
figures["mode"] = options.quick ? "quick" : "full"
figures["threads"] = options.threads
figures["images_per_measurement"] = images
figures["date"] = ISO8601DateFormatter().string(from: Date())
figures["cpu_count"] = ProcessInfo.processInfo.activeProcessorCount
figures["load_average_start"] = loadAverage()

do {
    // 4a. Loading train + test.
    log("loading Fashion-MNIST")
    var data: (train: ImageSet, test: ImageSet)? = nil
    let loadSeconds = try best(options.quick ? 2 : 3) { data = try loadData(options) }
    let (train, _) = data!
    figures["load_seconds"] = loadSeconds
    if wants("load") {
        rows.append(Row(key: "load_seconds", label: "load Fashion-MNIST train+test", value: fmt(loadSeconds) + " s",
                        reference: "0.35 s", ratio: loadSeconds / 0.35, target: 1))
    }
    let subset = images == train.count ? train : train.prefix(images)

    /// One training epoch against a replay of exactly the GEMMs it issues: the calls of
    /// one epoch are recorded, then epoch and replay are timed interleaved, best of `repeats`.
    /// Also timed, as a diagnostic: the replay with the trainer's real optimizer step after
    /// every step's GEMMs (the epoch's calls split evenly over its `steps`) — the GEMMs and
    /// the steps with nothing else.
    func epochAgainstGemms(_ epoch: () throws -> Void, steps: Int, optimizerStep: () -> Void,
                           afterRecording: () -> Void = {}) throws
        -> (epoch: Double, gemm: Double, gemmAndSteps: Double, calls: Int, flops: Double, bytes: Int) {
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

    /// Records the figures and the table row of an epoch-vs-GEMM measurement.
    func report(_ t: (epoch: Double, gemm: Double, gemmAndSteps: Double, calls: Int, flops: Double, bytes: Int),
                key: String, label: String, target: Double) {
        figures["\(key)_gemm_operand_bytes"] = t.bytes
        figures["\(key)_epoch_seconds"] = t.epoch * scaleToEpoch
        figures["\(key)_gemm_seconds"] = t.gemm * scaleToEpoch
        figures["\(key)_gemm_calls"] = t.calls
        figures["\(key)_epoch_over_gemm"] = t.epoch / t.gemm
        rows.append(Row(key: "\(key)_epoch_over_gemm", label: label,
                        value: fmt(t.epoch * scaleToEpoch) + " s",
                        reference: "GEMMs alone " + fmt(t.gemm * scaleToEpoch) + " s (\(t.calls) calls, "
                            + fmt(Double(t.bytes) / 1e6, 0) + " MB of operands, " + fmt(t.flops / t.gemm / 1e9, 0) + " GFLOP/s)",
                        ratio: t.epoch / t.gemm, target: target))
        figures["\(key)_gemm_and_steps_seconds"] = t.gemmAndSteps * scaleToEpoch
        rows.append(Row(key: "\(key)_gemm_and_steps", label: "  GEMMs + optimizer steps only (diagnostic)",
                        value: fmt(t.gemmAndSteps * scaleToEpoch) + " s", reference: "GEMMs alone",
                        ratio: t.gemmAndSteps / t.gemm, target: nil))
    }

    /// Records where one more (profiled) epoch went, phase by phase; not a target.
    func reportPhases(_ p: StepPhases, key: String, label: String) {
        let s = scaleToEpoch
        figures["\(key)_phase_seconds"] = ["batch": p.batch * s, "forward": p.forward * s, "loss": p.loss * s,
                                           "backward": p.backward * s, "update": p.update * s, "steps": p.steps]
        let text = [("batch", p.batch), ("forward", p.forward), ("loss", p.loss), ("backward", p.backward),
                    ("step", p.update)].map { "\($0.0) \(fmt($0.1 * s, 2))" }.joined(separator: " · ")
        rows.append(Row(key: "\(key)_phases", label: "  \(label), one profiled epoch (s)", value: fmt(p.total * s, 2) + " s",
                        reference: text, ratio: nil, target: nil))
    }

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
        figures["mlp_gemm_gflops_per_s"] = t.flops / t.gemm / 1e9
        figures["mlp_peak_rss_bytes_in_bench"] = rssTraining
        report(t, key: "mlp", label: "seed-mlp epoch (Adam, batch 128)", target: 1.25)
        trainer.phases = StepPhases()
        _ = try trainer.trainEpoch(.images(subset))
        reportPhases(trainer.phases!, key: "mlp", label: "seed-mlp")
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
        report(t, key: "ae", label: "seed-ae epoch (Adam, batch 100)", target: 1.35)
        ae.phases = StepPhases()
        _ = try ae.trainEpoch(aeData)
        reportPhases(ae.phases!, key: "ae", label: "seed-ae")
    }

    // 3. Optimizer steps vs their memory floors, 1 thread.
    if wants("optimizers") {
        log("optimizers: step vs floor over the seed-mlp parameters")
        Parallel.setThreads(1)  // the targets are per thread
        let parameters = try Network(ModelSpec.preset(named: "seed-mlp")!, seed: 1).parameters
        let n = parameters.scalarCount
        var g = RandomGenerator(seed: 5)
        for p in parameters { for i in 0..<p.count { p.grad.data[i] = g.uniform(-1e-3, 1e-3) } }
        let samples = options.quick ? 20 : 60, stepsPerSample = 5
        var optimizerFigures: [String: Any] = [:]
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
            optimizerFigures[kind.rawValue] = ["step_us": step * 1e6, "floor_us": floor * 1e6, "ratio": ratio,
                                               "reads": r, "writes": w, "parameters": n] as [String: Any]
            rows.append(Row(key: "optimizer_\(kind.rawValue)", label: "\(config.summary) step, \(n) params, 1 thread",
                            value: fmt(step * 1e6, 0) + " µs",
                            reference: "floor \(r)R/\(w)W " + fmt(floor * 1e6, 0) + " µs",
                            ratio: ratio, target: 1.3))
        }
        figures["optimizers"] = optimizerFigures
        // Not a target: the same Adam step split over all threads, as training runs it.
        if options.threads > 1, let adam = optimizerFigures["adam"] as? [String: Any],
           let oneThread = adam["step_us"] as? Double {
            Parallel.setThreads(options.threads)
            let optimizer = try OptimizerConfig(kind: .adam).make()
            optimizer.step(parameters)
            var step = Double.infinity
            for _ in 0..<samples {
                step = min(step, best(1) { for _ in 0..<stepsPerSample { optimizer.step(parameters) } })
            }
            step = step / Double(stepsPerSample) * 1e6
            figures["adam_step_us_all_threads"] = step
            rows.append(Row(key: "adam_step_all_threads", label: "adam step, \(n) params, \(options.threads) threads (speed-up)",
                            value: fmt(step, 0) + " µs", reference: "1 thread " + fmt(oneThread, 0) + " µs",
                            ratio: oneThread / step, target: nil))
        }
    }
    data = nil

    // 5. Sweep: 2 seeds concurrently (1 BLAS thread each) vs one after another (2 threads).
    // 4b. Peak RSS of a process that loads the data and trains seed-mlp.
    if wants("sweep") {
        log("sweep: 2 seeds sequential (2 threads) vs concurrent (1 thread each)")
        let exe = CommandLine.arguments[0].hasPrefix("/") ? CommandLine.arguments[0]
            : FileManager.default.currentDirectoryPath + "/" + CommandLine.arguments[0]
        let resolved = URL(fileURLWithPath: exe).resolvingSymlinksInPath().path
        func child(threads: Int, seed: Int) throws -> Process {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: resolved)
            var args = ["--child-train", "--threads", "\(threads)", "--images", "\(images)", "--seed", "\(seed)"]
            if let d = options.dataDirectory { args += ["--data", d] }
            p.arguments = args
            var env = ProcessInfo.processInfo.environment
            env["OPENBLAS_NUM_THREADS"] = "\(threads)"
            p.environment = env
            p.standardOutput = Pipe()
            try p.run()
            return p
        }
        func result(_ p: Process) throws -> (seconds: Double, rss: Int) {
            let out = (p.standardOutput as! Pipe).fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            guard p.terminationStatus == 0,
                  let obj = try JSONSerialization.jsonObject(with: out) as? [String: Any],
                  let s = obj["seconds"] as? Double, let r = obj["peak_rss_bytes"] as? Int
            else { throw DescentError("sweep child failed (status \(p.terminationStatus))") }
            return (s, r)
        }
        var sequential = Double.infinity, concurrent = Double.infinity
        var rss = 0
        for _ in 0..<(options.quick ? 1 : 2) {
            var t0 = now()
            for seed in 1...2 { rss = max(rss, try result(try child(threads: 2, seed: seed)).rss) }
            sequential = min(sequential, now() - t0)
            t0 = now()
            let ps = try (1...2).map { try child(threads: 1, seed: $0) }
            for p in ps { rss = max(rss, try result(p).rss) }
            concurrent = min(concurrent, now() - t0)
        }
        let speedup = sequential / concurrent
        figures["sweep_sequential_seconds"] = sequential
        figures["sweep_concurrent_seconds"] = concurrent
        figures["sweep_concurrent_speedup"] = speedup
        figures["mlp_peak_rss_bytes"] = rss
        rows.append(Row(key: "sweep_concurrent_speedup", label: "2 seeds: concurrent (1 thread each) speed-up",
                        value: fmt(concurrent, 2) + " s wall",
                        reference: "sequential, 2 threads " + fmt(sequential, 2) + " s",
                        ratio: speedup, target: 1.1, higherIsBetter: true))
        rows.append(Row(key: "mlp_peak_rss", label: "peak RSS, process training seed-mlp",
                        value: fmt(Double(rss) / 1e6, 0) + " MB", reference: "200 MB",
                        ratio: Double(rss) / 200e6, target: 1))
    }
} catch {
    fail("\(error)")
}

figures["total_seconds"] = now() - startedAt
figures["load_average_end"] = loadAverage()
var ratios: [String: Any] = [:]
for r in rows {
    var e: [String: Any] = ["value": r.value, "reference": r.reference]
    if let x = r.ratio { e["ratio"] = x }
    if let t = r.target { e["target"] = t; e["direction"] = r.higherIsBetter ? ">=" : "<=" }
    if let p = r.pass { e["pass"] = p }
    ratios[r.key] = e
}
figures["targets"] = ratios

if options.json {
    let data = try! JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
} else {
    let header = ["figure", "value", "compared with", "ratio", "target", ""]
    let body = rows.map { r -> [String] in
        [r.label, r.value, r.reference, r.ratio.map { fmt($0, 2) } ?? "",
         r.target.map { (r.higherIsBetter ? "≥ " : "≤ ") + fmt($0, 2) } ?? "",
         r.pass.map { $0 ? "PASS" : "MISS" } ?? ""]
    }
    let widths = (0..<header.count).map { c in ([header] + body).map { $0[c].count }.max()! }
    func line(_ cells: [String]) -> String {
        "| " + zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
    }
    print("descent-bench (\(options.quick ? "quick: \(images) images per measurement, scaled to 60,000" : "full epochs"), \(options.threads) threads, best of \(repeats))")
    print(line(header))
    print("|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|")
    for b in body { print(line(b)) }
    print("total \(fmt(now() - startedAt, 1)) s; 1-min load average \(figures["load_average_start"]!) at start, \(figures["load_average_end"]!) at end (\(figures["cpu_count"]!) CPUs)")
}
