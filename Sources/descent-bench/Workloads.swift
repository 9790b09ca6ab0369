// The workloads and instruments of descent-bench: the seed-mlp and seed-ae trainers,
// the GEMM recorder and replay, the optimizers' memory-traffic floors, clocks, peak RSS
// and the load average.
import Descent
import Foundation
#if canImport(Glibc)
import Glibc
#endif

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

    /// Replays every call (or those `selected`): a call of `BLAS.gemm` through it again
    /// (split over the pool), and the calls of one pass over examples (`pass` > 0) as that
    /// pass ran them, each part's calls on a thread of its own (`BLAS.gemmUnsplit`).
    func run(every k: Int = 0, where selected: (BLAS.Call) -> Bool = { _ in true }, _ between: () -> Void = {}) {
        var i = 0
        while i < calls.count {
            let c = calls[i], o = operands[i]
            guard c.pass != 0 else {
                if selected(c) {
                    BLAS.gemm(m: c.m, n: c.n, k: c.k, o.a, lda: c.lda, transposeA: c.transposeA,
                              o.b, ldb: c.ldb, transposeB: c.transposeB, o.c, ldc: c.ldc,
                              alpha: c.alpha, beta: c.beta)
                }
                i += 1
                if k > 0 && i % k == 0 { between() }
                continue
            }
            var end = i
            while end < calls.count && calls[end].pass == c.pass { end += 1 }
            let group = i..<end
            Parallel.run(parts: (group.map { calls[$0].part }.max() ?? 0) + 1) { part, _ in
                for j in group where calls[j].part == part && selected(calls[j]) {
                    let c = calls[j], o = operands[j]
                    BLAS.gemmUnsplit(m: c.m, n: c.n, k: c.k, o.a, lda: c.lda, transposeA: c.transposeA,
                                     o.b, ldb: c.ldb, transposeB: c.transposeB, o.c, ldc: c.ldc,
                                     alpha: c.alpha, beta: c.beta, part: part)
                }
            }
            i = end
        }
    }
}

/// Runs `body` with every GEMM recorded; returns the calls.
func recordGemms(_ body: () throws -> Void) rethrows -> [BLAS.Call] {
    try BLAS.recordingCalls(body)
}

/// The middle value (the mean of the two middle ones for an even count).
func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
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
