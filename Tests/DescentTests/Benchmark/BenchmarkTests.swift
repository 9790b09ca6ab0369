import Foundation
import XCTest
@testable import Descent

final class BenchmarkTests: XCTestCase {
    /// Scrambling keeps every coordinate in [0, 1), the points distinct and stratified as the
    /// textbook sequence's, and point k a function of (k, d, seed) only.
    func testHaltonPoints() throws {
        let h = try Halton(dimensions: 3, seed: 7)
        let again = try Halton(dimensions: 3, seed: 7)
        XCTAssertEqual((0..<50).map(h.point), (0..<50).map(again.point))
        XCTAssertNotEqual(h.point(0), try Halton(dimensions: 3, seed: 8).point(0))
        let points = (0..<256).map(h.point)
        XCTAssertTrue(points.allSatisfy { $0.allSatisfy { (0..<1).contains($0) } })
        XCTAssertEqual(Set(points.map { $0[0] }).count, 256)
        // Low discrepancy: each of 8 equal bins in base 2's coordinate gets exactly 32 of 256
        // points, and each of 27 bins in base 3's gets 9 of the first 243.
        let bins = Dictionary(grouping: points, by: { Int($0[0] * 8) }).mapValues(\.count)
        XCTAssertEqual(bins.values.sorted(), Array(repeating: 32, count: 8))
        let bins3 = Dictionary(grouping: points.prefix(243), by: { Int($0[1] * 27) }).mapValues(\.count)
        XCTAssertEqual(bins3.values.sorted(), Array(repeating: 9, count: 27))
        XCTAssertThrowsError(try Halton(dimensions: 0, seed: 0))
        XCTAssertThrowsError(try Halton(dimensions: 17, seed: 0))
    }

    /// The studies of `--seed 0` are independent draws in every coordinate, the first (base 2,
    /// the learning rate's) included: a scrambling that fixes the digit 0 and uses one permutation per
    /// base leaves base 2 unscrambled, so every study tried the same learning rates.
    func testHaltonSeedsMoveEveryCoordinate() throws {
        let studies = try (0..<3).map { try Halton(dimensions: 6, seed: BenchmarkTrial.Plan.haltonSeed(baseSeed: 0, study: $0)) }
        for k in 0..<5 {
            for j in 0..<6 {
                XCTAssertEqual(Set(studies.map { $0.point(k)[j] }).count, 3, "trial \(k), coordinate \(j)")
            }
        }
        // Over 64 seeds, point 0's first coordinate falls in [0, ½) about half the time.
        let low = try (0..<64).filter { try Halton(dimensions: 1, seed: UInt64($0)).point(0)[0] < 0.5 }.count
        XCTAssertTrue((16...48).contains(low), "\(low) of 64 in [0, ½)")
    }

