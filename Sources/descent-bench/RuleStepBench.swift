import Descent
import Foundation

/// The `rules` section: what one training step costs with each optimizer rule of
/// `Registry.builtIn` (its defaults), relative to Adam's, on seed-mlp and lenet5 (batch 128,
/// all threads). A step here is the whole of it: batch, forward, loss, backward and the
/// update. Each round trains `steps` minibatches with the rule and then the same with
/// Adam (two trainers from the same seed, on the same images); the minimum over rounds of
/// each is kept, so a burst of load hits both or neither. A warm-up pass first takes every
/// rule past its start-up (Shampoo preconditions from step 10), and `steps` is a multiple
/// of Shampoo's root-refresh interval, so its refreshes are counted at their real rate.
extension BenchRun {
    func measureRuleSteps(_ train: ImageSet) throws {
        Parallel.setThreads(options.threads)
        let steps = options.quick ? 20 : 40, batch = 128
        let subset = train.prefix(min(train.count, steps * batch))
        var all: [String: [String: RuleStepFigures]] = [:]
        for model in ["seed-mlp", "lenet5"] {
            func trainer(_ kind: OptimizerKind) throws -> Trainer {
                let config = ClassifierRunConfig(dataset: .fashionMNIST, model: ModelSpec.preset(named: model)!, batchSize: batch,
                                                 epochs: 1, optimizer: OptimizerConfig(kind: kind))
                let t = try RunExecutor.makeTrainer(config, seed: 1)
                _ = try t.trainEpoch(.images(subset))  // warm-up: state, buffers, Shampoo's first roots
                return t
            }
            let adam = try trainer(.adam)
            var figures: [String: RuleStepFigures] = [:]
            for kind in Registry.builtIn.optimizers where kind != .adam {
                log("rules: \(model), \(kind.rawValue) against adam, \(repeats) rounds of \(subset.count / batch) steps")
                let rule = try trainer(kind)
                var (r, a) = (Double.infinity, Double.infinity)
                for _ in 0..<repeats {
                    r = min(r, try best(1) { _ = try rule.trainEpoch(.images(subset)) })
                    a = min(a, try best(1) { _ = try adam.trainEpoch(.images(subset)) })
                }
                let stepCount = Double(subset.count / batch)
                let f = RuleStepFigures(stepMs: r / stepCount * 1e3, adamStepMs: a / stepCount * 1e3, ratio: r / a)
                figures[kind.rawValue] = f
                let key = model.replacingOccurrences(of: "-", with: "_")
                rows.append(Row(key: "rule_step_\(key)_\(kind.rawValue)", label: "\(model) training step, \(kind.rawValue) (defaults)",
                                value: fmt(f.stepMs, 2) + " ms", reference: "adam " + fmt(f.adamStepMs, 2) + " ms",
                                ratio: f.ratio, target: nil))
            }
            all[model] = figures
        }
        report.ruleSteps = all
    }
}

/// One rule's training step against Adam's on the same model, in the same rounds.
struct RuleStepFigures: Encodable {
    var stepMs, adamStepMs, ratio: Double
}
