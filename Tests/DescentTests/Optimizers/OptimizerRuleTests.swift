import Foundation
import XCTest
@testable import Descent

/// Checks derived from the rule descriptors (`OptimizerKind.rule`): a new rule is covered by
/// declaring its descriptor, with no list here to extend (except the initialiser defaults).
extension OptimizerTests {
    func testEveryKindNamesItsRuleAndBuildsIt() throws {
        for kind in Registry.builtIn.optimizers {
            let rule = kind.rule
            XCTAssertEqual(rule.name, kind.rawValue)
            XCTAssertEqual(rule.displayName, kind.displayName)
            XCTAssertEqual(rule.options.first?.parameter, .learningRate, "\(kind): lr first in summaries")
            XCTAssertEqual(Set(rule.options.map(\.parameter)).count, rule.options.count, "\(kind): no option twice")
            XCTAssertEqual(try rule.make().name, kind.rawValue)
            XCTAssertEqual(try OptimizerConfig(kind: kind).make().name, kind.rawValue)
        }
    }

    /// Every range a descriptor declares is enforced, with the message naming the rule and the value.
    func testEveryRuleRejectsValuesOutsideItsRanges() throws {
        var checked = 0
        for kind in Registry.builtIn.optimizers {
            for option in kind.rule.options {
                let bad: [(Float, String)]
                switch option.range {
                case .nonNegative: bad = [(-1, "must be a finite number ≥ 0, got -1.0"), (.infinity, "must be a finite number ≥ 0, got inf")]
                case .positive: bad = [(0, "must be > 0, got 0.0"), (.nan, "must be > 0, got nan")]
                case .unitInterval: bad = [(1, "must be in [0, 1), got 1.0"), (-0.5, "must be in [0, 1), got -0.5")]
                case .any: bad = []
                }
                for (value, message) in bad {
                    var config = OptimizerConfig(kind: kind)
                    config[option.parameter] = value
                    let expected = "\(kind.rawValue): \(option.parameter.messageName) \(message)"
                    XCTAssertThrowsError(try config.make(), expected) { error in
                        XCTAssertEqual((error as? DescentError)?.message, expected)
                    }
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 40)
    }

    func testEveryRuleRejectsHyperParametersItDoesNotUse() throws {
        for kind in Registry.builtIn.optimizers {
            for p in HyperParameter.builtIn where !kind.rule.uses(p) {
                var config = OptimizerConfig(kind: kind)
                config[p] = p.isFlag ? 1 : 0.5
                XCTAssertThrowsError(try config.make()) { error in
                    XCTAssertEqual((error as? DescentError)?.message,
                                   "\(kind.rawValue): \(p.rawValue) does not apply to \(kind.displayName)")
                }
                XCTAssertFalse(config.summary.contains(p.summaryName + "="), config.summary)
            }
        }
    }

    /// The factory passes every value to the rule: changing any one hyper-parameter changes
    /// the trajectory (so no value is dropped or sent to the wrong argument).
    func testEveryHyperParameterChangesTheTrajectory() throws {
        func trajectory(_ config: OptimizerConfig) throws -> [Float] {
            let optimizer = try config.make()
            let p = Parameter(name: "p", value: Tensor(shape: [3], values: [1, -2, 0.5]))
            // A matrix too, for rules that treat matrices apart (Muon: its own update; AdamW for p).
            let q = Parameter(name: "q", value: Tensor(shape: [2, 3], values: [0.5, -1, 2, 0.25, 1, -0.5]))
            var out: [Float] = []
            // Step 4: v shrinks (AMSGrad); ten steps reach RAdam's rectified phase (t ≥ 6 at
            // β2 = 0.999), and the small steps against the momentum flip Lion's sign only for some β.
            for (t, scale) in [Float(1.5), -0.2, 0.05, 0, -0.3, -0.02, 0.01, -0.5, 0.003, 0.2].enumerated() {
                for i in 0..<3 { p.grad[i] = scale * Float(i + 1) * (t == 1 ? -1 : 1) }
                for i in 0..<6 { q.grad[i] = scale * Float(((i + 2 * t) * 5) % 7 - 3) }   // turns from step to step
                optimizer.step([p, q])
                out += p.value.toArray() + q.value.toArray()
            }
            return out
        }
        // A rising rate, so that rules that weigh by its maximum (Schedule-Free's weight_lr_power) show it.
        let schedule = LearningRateSchedule.linearWarmup(steps: 6, startFactor: 0.2, then: .constant)
        for kind in Registry.builtIn.optimizers {
            let reference = try trajectory(OptimizerConfig(kind: kind, schedule: schedule))
            for option in kind.rule.options {
                var config = OptimizerConfig(kind: kind, schedule: schedule)
                config[option.parameter] = option.range == .any ? 1 - option.defaultValue
                    : [.nsSteps, .warmupSteps, .updateFrequency].contains(option.parameter) ? 3   // whole numbers
                    : option.parameter == .blockSize ? 2
                    : (option.defaultValue == 0.5 ? 0.25 : 0.5)
                XCTAssertNotEqual(try trajectory(config), reference, config.summary)
            }
        }
    }

    /// The bench's memory floor: parameter and gradient read, parameter written, and each
    /// state tensor read and written, at the rule's defaults.
    func testTrafficIsParameterGradientAndStatePerElement() throws {
        for kind in Registry.builtIn.optimizers {
            let n = try kind.rule.make().stateTensorCount
            XCTAssertEqual(kind.rule.traffic, OptimizerRule.Traffic(reads: 2 + n, writes: 1 + n), kind.rawValue)
        }
    }

    /// The descriptor's defaults are the Swift initialisers' defaults (the two places a
    /// default is written): same name, state and bits after a few steps.
    func testDescriptorDefaultsAreTheInitialisersDefaults() throws {
        func direct(_ kind: OptimizerKind) throws -> Optimizer {
            switch kind {
            case .sgd: return try SGD()
            case .momentum: return try MomentumSGD()
            case .adagrad: return try AdaGrad()
            case .rmsprop: return try RMSprop()
            case .adadelta: return try AdaDelta()
            case .adam: return try Adam()
            case .adamw: return try AdamW()
            case .nadam: return try NAdam()
            case .nadamw: return try NAdamW()
            case .radam: return try RAdam()
            case .adamax: return try Adamax()
            case .lion: return try Lion()
            case .muon: return try Muon()
            case .schedulefree: return try ScheduleFreeAdamW()
            case .shampoo: return try Shampoo()
            default: throw DescentError("no Swift initialiser listed here for \(kind)")
            }
        }
        for kind in Registry.builtIn.optimizers {
            var results: [[Float]] = []
            for optimizer in [try kind.rule.make(), try direct(kind)] {
                let p = Parameter(name: "p", value: Tensor(shape: [4], values: [1, -1, 0.25, 3]))
                for t in 0..<4 {
                    for i in 0..<4 { p.grad[i] = Float((i + t) % 3) - 0.75 }
                    optimizer.step([p])
                }
                results.append(p.value.toArray() + [Float(optimizer.stateTensorCount)])
                XCTAssertEqual(optimizer.name, kind.rawValue)
            }
            XCTAssertEqual(results[0], results[1], kind.rawValue)
        }
    }

    /// The optimizer table of docs/optimizers.md has a row for every rule.
    func testDocsListEveryRule() throws {
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/optimizers.md")
        let text = try String(contentsOf: page, encoding: .utf8)
        for kind in Registry.builtIn.optimizers {
            XCTAssertTrue(text.contains("| `\(kind.rawValue)` |"), "docs/optimizers.md has no row for \(kind.rawValue)")
        }
    }
}
