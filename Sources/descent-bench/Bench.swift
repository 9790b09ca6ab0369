// descent-bench: performance figures of Descent as ratios measured inside one run.
//
// Every target compares two timings taken in this process (or, for the sweep, in child
// processes started by it), so the figures survive a noisy machine better than absolute
// seconds do. See BENCHMARKS.md.
import ArgumentParser
import Descent
import Foundation

@main
struct Bench: ParsableCommand {
    /// The sections `--only` selects, in the order they run.
    static let sections = ["load", "mlp", "ae", "cnn", "products", "optimizers", "rules", "sweep"]

    static let configuration = CommandConfiguration(
        commandName: "descent-bench",
        abstract: "Performance figures of Descent as ratios measured inside one run.",
        discussion: """
            Each figure is compared with a reference timed in the same run (see
            BENCHMARKS.md). Sections, in the order they run (--only selects some):

              load        loading Fashion-MNIST train+test, against 0.35 s
              mlp         a seed-mlp epoch (784-784-784-10, Adam, batch 128)
                          against its GEMMs alone; the optimizer step inside
                          training against the same step warm; with --peers,
                          JAX's epoch against Descent's in every round;
                          diagnostics: the GEMMs with the optimizer steps, a
                          profiled epoch
              ae          the same for a seed-ae epoch (784-100-784, masking
                          noise 0.3, batch 100), and the epoch with its products
                          on one thread (not split)
              cnn         the same for lenet5 and fmnist-2c2d epochs (Adam,
                          batch 128; fmnist-2c2d on a fifth of the images); the
                          convolution products alone and their GFLOP/s
              products    seed-ae's products one by one: 1 thread, split over the
                          pool, and with β = 1 instead of 0; the cost of a
                          4×4×4 call (diagnostics)
              optimizers  each optimizer's step over the seed-mlp parameters
                          against its memory-traffic floor, 1 thread; Adam's
                          step on all threads against 1 thread (speed-up)
              rules       a training step of seed-mlp and lenet5 with each
                          rule (its defaults) against Adam's, same rounds
              sweep       2 seeds of seed-mlp as concurrent child processes
                          (1 thread each) against one after the other
                          (2 threads); peak RSS of such a child

            Examples:
              descent-bench --quick
              descent-bench --only mlp,ae --repeats 5 --json
              descent-bench --only mlp,ae --peers VENV/bin/python
              descent-bench --only mlp,ae,cnn --peers VENV/bin/python --peer-frameworks torch,jax
              ONEDNN_MAX_CPU_ISA=AVX2 descent-bench --quick   # as on an AVX2-only machine
            """)

    @Flag(help: "Fewer images and steps (1/6 epoch), figures scaled to an epoch (< 1 min).")
    var quick = false

    @Flag(help: "Print one JSON object (every figure, ratio and verdict) instead of the table.")
    var json = false

    @Option(help: "Compute threads for the seed-mlp / seed-ae epochs.")
    var threads = 2

    @Option(name: .customLong("data"), help: ArgumentHelp(
        "Folder with the four Fashion-MNIST files (.gz or not); default: the loader's usual search.",
        valueName: "dir"))
    var dataDirectory: String?

    @Option(help: "Timed repetitions per figure, the best is kept (default 3, --quick 2).")
    var repeats: Int?

    @Option(help: ArgumentHelp("Run only these sections (comma-separated): \(Bench.sections.joined(separator: ", ")).",
                               valueName: "list"))
    var only: String?

    @Option(help: ArgumentHelp(
        "A Python with the peer frameworks installed: time them in every round of mlp, ae and cnn, beside Descent, through --peers-script.",
        valueName: "python"))
    var peers: String?

    @Option(name: .customLong("peer-frameworks"), help: ArgumentHelp("Peers to time with --peers (comma-separated: jax, torch).",
                                                                    valueName: "list"))
    var peerFrameworks = "jax"

    @Option(name: .customLong("peers-script"), help: ArgumentHelp("The script that times the peers.", valueName: "path"))
    var peersScript = "Tools/bench_peers.py"

    // Internal: the child process of the sweep measurement.
    @Flag(name: .customLong("child-train"), help: .hidden)
    var child = false

    @Option(name: .customLong("images"), help: .hidden)
    var childImages = 60_000

    @Option(name: .customLong("seed"), help: .hidden)
    var childSeed: UInt64 = 1

    var peerList: [String] {
        peerFrameworks.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    var selectedSections: Set<String> {
        Set((only ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        if let repeats, repeats < 1 { throw ValidationError("--repeats must be at least 1") }
        if let unknown = selectedSections.subtracting(Bench.sections).sorted().first {
            throw ValidationError("--only: no section '\(unknown)' (sections: \(Bench.sections.joined(separator: ", ")))")
        }
        if let unknown = peerList.first(where: { !["jax", "torch"].contains($0) }) {
            throw ValidationError("--peer-frameworks: no framework '\(unknown)' (frameworks: jax, torch)")
        }
        if let python = peers {
            guard FileManager.default.isExecutableFile(atPath: python) else {
                throw ValidationError("--peers: \(python) is not an executable Python")
            }
            guard FileManager.default.fileExists(atPath: peersScript) else {
                throw ValidationError("--peers-script: \(peersScript) not found (run from the repository, or give its path)")
            }
        }
    }

    func run() throws {
        do {
            if child { return try runChild() }
            let run = BenchRun(self)
            try run.measure()
            print(json ? try run.report.json() : run.summary())
        } catch let error as DescentError {
            FileHandle.standardError.write(Data("descent-bench: error: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// Child of the sweep measurement: trains seed-mlp on `--images` images and prints a `ChildResult`.
    func runChild() throws {
        Parallel.setThreads(threads)
        let data = try DatasetLoader.load(.fashionMNIST, dataDirectory: dataDirectory,
                                            locations: DatasetLocations(environment: ProcessInfo.processInfo.environment))
        let t0 = now()
        let trainer = try makeMLPTrainer(seed: childSeed)
        _ = try trainer.trainEpoch(.images(data.train.prefix(childImages)))
        let result = ChildResult(seconds: now() - t0, peakRssBytes: peakRSS())
        print(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
    }
}
