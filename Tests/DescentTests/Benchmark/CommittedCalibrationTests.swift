import Foundation
import XCTest
import Descent

/// The suites' targets are the calibrations committed under docs/benchmark: every trial
/// there is the one `descent benchmark --calibrate` draws now (the same Halton point,
/// schedule and seed, on the same workload with an unreachable target), and each target
/// is the median over its three studies of each study's best, to the four decimals the
/// command prints. A change to the search space or the sampler fails here until the
/// calibration is run again.
final class CommittedCalibrationTests: XCTestCase {
    func testQuickTargetsAreTheCommittedCalibration() throws {
        try check(BenchmarkSuite.quick, against: "docs/benchmark/quick-calibration/trials.jsonl")
    }

    func testStandardAndFullTargetsAreTheCommittedCalibration() throws {
        try check(BenchmarkSuite.full, against: "docs/benchmark/standard-calibration/trials.jsonl")
    }

    private func check(_ suite: BenchmarkSuite, against path: String) throws {
        let file = Support.repositoryRoot + "/" + path
        let (trials, rejected) = try BenchmarkStore(path: file).read()
        XCTAssertTrue(rejected.isEmpty, "\(path): \(rejected)")
        for w in suite.workloads {
            let group = trials.filter { $0.plan.workload == w.name }
            XCTAssertEqual(group.count, 15, "\(w.name): 3 studies × 5 trials")
            for t in group {
                XCTAssertEqual(t.plan.optimizer, Calibration.baseline.rawValue, t.plan.key)
                XCTAssertEqual(t.plan.ruleset, BenchmarkTrial.Ruleset.external, t.plan.key)
                XCTAssertEqual(t.workload, Calibration.unreachable(w), "\(t.plan.key): the workload as calibrated")
                let setting = try t.plan.setting(rule: Calibration.baseline, workload: w, baseSeed: 0)
                XCTAssertTrue(t.isDrawn(by: setting), "\(t.plan.key) is not the trial the plan draws now")
                XCTAssertEqual(t.steps, w.stepBudget, "\(t.plan.key) spent its budget")
            }
            let target = try XCTUnwrap(Calibration.target(from: group, metric: w.metric), w.name)
            XCTAssertEqual(target, w.target, accuracy: 0.00005 + 1e-9, "\(w.name): calibrated \(target)")
        }
    }
}
