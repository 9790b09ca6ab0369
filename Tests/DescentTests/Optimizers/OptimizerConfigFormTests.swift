import Foundation
import XCTest
@testable import Descent

/// `OptimizerConfig`'s JSON is the input of every run key (FNV-1a of the canonical run
/// config), and its `summary` labels every report: both are pinned here, byte for byte, as
/// they were before the optimizers moved to one descriptor per rule.
extension OptimizerTests {
    /// (config, canonical JSON, summary), computed on main at 5e549cf; schedules print in the
    /// flags' words since the benchmark reports show them.
    static let pinnedForms: [(OptimizerConfig, String, String)] = [
        (.init(kind: .sgd), #"{"kind":"sgd"}"#, "sgd(lr=0.01)"),
        (.init(kind: .momentum), #"{"kind":"momentum"}"#, "momentum(lr=0.01, momentum=0.9)"),
        (.init(kind: .adagrad), #"{"kind":"adagrad"}"#, "adagrad(lr=0.01, eps=1e-10)"),
        (.init(kind: .rmsprop), #"{"kind":"rmsprop"}"#, "rmsprop(lr=0.001, alpha=0.99, eps=1e-08)"),
        (.init(kind: .adadelta), #"{"kind":"adadelta"}"#, "adadelta(lr=1.0, rho=0.95, eps=1e-06)"),
        (.init(kind: .adam), #"{"kind":"adam"}"#, "adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)"),
        (.init(kind: .adamw), #"{"kind":"adamw"}"#, "adamw(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0.01)"),
        (.init(kind: .adamw, amsgrad: true, clipNorm: 1),
         #"{"amsgrad":true,"clipNorm":1,"kind":"adamw"}"#,
         "adamw(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, amsgrad, weight_decay=0.01, clip_norm=1.0)"),
        (.init(kind: .rmsprop, learningRate: 0.01, momentum: 0.9, centered: true,
               schedule: .linearWarmup(steps: 10, startFactor: 0.1, then: .cosine(totalSteps: 90, minimum: 0))),
         #"{"centered":true,"kind":"rmsprop","learningRate":0.01,"momentum":0.9,"schedule":{"linearWarmup":{"startFactor":0.1,"steps":10,"then":{"cosine":{"minimum":0,"totalSteps":90}}}}}"#,
         "rmsprop(lr=0.01, alpha=0.99, eps=1e-08, momentum=0.9, centered, schedule=warmup(steps=10, start_factor=0.1)+cosine(steps=90, min_lr=0.0))"),
        (.init(kind: .momentum, learningRate: 0.05, momentum: 0.8, nesterov: true, weightDecay: 1e-4),
         #"{"kind":"momentum","learningRate":0.05,"momentum":0.8,"nesterov":true,"weightDecay":0.0001}"#,
         "momentum(lr=0.05, momentum=0.8, nesterov, weight_decay=0.0001)"),
        (.init(kind: .momentum, dampening: 0.1), #"{"dampening":0.1,"kind":"momentum"}"#,
         "momentum(lr=0.01, momentum=0.9, dampening=0.1)"),
        (.init(kind: .adagrad, epsilon: 1e-8, initialAccumulatorValue: 0.1, schedule: .step(every: 100, factor: 0.5)),
         #"{"epsilon":1e-08,"initialAccumulatorValue":0.1,"kind":"adagrad","schedule":{"step":{"every":100,"factor":0.5}}}"#,
         "adagrad(lr=0.01, eps=1e-08, initial_accumulator=0.1, schedule=step(every=100, factor=0.5))"),
        (.init(kind: .adadelta, learningRate: 0.5, rho: 0.9), #"{"kind":"adadelta","learningRate":0.5,"rho":0.9}"#,
         "adadelta(lr=0.5, rho=0.9, eps=1e-06)"),
        (.init(kind: .sgd, learningRate: 0.1, weightDecay: 5e-4, clipNorm: 2),
         #"{"clipNorm":2,"kind":"sgd","learningRate":0.1,"weightDecay":0.0005}"#,
         "sgd(lr=0.1, weight_decay=0.0005, clip_norm=2.0)"),
        (.init(kind: .adam, beta1: 0.8, beta2: 0.99, epsilon: 1e-7, weightDecay: 0),
         #"{"beta1":0.8,"beta2":0.99,"epsilon":1e-07,"kind":"adam","weightDecay":0}"#,
         "adam(lr=0.001, beta1=0.8, beta2=0.99, eps=1e-07)"),
    ]

    func testCanonicalJSONAndSummariesAreUnchanged() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        XCTAssertEqual(OptimizerConfig.seedDefaults, Self.pinnedForms.prefix(6).map(\.0))
        for (config, json, summary) in Self.pinnedForms {
            XCTAssertEqual(String(decoding: try encoder.encode(config), as: UTF8.self), json)
            XCTAssertEqual(config.summary, summary)
            XCTAssertEqual(try JSONDecoder().decode(OptimizerConfig.self, from: Data(json.utf8)), config, json)
        }
        XCTAssertEqual(RunSpec(config: .seedMLP(OptimizerConfig(kind: .adam)), seed: 0).key, "f21c6ad60ca0d55a")
    }

    /// Every run in the committed comparison keeps its key: a resumed sweep skips it.
    func testCommittedComparisonKeysStillMatchTheirConfigs() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let records = try ResultsStore(path: repository.appendingPathComponent("docs/comparison/results.jsonl").path).read().records
        XCTAssertEqual(records.count, 18)
        for r in records {
            XCTAssertEqual(RunSpec(config: r.config, seed: r.seed).key, r.key, r.config.optimizer.summary)
        }
    }
}
