import XCTest
@testable import Descent

final class SweepTests: XCTestCase {
    func testRunKeysAreStableAndDistinct() {
        let a = RunSpec(config: .seedMLP(OptimizerConfig(kind: .adam)), seed: 0)
        let b = RunSpec(config: .seedMLP(OptimizerConfig(kind: .adam)), seed: 1)
        var lr = OptimizerConfig(kind: .adam)
        lr.learningRate = 0.01
        let c = RunSpec(config: .seedMLP(lr), seed: 0)
        XCTAssertEqual(a.key, RunSpec(config: .seedMLP(OptimizerConfig(kind: .adam)), seed: 0).key)
        XCTAssertEqual(Set([a.key, b.key, c.key]).count, 3)
        XCTAssertEqual(a.key.count, 16)
        // FNV-1a 64 of the empty string is the offset basis: pins the hash function itself.
        XCTAssertEqual(RunSpec.fnv1a64(""), "cbf29ce484222325")
        XCTAssertEqual(RunSpec.fnv1a64("a"), "af63dc4c8601ec8c")
    }

    func testPresetsAndCanonicalOrder() {
        let sweep = Sweep.preset(.full, dataset: .fashionMNIST)
        XCTAssertEqual(sweep.runs.count, 6 * 30)
        XCTAssertEqual(sweep.configs.map(\.optimizer.kind), [.sgd, .momentum, .adagrad, .rmsprop, .adadelta, .adam])
        XCTAssertEqual(sweep.configs[0].epochs, 20)
        // Seed-major: the first six runs are the six optimizers with seed 0.
        XCTAssertEqual(sweep.runs.prefix(6).map(\.seed), Array(repeating: 0, count: 6))
        XCTAssertEqual(Sweep.preset(.quick, dataset: .mnist).runs.count, 12)
    }

    func testShardsPartitionTheRunList() throws {
        let runs = Sweep.preset(.full, dataset: .fashionMNIST).runs
        for n in [1, 2, 3, 7] {
            let shards = try (0..<n).map { try Shard(index: $0, count: n).select(runs) }
            XCTAssertEqual(shards.map(\.count).reduce(0, +), runs.count)
            XCTAssertEqual(Set(shards.flatMap { $0.map(\.key) }), Set(runs.map(\.key)))
        }
        XCTAssertEqual(try Shard.parse("2/5"), try Shard(index: 2, count: 5))
        for bad in ["5/5", "-1/2", "1", "a/b", "1/0"] {
            XCTAssertThrowsError(try Shard.parse(bad), bad)
        }
    }

    func testShardFromSchedulerEnvironment() throws {
        XCTAssertNil(try Shard.fromEnvironment([:]))
        // Slurm arrays often start at 1: --array=1-4 gives ids 1…4 with MIN=1.
        XCTAssertEqual(try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"]),
                       try Shard(index: 2, count: 4))
        XCTAssertEqual(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1", "DESCENT_SHARD_COUNT": "3"]),
                       try Shard(index: 1, count: 3))
        XCTAssertThrowsError(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "1"]))
    }

    func testExecutionPlanNeverOversubscribes() {
        for cores in 1...4 {
            for pending in 0...6 {
                let p = ExecutionPlan.choose(pendingRuns: pending, cores: cores, jobs: nil)
                XCTAssertLessThanOrEqual(p.jobs * p.threadsPerJob, cores)
                XCTAssertGreaterThanOrEqual(p.jobs, 1)
                // Enough runs: one per core, one BLAS thread each; a single run gets every core.
                if pending >= cores { XCTAssertEqual(p.jobs, cores) }
                if pending == 1 { XCTAssertEqual(p.threadsPerJob, cores) }
            }
        }
    }

    /// `--jobs` is obeyed even past the cores (4 jobs on 2 cores), with one thread each.
    func testExplicitJobsAreHonouredEvenWhenTheyOversubscribe() {
        let p = ExecutionPlan.choose(pendingRuns: 10, cores: 2, jobs: 1)
        XCTAssertEqual(p.jobs, 1)
        XCTAssertEqual(p.threadsPerJob, 2)
        let q = ExecutionPlan.choose(pendingRuns: 10, cores: 2, jobs: 4)
        XCTAssertEqual(q.jobs, 4)
        XCTAssertEqual(q.threadsPerJob, 1)
    }

    func testStatistics() {
        XCTAssertEqual(Statistics.mean([1, 2, 3, 4]), 2.5)
        // Sample std of 2,4,4,4,5,5,7,9: Σ(x−5)² = 32, /7 → √(32/7).
        XCTAssertEqual(Statistics.standardDeviation([2, 4, 4, 4, 5, 5, 7, 9]), (32.0 / 7).squareRoot(), accuracy: 1e-12)
        // n = 3, s = 0.02: t(0.975, 2) = 4.303 → 4.303 · 0.02 / √3.
        XCTAssertEqual(Statistics.confidenceHalfWidth95([0.70, 0.72, 0.74]), 4.303 * 0.02 / 3.0.squareRoot(), accuracy: 1e-9)
        XCTAssertTrue(Statistics.confidenceHalfWidth95([1]).isNaN)
    }
}

