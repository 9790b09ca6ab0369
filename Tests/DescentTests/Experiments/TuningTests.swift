import XCTest
@testable import Descent
@testable import DescentReport

/// The validation split, the learning-rate grid, the choice of a rate, and the tuning report.
final class TuningTests: XCTestCase {
    /// The repository this test file is in.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    // MARK: Validation split

    /// Images whose first two pixels spell their index in the file.
    func numberedImages(_ n: Int) throws -> ImageSet {
        var pixels = [UInt8](repeating: 0, count: n * 4)
        for i in 0..<n { pixels[i * 4] = UInt8(i >> 8); pixels[i * 4 + 1] = UInt8(i & 255) }
        return try ImageSet(count: n, height: 2, width: 2, pixels: pixels, labels: (0..<n).map { UInt8($0 % 10) })
    }

    func indices(_ s: ImageSet) -> [Int] { (0..<s.count).map { Int(s.pixels[$0 * 4]) << 8 | Int(s.pixels[$0 * 4 + 1]) } }

    func testSplitIsDisjointFromTrainingAndTheSameEveryTime() throws {
        let images = try numberedImages(1000)
        let split = try ValidationSplit(count: 100, of: 1000)
        XCTAssertEqual(split, try ValidationSplit(count: 100, of: 1000))
        XCTAssertEqual(split.validationIndices.count, 100)
        XCTAssertEqual(split.validationIndices, split.validationIndices.sorted())
        XCTAssertEqual(Set(split.validationIndices).union(split.trainingIndices), Set(0..<1000))
        let (train, validation) = try split.apply(to: images)
        XCTAssertEqual(indices(validation), split.validationIndices)
        XCTAssertEqual(indices(train), split.trainingIndices)
        XCTAssertTrue(Set(indices(train)).isDisjoint(with: indices(validation)))
        XCTAssertEqual(validation.labels, split.validationIndices.map { UInt8($0 % 10) })
        // A train limit takes the first of the remaining images, never a held-out one.
        let (limited, sameValidation) = try split.apply(to: images, trainLimit: 50)
        XCTAssertEqual(indices(limited), Array(split.trainingIndices.prefix(50)))
        XCTAssertEqual(indices(sameValidation), split.validationIndices)
        // The rule is pinned: the same images on every machine and in every version.
        XCTAssertEqual(split.fingerprint, "5ee012ec5a1b30ab")
        XCTAssertEqual(try ValidationSplit(count: 500, of: 60000).fingerprint, "e8aaa38821c482a9")
        // It does not depend on a run's seed: a run executor holds out the same images for any seed.
        let config = ClassifierRunConfig(dataset: .fashionMNIST, model: try .mlp(sizes: [4, 10], activation: .relu, inputDropout: 0, hiddenDropout: 0),
                                         batchSize: 10, epochs: 1, trainLimit: 300, validation: 100, optimizer: OptimizerConfig(kind: .sgd))
        let (t, v, s) = try RunExecutor.images(config, train: images)
        XCTAssertEqual(s?.fingerprint, split.fingerprint)
        XCTAssertEqual(indices(v!), split.validationIndices)
        XCTAssertEqual(indices(t), Array(split.trainingIndices.prefix(300)))
        for bad in [0, -1, 1000, 2000] { XCTAssertThrowsError(try ValidationSplit(count: bad, of: 1000), "\(bad)") }
    }

    func testValidationIsLeftOutOfTheRunKeyWhenAbsent() throws {
        let plain = ClassifierRunConfig.seedMLP(OptimizerConfig(kind: .adam))
        XCTAssertFalse(plain.canonicalJSON.contains("validation"))
        var zero = plain
        zero.validation = 0
        XCTAssertFalse(zero.canonicalJSON.contains("validation"))
        XCTAssertEqual(RunSpec(config: zero, seed: 3).key, RunSpec(config: plain, seed: 3).key)
        let held = ClassifierRunConfig.seedMLP(OptimizerConfig(kind: .adam), validation: 10_000)
        XCTAssertTrue(held.canonicalJSON.contains("\"validation\":10000"))
        XCTAssertNotEqual(RunSpec(config: held, seed: 3).key, RunSpec(config: plain, seed: 3).key)
        let decoded = try JSONDecoder().decode(ClassifierRunConfig.self, from: Data(held.canonicalJSON.utf8))
        XCTAssertEqual(decoded, held)
        // Every record of the committed comparison still has the key its configuration and seed give.
        let records = try ResultsStore(path: TuningTests.repository + "/docs/comparison/results.jsonl").read().records
        XCTAssertEqual(records.count, 18)
        for r in records { XCTAssertEqual(RunSpec(config: r.config, seed: r.seed).key, r.key) }
    }

