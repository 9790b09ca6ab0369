import Descent
import Foundation

/// Everything one run of descent-bench measured: `--json` prints it (keys in
/// snake_case, sorted), and the table is made from its `targets`' rows. Seconds of
/// epochs are scaled to a 60,000-image epoch; a section not run (`--only`) is absent.
struct BenchReport: Encodable {
    var mode: String  // "full" or "quick"
    var threads, imagesPerMeasurement: Int
    var date: String
    var cpuCount: Int
    var loadAverageStart: Double
    var loadAverageEnd, totalSeconds: Double?
    /// Loading Fashion-MNIST train+test (always measured: the other sections need the data).
    var loadSeconds: Double?
    var mlp: EpochFigures?
    var ae: EpochFigures?
    /// lenet5 and fmnist-2c2d, by preset name (CNNBench.swift).
    var cnn: [String: CNNFigures]?
    /// What computed the products (`BLAS.kernels`, e.g. "oneDNN 2.6.3 avx512_core_bf16"), and
    /// the instruction sets the CPU reports.
    var kernels = BLAS.kernels
    var cpuFeatures = CPUFeatures.current.description
    /// The FMA peak of the `threads` cores, measured on all of them at once (GFLOP/s).
    var fmaPeakGflops: Double?
    /// seed-ae's products one by one.
    var products: ProductsFigures?
    /// Per optimizer (`OptimizerKind` raw value): its step against its memory floor, 1 thread.
    var optimizers: [String: OptimizerFigures]?
    /// Adam's step over the same parameters on all `threads` (training's setting).
    var adamStepUsAllThreads: Double?
    /// Per model (seed-mlp, lenet5) and rule: its training step against Adam's.
    var ruleSteps: [String: [String: RuleStepFigures]]?
    var sweep: SweepFigures?
    /// One entry per table row, by row key.
    var targets: [String: Target] = [:]

    /// A training epoch against a replay of exactly the GEMMs it issued.
    /// `gemmAndStepsSeconds`: the replay with the trainer's optimizer step after each
    /// step's GEMMs (a diagnostic).
    struct EpochFigures: Encodable {
        var epochSeconds, gemmSeconds, gemmAndStepsSeconds: Double
        var gemmCalls, gemmOperandBytes: Int
        var gemmGflopsPerS, epochOverGemm: Double
        /// The epoch in each round (the best is `epochSeconds`).
        var roundSeconds: [Double]
        /// The epoch run otherwise, by row key (seed-ae's products not split).
        var variantSeconds: [String: Double]
        /// A profiled epoch.
        var phaseSeconds: PhaseSeconds
        /// Adam's step inside training (the median over a profiled epoch's steps) and the
        /// same step warm (the median of back-to-back steps) and cold (each step after the
        /// caches were evicted by writing a buffer twice the last-level cache); each the best
        /// of the rounds.
        var stepInTrainingUs, warmStepUs, coldStepUs: Double
        /// With `--peers`: each peer's epoch in each round, by framework.
        var peerRoundSeconds: [String: [Double]]
        /// Peak RSS of the bench process after recording the seed-mlp epoch.
        var peakRssBytesInBench: Int?
    }

    /// Products of one seed-ae training step, each alone: µs per call.
    struct ProductsFigures: Encodable {
        var calls: [ProductFigures]
        /// A 4×4×4 product: the fixed cost of one oneDNN call.
        var smallCallUs: Double
    }

    struct ProductFigures: Encodable {
        var m, n, k: Int
        var transposeA, transposeB: Bool
        var beta: Double
        /// One oneDNN call on 1 thread; split over the pool (as in training); 1 thread with β = 1.
        var oneThreadUs, splitUs, oneThreadBetaOneUs: Double
    }

    struct PhaseSeconds: Encodable {
        var batch, forward, loss, backward, update: Double
        var steps: Int
    }

    /// Microseconds per step, and the arrays the floor reads and writes.
    struct OptimizerFigures: Encodable {
        var stepUs, floorUs, ratio: Double
        var reads, writes, parameters: Int
    }

    /// Two seeds of seed-mlp as child processes: one after the other with 2 threads,
    /// then concurrently with 1 thread each (wall seconds, best of the repetitions).
    struct SweepFigures: Encodable {
        var sequentialSeconds, concurrentSeconds, concurrentSpeedup: Double
        /// The largest peak RSS of the child processes (each loads the data and trains seed-mlp).
        var mlpPeakRssBytes: Int
    }

    /// A table row as JSON: the figure, what it is compared with, and the verdict.
    struct Target: Encodable {
        var value: String
        var reference: String
        var ratio: Double?
        var target: Double?
        var direction: String?  // "<=" or ">="
        var pass: Bool?

        init(_ row: Row) {
            value = row.value
            reference = row.reference
            ratio = row.ratio
            target = row.target
            direction = row.target == nil ? nil : row.higherIsBetter ? ">=" : "<="
            pass = row.pass
        }
    }

    /// The report as one line of JSON.
    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// One line of the printed table: a figure, what it is compared with, and the ratio
/// against its target (none for diagnostics).
struct Row {
    var key, label, value, reference: String
    var ratio, target: Double?
    var higherIsBetter = false
    var pass: Bool? {
        guard let ratio, let target else { return nil }
        return higherIsBetter ? ratio >= target : ratio <= target
    }

    /// `rows` as a Markdown-style table with aligned columns.
    static func table(_ rows: [Row]) -> String {
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
        let rule = "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"
        return ([line(header), rule] + body.map(line)).joined(separator: "\n")
    }
}

func fmt(_ x: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", x) }

/// What a `--child-train` process prints: one JSON line.
struct ChildResult: Codable {
    var seconds: Double
    var peakRssBytes: Int

    enum CodingKeys: String, CodingKey {
        case seconds
        case peakRssBytes = "peak_rss_bytes"
    }
}