    func testSearchSpaceMapsTheUnitCubeToItsRanges() throws {
        let space = SearchSpace.defaultSpace(for: Adam.rule)
        XCTAssertEqual(space.dimensions.map(\.quantity), [.hyperParameter(.learningRate), .hyperParameter(.beta1), .hyperParameter(.beta2),
                                                           .hyperParameter(.weightDecay), .warmupFraction, .schedule])
        let corner = [Double](repeating: 0, count: 6), far = [Double](repeating: 0.999999, count: 6)
        let low = space.values(at: corner), high = space.values(at: far)
        XCTAssertEqual(low.hyperParameters[.learningRate]!, 1e-5, accuracy: 1e-9)
        XCTAssertEqual(high.hyperParameters[.learningRate]!, 1e-2, accuracy: 1e-6)
        XCTAssertEqual(low.hyperParameters[.beta1]!, 0.99, accuracy: 1e-6)
        XCTAssertEqual(high.hyperParameters[.beta1]!, 0.5, accuracy: 1e-5)
        XCTAssertEqual(low.hyperParameters[.beta2]!, 0.999, accuracy: 1e-6)
        XCTAssertEqual(low.hyperParameters[.weightDecay]!, 1e-6, accuracy: 1e-10)
        // The schedule: no warm-up and constant at 0; a 10 % warm-up and linear decay at the far corner.
        XCTAssertEqual(low.schedule, ScheduleRequest(kind: .constant))
        XCTAssertEqual(high.schedule.kind, .linear)
        guard case .fraction(let f)? = high.schedule.warmup else { return XCTFail("no warm-up at the far corner") }
        XCTAssertEqual(f, 0.1, accuracy: 1e-6)
        XCTAssertEqual(space.values(at: [0, 0, 0, 0, 0, 0.5]).schedule.kind, .cosine)
        let config = try space.values(at: far).applied(to: OptimizerConfig(kind: .adam), totalSteps: 1000)
        XCTAssertEqual(config.schedule, .linearWarmup(steps: 100, startFactor: 0.01, then: .linearDecay(totalSteps: 900, minimum: 0)))
        XCTAssertNil(try space.values(at: corner).applied(to: OptimizerConfig(kind: .adam), totalSteps: 1000).schedule)
        XCTAssertEqual(SearchSpace.defaultSpace(for: RMSprop.rule).dimensions.compactMap(\.parameter), [.learningRate, .alpha, .weightDecay],
                       "RMSprop's momentum is off by default, so not tuned")
        XCTAssertEqual(SearchSpace.defaultSpace(for: SGD.rule).dimensions.compactMap(\.parameter), [.learningRate, .weightDecay])
        // Every drawn point builds a valid optimizer of its rule, with its schedule.
        for kind in Registry.builtIn.optimizers {
            let space = SearchSpace.defaultSpace(for: kind.rule)
            let halton = try Halton(dimensions: space.dimensions.count, seed: 1)
            for k in 0..<20 {
                let config = try space.values(at: halton.point(k)).applied(to: OptimizerConfig(kind: kind), totalSteps: 480)
                XCTAssertNoThrow(try config.make(), "\(kind.rawValue) trial \(k)")
            }
        }
    }

    /// A plan's setting is a function of the plan, the rule, the workload and the seed:
    /// external trials differ from one another, self-tuning is the defaults over 3× the budget.
    func testTrialSettingIsAFunctionOfThePlan() throws {
        let w = BenchmarkSuite.quick.workloads[0]
        let plan = { (r: BenchmarkTrial.Ruleset, s: Int, t: Int) in
            BenchmarkTrial.Plan(workload: w.name, optimizer: "adam", ruleset: r, study: s, trial: t)
        }
        let a = try plan(.external, 1, 2).setting(rule: .adam, workload: w, baseSeed: 0)
        XCTAssertEqual(a, try plan(.external, 1, 2).setting(rule: .adam, workload: w, baseSeed: 0))
        XCTAssertNotEqual(a.config, try plan(.external, 1, 3).setting(rule: .adam, workload: w, baseSeed: 0).config)
        XCTAssertNotEqual(a.config, try plan(.external, 1, 2).setting(rule: .adam, workload: w, baseSeed: 5).config)
        XCTAssertEqual(a.seed, 1002)
        // Another --seed draws other studies, not the same ones shifted by one.
        XCTAssertNotEqual(try plan(.external, 0, 2).setting(rule: .adam, workload: w, baseSeed: 1).config,
                          try plan(.external, 1, 2).setting(rule: .adam, workload: w, baseSeed: 0).config)
        XCTAssertEqual(a.budget, w.stepBudget)
        let own = try plan(.self, 0, 0).setting(rule: .adam, workload: w, baseSeed: 0)
        XCTAssertEqual(own.config, OptimizerConfig(kind: .adam))
        XCTAssertEqual(own.budget, 3 * w.stepBudget)
    }