    func testEpochMetricsWithoutValidationKeepTheirKeys() throws {
        let m = EpochMetrics(epoch: 1, trainLoss: 1, testLoss: 2, testAccuracy: 0.5, seconds: 3)
        let keys = try JSONSerialization.jsonObject(with: JSONEncoder().encode(m)) as! [String: Any]
        XCTAssertEqual(Set(keys.keys), ["epoch", "train_loss", "test_loss", "test_accuracy", "seconds"])
        var v = m
        v.validationLoss = 1.5; v.validationAccuracy = 0.6
        let both = try JSONSerialization.jsonObject(with: JSONEncoder().encode(v)) as! [String: Any]
        XCTAssertEqual(Set(both.keys), ["epoch", "train_loss", "test_loss", "test_accuracy", "seconds", "validation_loss", "validation_accuracy"])
    }

    // MARK: Grid

    func testGridRatesAndParsing() throws {
        XCTAssertEqual(try LearningRateGrid.parse("1e-4:1:9").rates, [0.0001, 0.000316, 0.001, 0.00316, 0.01, 0.0316, 0.1, 0.316, 1])
        XCTAssertEqual(TuningPlan.Preset.deepobs.grid.rates.count, 36)
        XCTAssertEqual(TuningPlan.Preset.deepobs.grid.rates.first, 1e-5)
        XCTAssertEqual(TuningPlan.Preset.deepobs.grid.rates.last, 100)
        XCTAssertEqual(TuningPlan.Preset.quick.grid.rates, [0.0001, 0.001, 0.01, 0.1, 1])
        XCTAssertEqual(try LearningRateGrid.parse("0.01:0.01:1").rates, [0.01])
        for bad in ["1:0.1:3", "0:1:3", "-1:1:3", "1e-3:1", "a:b:c", "1e-3:1:0", "0.1:0.1:2", "1e-3:inf:3", "1e-3:1:5000"] {
            XCTAssertThrowsError(try LearningRateGrid.parse(bad), bad)
        }
    }

    // MARK: Choice

    /// A plan of two optimizers over four rates, three seeds.
    func fixturePlan(_ select: TuningPlan.Criterion = .accuracy) throws -> TuningPlan {
        let model = try ModelSpec.mlp(sizes: [4, 10], activation: .relu, inputDropout: 0, hiddenDropout: 0)
        let base = [OptimizerKind.sgd, .adam].map {
            ClassifierRunConfig(dataset: .fashionMNIST, model: model, batchSize: 10, epochs: 2, validation: 100,
                                optimizer: OptimizerConfig(kind: $0))
        }
        return try TuningPlan(base: base, rates: [0.001, 0.01, 0.1, 1], seeds: [0, 1, 2], select: select)
    }

    /// A record of `spec` whose final epoch has these validation and test values.
    func record(_ spec: RunSpec, validation: (Double, Double)?, test: (Double, Double) = (0.5, 1), diverged: Bool = false,
                epochs: Int? = nil) -> RunRecord {
        let n = epochs ?? spec.config.epochs
        let metrics = (1...max(n, 1)).prefix(n).map { e in
            EpochMetrics(epoch: e, trainLoss: 1, testLoss: test.1, testAccuracy: test.0,
                         validationLoss: validation?.1, validationAccuracy: validation?.0, seconds: 1)
        }
        return RunRecord(key: spec.key, seed: spec.seed, config: spec.config, status: diverged ? .diverged : .finished,
                         epochs: metrics, divergence: diverged ? "training loss is not finite at epoch 1, step 3" : nil,
                         divergedEpoch: diverged ? 1 : nil, divergedStep: diverged ? 3 : nil, totalSeconds: 1,
                         environment: RunEnvironment(descentVersion: "t", threads: 1, hostname: "h", cpu: "c", cores: 2, os: "o"),
                         finishedAt: "2026-01-01T00:00:00Z")
    }

