import Foundation
import XCTest
@testable import Descent

/// `--schedule`/`--warmup` (`ScheduleRequest`) against torch's schedulers, step by step:
/// `Tools/make_schedule_fixtures.py` records the lr torch's LinearLR (warm-up), then
/// CosineAnnealingLR / LinearLR / StepLR / ConstantLR (joined by SequentialLR) give each step
/// of a run; Descent's resolved schedule must give the same float32 rate at every step, to
/// 1 ulp (torch updates cosine and linear rates recursively in Double, Descent uses their
/// closed forms and rounds once, so the last bit may differ).
extension OptimizerTests {
    struct ScheduleFixture: Decodable {
        struct Case: Decodable {
            let name, schedule: String
            let warmup: String?
            let minLR: Float?
            let decayEvery: Int?
            let decayFactor: Float?
            let steps: Int
            let lr: Float
            let warmupSteps: Int
            let learningRates: [Double]
        }
        let torch: String
        let cases: [Case]
    }

    func testSchedulesMatchTorchsSchedulersStepByStep() throws {
        let url = Support.fixtures.appendingPathComponent("schedules/torch-schedulers.json")
        let fixture = try JSONDecoder().decode(ScheduleFixture.self, from: Data(contentsOf: url))
        XCTAssertEqual(Set(fixture.cases.map(\.schedule)), Set(ScheduleRequest.Kind.allCases.map(\.rawValue)))
        var worst = 0.0
        for c in fixture.cases {
            let request = ScheduleRequest(kind: try XCTUnwrap(ScheduleRequest.Kind(rawValue: c.schedule)),
                                          warmup: try c.warmup.map(ScheduleRequest.warmup), minimum: c.minLR,
                                          decayEvery: c.decayEvery, decayFactor: c.decayFactor)
            let schedule = try request.resolve(totalSteps: c.steps)
            if case .linearWarmup(let w, _, _)? = schedule { XCTAssertEqual(w, c.warmupSteps, c.name) } else {
                XCTAssertEqual(c.warmupSteps, 0, c.name)
            }
            XCTAssertEqual(c.learningRates.count, c.steps, c.name)
            for (t, expected) in c.learningRates.enumerated() {
                let ours = schedule?.learningRate(at: t, base: c.lr) ?? c.lr
                let theirs = Float(expected)
                let ulps = Double(abs(ours - theirs)) / Double(theirs.ulp)
                worst = max(worst, ulps)
                if ulps > 1 { XCTFail("\(c.name) step \(t): descent \(ours), torch \(theirs) (\(ulps) ulp)"); break }
            }
        }
        print("schedules vs torch \(fixture.torch): worst \(worst) ulp over \(fixture.cases.map(\.steps).reduce(0, +)) steps")
    }
}