    /// A trial lets go of its network, optimizer and trainer when it returns: after two
    /// trials, eight more of a 784-2048-10 network leave the process's resident memory within
    /// the allocator's noise (it moved by up to 30 MB over 12 trials). Its validation closure
    /// once held the trainer that held it: each trial then kept 47 MB here, and a ResNet
    /// calibration grew by about 1.5 GB a trial until the kernel killed it.
    func testTrialsDoNotAccumulateMemory() throws {
        #if os(Linux)
        let w = Workload(name: "wide", model: "784-2048-10", trainImages: 600, validationImages: 1000, batchSize: 100,
                         metric: .accuracy, target: 1.01, stepBudget: 4, evalEvery: 2)
        let train = MalformedInputs.set(count: 600), validation = MalformedInputs.set(count: 1000)
        func trial(_ k: Int) throws {
            let plan = BenchmarkTrial.Plan(workload: w.name, optimizer: "adam", ruleset: .external, study: 0, trial: k)
            let t = try BenchmarkTrial.run(plan, workload: w, config: OptimizerConfig(kind: .adam), budget: 4, seed: UInt64(k),
                                           train: train, validation: validation)
            XCTAssertEqual(t.steps, 4)
        }
        func residentBytes() throws -> Int {
            let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
            return try XCTUnwrap(Int(statm[1])) * Int(sysconf(Int32(_SC_PAGESIZE)))
        }
        try trial(0)
        try trial(1)
        let before = try residentBytes()
        for k in 2...9 { try trial(k) }
        let grown = try residentBytes() - before
        XCTAssertLessThan(grown, 100_000_000, "resident memory grew by \(grown / 1_000_000) MB over 8 trials")
        #else
        throw XCTSkip("reads /proc/self/statm")
        #endif
    }