    /// Grid records: SGD's best validation accuracy is at 0.1 (whose *test* accuracy is
    /// the worst: test must not be looked at); 1 diverged. Adam: 0.001 and 0.01 tie on
    /// accuracy (the lower rate wins); 0.1 has a NaN validation value; 1 stopped early.
    func fixtureGrid(_ plan: TuningPlan) -> [RunRecord] {
        let sgd = plan.base[0], adam = plan.base[1]
        func at(_ c: ClassifierRunConfig, _ r: Float) -> RunSpec { RunSpec(config: TuningPlan.config(c, rate: r), seed: plan.gridSeed) }
        return [
            record(at(sgd, 0.001), validation: (0.30, 2.0), test: (0.90, 0.2)),
            record(at(sgd, 0.01), validation: (0.60, 1.0), test: (0.90, 0.2)),
            record(at(sgd, 0.1), validation: (0.80, 0.7), test: (0.10, 3.0)),
            record(at(sgd, 1), validation: nil, diverged: true, epochs: 1),
            record(at(adam, 0.001), validation: (0.85, 0.5)),
            record(at(adam, 0.01), validation: (0.85, 0.4)),
            record(at(adam, 0.1), validation: (.nan, .nan)),
            record(at(adam, 1), validation: (0.99, 0.01), epochs: 1),
        ]
    }

    func testChoicePicksTheBestValidationScore() throws {
        let plan = try fixturePlan()
        let grid = fixtureGrid(plan)
        XCTAssertNil(plan.choose(Array(grid.dropLast())), "no choice while a grid run is missing")
        XCTAssertNil(plan.phase2(Array(grid.dropFirst())))
        let choices = try XCTUnwrap(plan.choose(grid.shuffled()))
        XCTAssertEqual(choices.map(\.rate), [0.1, 0.001])
        XCTAssertEqual(choices[0].points.map(\.score), [0.30, 0.60, 0.80, nil])
        XCTAssertTrue(choices[0].points[3].diverged)
        XCTAssertEqual(choices[1].points.map(\.score), [0.85, 0.85, nil, nil])
        // By loss: SGD still 0.1 (0.7), Adam 0.01 (0.4).
        let byLoss = try fixturePlan(.loss)
        XCTAssertEqual(byLoss.choose(grid)!.map(\.rate), [0.1, 0.01])
        // The reruns: chosen rates × seeds, minus runs already in phase 1. Adam's 0.001 is
        // its default rate, whose runs phase 1 has with every seed: nothing to rerun.
        let reruns = try XCTUnwrap(plan.phase2(grid))
        XCTAssertEqual(reruns.map(\.seed), [1, 2])
        XCTAssertTrue(reruns.allSatisfy { $0.config.optimizer == OptimizerConfig(kind: .sgd, learningRate: 0.1) })
        // A default rate on the grid is the default-rate run: one key.
        XCTAssertEqual(plan.phase1.count, 4 * 2 + 2 * 3 - 2)
        XCTAssertNil(TuningPlan.config(plan.base[1], rate: 0.001).optimizer.learningRate)
        // Nothing finished: no choice for that optimizer, and no rerun.
        let allDiverged = grid.map { r -> RunRecord in r.config.optimizer.kind == .sgd ? record(RunSpec(config: r.config, seed: r.seed), validation: nil, diverged: true, epochs: 0) : r }
        XCTAssertNil(plan.choose(allDiverged)![0].best)
        XCTAssertEqual(plan.phase2(allDiverged)!.count, 0)
    }

    func testPlanNeedsAValidationSplit() throws {
        var plan = try fixturePlan()
        plan.base[0].validation = nil
        XCTAssertThrowsError(try TuningPlan(base: plan.base, rates: plan.rates, seeds: plan.seeds))
        XCTAssertThrowsError(try TuningPlan(base: [plan.base[1], plan.base[1]], rates: plan.rates, seeds: plan.seeds))
    }

    // MARK: Report

    /// Every record of the fixture plan, with a diverged default-rate run and NaNs about.
    func fixtureRecords(_ plan: TuningPlan) -> [RunRecord] {
        var records = fixtureGrid(plan)
        for s in plan.seeds.dropFirst() {
            records.append(record(RunSpec(config: plan.base[0], seed: s), validation: (0.6, 1), test: (0.70, 0.9)))
            records.append(record(RunSpec(config: plan.base[1], seed: s), validation: (0.85, 0.5), test: (0.80, 0.6), diverged: s == 2))
            records.append(record(RunSpec(config: TuningPlan.config(plan.base[0], rate: 0.1), seed: s), validation: (0.8, 0.7), test: (0.90, 0.3)))
        }
        return records
    }

