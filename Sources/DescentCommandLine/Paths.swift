import ArgumentParser
import Descent
import DescentReport
import Foundation

/// `descent paths`: every optimizer's path on DeepOBS's two-dimensional test problems.
struct Paths: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: "Draw every optimizer's path on 2-D test problems (Rosenbrock, Beale, Branin, a noisy quadratic).",
        discussion: """
            Each rule starts from the problem's start (DeepOBS's) and takes --steps steps
            on minibatch gradients ∇f + noise (DeepOBS's u·x + v·y, x and y standard
            normal per example, averaged over --batch-size examples; 0: the exact
            gradient), at the learning rate of 1e-6…10 (half decades) that ends nearest
            the minimum, its other hyper-parameters at their defaults or as given. Writes
            into --out:
              <problem>.svg, .png   one panel per rule: the path over the function's map
              paths.csv             problem, rule, learning rate, final f − f*, diverged
            Example: descent paths --problems rosenbrock,quadratic --optimizers sgd,adam
            """) }

    @OptionGroup var common: CommonOptions
    @Option(help: "Comma-separated problems (default: all: rosenbrock, beale, branin, quadratic).") var problems: String?
    @Option(help: "Comma-separated optimizers, each once (default: every registered rule).") var optimizers: String?
    @OptionGroup(title: "Hyper-parameters (for every optimizer; the learning rate is chosen per rule)")
    var hyper: HyperParameterOptions
    @Option(help: "Steps per path (default 300: enough for the adaptive rules to settle).") var steps = 300
    @Option(help: "Minibatch size (of the gradient noise; default 128, as DeepOBS; 0: exact gradients).") var batchSize = 128

    func validate() throws {
        if !(1...100_000).contains(steps) { throw ValidationError("--steps must be in 1...100000, got \(steps)") }
        if batchSize < 0 { throw ValidationError("--batch-size must be ≥ 0, got \(batchSize)") }
        if hyper.lr != nil { throw ValidationError("--lr: paths choose each rule's learning rate; leave --lr out") }
    }

    func run() throws {
        try DescentCommand.run {
            var functions: [TestFunction] = TestFunction.all
            if let problems {
                functions = try problems.split(separator: ",").map { name in
                    let n = name.trimmingCharacters(in: .whitespaces)
                    guard let f = TestFunction.named(n) else {
                        throw UsageError("--problems: unknown problem '\(n)'; problems are \(TestFunction.all.map(\.name).joined(separator: ", "))")
                    }
                    return f
                }
            }
            let kinds = try optimizers.map(CLI.optimizerList) ?? CommandContext.registry.optimizers
            for kind in kinds { try CLI.checkOptimizerEarly(hyper.config(kind)) }
            try common.applyThreads()
            let out = common.out ?? "runs/paths"
            try Output.prepareFolder(out)
            let noise = batchSize == 0 ? "exact gradients" : "minibatch noise of \(batchSize) examples (seed \(common.seed))"
            var csv = "problem,optimizer,learning_rate,final_gap,diverged\n"
            for function in functions {
                var panels: [OptimizerPathsFigure.Panel] = []
                for kind in kinds {
                    let (rate, path) = try OptimizerPath.tuned(function, config: hyper.config(kind), steps: steps,
                                                               batchSize: batchSize == 0 ? nil : batchSize, seed: common.seed)
                    let gap = path.gap(function)
                    let ended = path.diverged ? "diverged at every rate" : String(format: "f − f* %.3g after %d steps", gap, path.points.count - 1)
                    panels.append(.init(title: "\(kind.rule.displayName) · lr \(String(format: "%.3g", rate))\n\(ended)", path: path))
                    csv += "\(function.name),\(kind.rawValue),\(rate),\(path.diverged ? "" : "\(gap)"),\(path.diverged)\n"
                    if !common.json { print("\(function.name) \(kind.rawValue): lr \(String(format: "%.3g", rate)), \(ended)") }
                }
                let files = try OptimizerPathsFigure.draw(function, panels: panels, steps: steps, noise: noise).write(to: out + "/" + function.name)
                if !common.json { print("\(function.name): \(files.map { out + "/" + $0 }.joined(separator: ", "))") }
            }
            try writeAtomically(csv, to: out + "/paths.csv")
            if common.json { printJSONLine(["out": out]) }
        }
    }
}