    /// Dolan & Moré's profile and AlgoPerf's normalised area, on numbers worked by hand.
    func testPerformanceProfile() throws {
        // Workload 1: a 10, b 20, c never; workload 2: a 30, b 15, c 60.
        let p = try PerformanceProfile(methods: ["a", "b", "c"], times: [[10, 30], [20, 15], [nil, 60]])
        XCTAssertEqual(p.ratios[0], [1, 2])
        XCTAssertEqual(p.ratios[1], [2, 1])
        XCTAssertEqual(p.ratios[2], [.infinity, 4])
        XCTAssertEqual(p.fraction(0, within: 1), 0.5)
        XCTAssertEqual(p.fraction(0, within: 2), 1)
        XCTAssertEqual(p.fraction(2, within: 3.9), 0)
        // a: ((4 − 1) + (4 − 2)) / 2 / 3 = 5/6; c: (0 + 0) / 2 / 3 = 0.
        XCTAssertEqual(p.score(0), 5.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(p.score(1), 5.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(p.score(2), 0, accuracy: 1e-12)
        XCTAssertThrowsError(try PerformanceProfile(methods: ["a"], times: [[0]]))
        XCTAssertThrowsError(try PerformanceProfile(methods: ["a", "b"], times: [[1]]))
    }

    static func trial(_ workload: Workload, _ optimizer: String, study: Int, trial: Int, target: Int?, steps: Int = 100, seconds: Double = 1) -> BenchmarkTrial {
        let curve = target.map { [BenchmarkTrial.Point(step: $0, seconds: seconds * Double($0) / Double(steps), value: workload.target)] } ?? []
        return BenchmarkTrial(plan: .init(workload: workload.name, optimizer: optimizer, ruleset: .external, study: study, trial: trial),
                              workload: workload, optimizer: OptimizerConfig(kind: .adam), seed: 0, targetStep: target,
                              targetSeconds: target.map { seconds * Double($0) / Double(steps) }, steps: steps, seconds: seconds,
                              curve: curve, diverged: false, kernels: "k", threads: 1)
    }

    /// The time left is summed trial by trial from what the same rule cost on the same
    /// workload (then the workload's median, then the median of all), scaled by the wall time
    /// this process spent per training second.
    func testTimeLeftIsEstimatedPerRuleAndWorkload() throws {
        let w1 = Workload(name: "w1", model: "784-10", trainImages: 10, validationImages: 5, batchSize: 5, metric: .accuracy,
                          target: 0.5, stepBudget: 100, evalEvery: 10)
        var w2 = w1
        w2.name = "w2"
        let plan = { (w: String, o: String) in BenchmarkTrial.Plan(workload: w, optimizer: o, ruleset: .external, study: 0, trial: 9) }
        XCTAssertNil(TimeLeftEstimate().secondsLeft([plan("w1", "adam")]))
        XCTAssertEqual(TimeLeftEstimate().secondsLeft([]), 0)
        var e = TimeLeftEstimate(recorded: [Self.trial(w1, "adam", study: 0, trial: 0, target: nil, seconds: 10),
                                            Self.trial(w1, "adam", study: 0, trial: 1, target: nil, seconds: 20),
                                            Self.trial(w1, "muon", study: 0, trial: 0, target: nil, seconds: 300),
                                            Self.trial(w2, "adam", study: 0, trial: 0, target: nil, seconds: 2)])
        XCTAssertEqual(e.expectedTrainingSeconds(plan("w1", "adam")), 15)
        XCTAssertEqual(e.expectedTrainingSeconds(plan("w1", "muon")), 300)
        XCTAssertEqual(e.expectedTrainingSeconds(plan("w1", "lion")), 20, "the median of w1's trials")
        XCTAssertEqual(e.expectedTrainingSeconds(plan("w3", "adam")), 15, "the median of all trials")
        XCTAssertEqual(e.secondsLeft([plan("w1", "muon"), plan("w1", "muon"), plan("w2", "adam")]), 602)
        // A trial of this process: 2 s of training in 3 s of wall time, so every estimate × 1.5.
        e.finished(Self.trial(w2, "adam", study: 0, trial: 1, target: nil, seconds: 2), wallSeconds: 3)
        XCTAssertEqual(try XCTUnwrap(e.secondsLeft([plan("w1", "muon"), plan("w2", "adam")])), 1.5 * 302, accuracy: 1e-9)
    }

    /// Each study's fastest trial, the median over studies (a missing study counts as ∞),
    /// times the median seconds per step.
    func testScoresTakeTheMedianStudysFastestTrial() throws {
        let w = Workload(name: "w", model: "784-10", trainImages: 10, validationImages: 5, batchSize: 5, metric: .accuracy,
                         target: 0.5, stepBudget: 100, evalEvery: 10)
        let trials = [Self.trial(w, "adam", study: 0, trial: 0, target: 40), Self.trial(w, "adam", study: 0, trial: 1, target: 20),
                      Self.trial(w, "adam", study: 1, trial: 0, target: 60), Self.trial(w, "adam", study: 1, trial: 1, target: nil),
                      Self.trial(w, "adam", study: 2, trial: 0, target: nil), Self.trial(w, "adam", study: 2, trial: 1, target: 30)]
        let e = try XCTUnwrap(BenchmarkScores(trials).entries.first)
        XCTAssertEqual(e.studySteps, [20, 60, 30])
        XCTAssertEqual(e.medianSteps, 30)
        XCTAssertEqual(e.chosen.plan.key, "w·adam·external·s2·t1")
        XCTAssertEqual(e.time, 30 * 0.01, accuracy: 1e-12)
        XCTAssertEqual(BenchmarkScores.median([1, .infinity]), .infinity)
        XCTAssertEqual(BenchmarkScores.median([3, 1, 2]), 2)
    }

    /// The store keeps what was appended, checks each line, and cuts a torn last line.
    func testStoreChecksLinesAndSurvivesATornLine() throws {
        let w = BenchmarkSuite.quick.workloads[0]
        let path = Support.temporaryFolder("store") + "/trials.jsonl"
        let store = BenchmarkStore(path: path)
        try store.append(Self.trial(w, "sgd", study: 0, trial: 0, target: 32))
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes.append(contentsOf: Array("{\"plan\":{\"workl".utf8))   // a process killed mid-write
        try bytes.write(to: URL(fileURLWithPath: path))
        var read = try store.read()
        XCTAssertEqual(read.trials.count, 1)
        XCTAssertEqual(read.rejected.count, 1)
        try store.append(Self.trial(w, "sgd", study: 0, trial: 1, target: nil))
        read = try store.read()
        XCTAssertEqual(read.trials.map(\.plan.trial), [0, 1])
        XCTAssertEqual(read.rejected, [])
        // A target step its curve does not show is not trusted.
        var forged = Self.trial(w, "sgd", study: 0, trial: 2, target: 32)
        forged.targetStep = 16
        try store.append(forged)
        XCTAssertEqual(try store.read().rejected.count, 1)
    }
}