    func testReportHasTheTablesTheSentenceAndNoNaN() throws {
        let plan = try fixturePlan()
        let report = TuningReport(plan: plan, records: fixtureRecords(plan))
        let s = report.summary
        XCTAssertTrue(s.gridComplete && s.tunedComplete)
        XCTAssertEqual(s.rows.map(\.chosenRate), [0.1, 0.001])
        XCTAssertEqual(s.rows[1].atDefault.diverged, 1)
        // Default rates: SGD 0.9/0.7/0.7 (mean 0.767) ahead of Adam 0.5/0.8 (seed 2 diverged, 0.65).
        // Tuned: SGD at 0.1 has 0.1/0.9/0.9 (0.633), Adam stays at its default: the order flips.
        XCTAssertEqual(s.rows[0].atDefault.accuracyMean, (0.9 + 0.7 + 0.7) / 3, accuracy: 1e-12)
        XCTAssertEqual(s.defaultRanking, ["SGD", "Adam"])
        XCTAssertEqual(s.tunedRanking, ["Adam", "SGD"])
        XCTAssertTrue(s.rankingSentence.contains("changed"), s.rankingSentence)
        XCTAssertTrue(s.rankingSentence.contains("Adam 2nd → 1st, SGD 1st → 2nd"), s.rankingSentence)
        let folder = Support.temporaryFolder()
        let files = try report.write(to: folder)
        XCTAssertEqual(Set(files), ["summary.csv", "summary.md", "lr-sensitivity.svg", "lr-sensitivity.png", "report.html"])
        for name in ["summary.csv", "summary.md", "lr-sensitivity.svg", "report.html"] {
            let text = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
            for bad in ["nan", "NaN", "inf"] { XCTAssertFalse(text.contains(bad), "\(name) contains \(bad)") }
        }
        let md = try String(contentsOfFile: folder + "/summary.md", encoding: .utf8)
        XCTAssertTrue(md.contains("| 1.0 | ✗ | ✗ |"), md)
        XCTAssertTrue(md.contains("0.8000 ◀"), md)
        // The chart: a log axis with decade ticks, the chosen rates ringed, the diverged point crossed.
        let svg = try String(contentsOfFile: folder + "/lr-sensitivity.svg", encoding: .utf8)
        for tick in [">0.001<", ">0.01<", ">0.1<", ">1<"] { XCTAssertTrue(svg.contains(tick), tick) }
        XCTAssertGreaterThanOrEqual(svg.components(separatedBy: "r=\"7\" fill=\"none\"").count - 1, 3, "2 chosen rings + the legend's")
        XCTAssertGreaterThanOrEqual(svg.components(separatedBy: "stroke-width=\"2\" fill=\"none\"/>").count - 1, 4, "3 crosses + the legend's")
        XCTAssertTrue(svg.contains("diverged (drawn at the bottom)"))
        // Partial results: a sentence saying so, still no NaN.
        let partial = TuningReport(plan: plan, records: Array(fixtureGrid(plan).prefix(3)))
        XCTAssertTrue(partial.summary.rankingSentence.contains("not known yet"))
        for text in [partial.markdown(), partial.csv(), partial.html()] {
            XCTAssertFalse(text.contains("nan") || text.contains("NaN"), text)
        }
    }

    func testLogAxisSpacesDecadesEvenly() throws {
        var chart = LineChart(series: [try Series(name: "a", x: [1e-4, 1e-2, 1], y: [0, 1, 0])])
        chart.xLogScale = true
        let (layout, _) = ChartLayout.make(chart: chart, width: 600, height: 400)
        let gap1 = layout.px(1e-2) - layout.px(1e-4), gap2 = layout.px(1) - layout.px(1e-2)
        XCTAssertEqual(gap1, gap2, accuracy: 1e-9)
        XCTAssertGreaterThan(gap1, 0)
        XCTAssertEqual(layout.xTicks, [1e-4, 1e-3, 1e-2, 1e-1, 1])
        XCTAssertEqual(layout.xTickLabels, ["1e\u{2212}4", "0.001", "0.01", "0.1", "1"])
    }

    func testComparisonBestEpochUsesValidation() throws {
        let plan = try fixturePlan()
        let c = plan.base[0]
        // Validation peaks at epoch 1, test at epoch 2: the best epoch is 1.
        var r = record(RunSpec(config: c, seed: 0), validation: (0.5, 1))
        r.epochs[0].validationAccuracy = 0.9; r.epochs[0].testAccuracy = 0.1
        r.epochs[1].validationAccuracy = 0.2; r.epochs[1].testAccuracy = 0.95
        let summary = SweepSummary(records: [r])
        XCTAssertTrue(summary.groups[0].hasValidation)
        XCTAssertEqual(summary.groups[0].bestEpoch, 1)
        XCTAssertTrue(ComparisonReport(records: [r]).markdown().contains("best epoch by validation"))
        // Without validation data the old rule (test) stays.
        r.epochs[0].validationAccuracy = nil; r.epochs[1].validationAccuracy = nil
        XCTAssertEqual(SweepSummary(records: [r]).groups[0].bestEpoch, 2)
    }
}
