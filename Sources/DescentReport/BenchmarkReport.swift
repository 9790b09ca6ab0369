import Descent
import Foundation

/// The report of a time-to-target benchmark (`descent benchmark`): per ruleset the
/// performance profile over the workloads (`profile-<ruleset>.svg/.png`), per workload the
/// validation curves of each rule's chosen trial against steps and against seconds with the
/// target drawn in (`curves-<workload>.svg/.png`), and the tables (`summary.md`, `summary.csv`).
public struct BenchmarkReport {
    public let suite: BenchmarkSuite
    public let trials: [BenchmarkTrial]
    public let optimizers: [String]
    public let scores: BenchmarkScores

    public init(suite: BenchmarkSuite, trials: [BenchmarkTrial], optimizers: [String]) {
        self.suite = suite
        self.trials = trials
        self.optimizers = optimizers
        scores = BenchmarkScores(trials)
    }

    /// Where the seconds were measured: "Trials run on M." or, when the trials come from
    /// several machines (CPU, kernels, threads), each with its count and a warning that times
    /// across them are not comparable.
    static func machines(_ trials: [BenchmarkTrial]) -> String {
        var counts: [String: Int] = [:]
        for t in trials { counts[t.machine, default: 0] += 1 }
        let sorted = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        if sorted.count == 1 { return "Trials run on \(sorted[0].key)." }
        return "**The trials come from \(sorted.count) machines** (" + sorted.map { "\($0.value) on \($0.key)" }.joined(separator: "; ")
            + "): a time is steps × the per-step seconds measured on whichever machine ran the rule's trials, so times, and the scores made from them, do not compare across machines; steps do."
    }

    /// Writes every file into `folder`; returns their names.
    @discardableResult
    public func write(to folder: String) throws -> [String] {
        var files: [String] = []
        let workloads = suite.workloads.map(\.name)
        var md = "# Benchmark: suite \(suite.name)\n\n"
        md += "Time to target as AlgoPerf measures it: per workload, each study's fastest trial to the validation target, the median over studies; "
        md += "the time is that median number of steps × the rule's median seconds per training step on the workload (validation excluded). "
        md += "Score: the area under the performance profile for τ from 1 to 4, normalised (1: fastest everywhere). "
        md += "Each cell: the median steps (its time), then each study's fastest steps to the target (–: no trial of the study reached it).\n\n"
        md += Self.machines(trials) + "\n\n"
        var csv = "ruleset,workload,optimizer,studies,studies_reaching,study_steps,median_steps,seconds_per_step,time,chosen_trial,chosen_hyperparameters,target,metric\n"
        for ruleset in BenchmarkTrial.Ruleset.allCases {
            let here = scores.entries.filter { $0.ruleset == ruleset }
            guard !here.isEmpty else { continue }
            let present = optimizers.filter { o in here.contains { $0.optimizer == o } }
            let profile = try scores.profile(ruleset, workloads: workloads, optimizers: present)
            md += "## Ruleset \(ruleset.rawValue)\n\n| rule | score | " + workloads.map { "\($0): steps (time)" }.joined(separator: " | ") + " |\n"
            md += "|---|---|" + workloads.map { _ in "---|" }.joined() + "\n"
            for (m, o) in present.enumerated() {
                let cells = workloads.map { w -> String in
                    guard let e = here.first(where: { $0.workload == w && $0.optimizer == o }) else { return "–" }
                    let studies = "studies " + e.studySteps.map { $0.map(String.init) ?? "–" }.joined(separator: ", ")
                    return (e.medianSteps.isFinite ? String(format: "%.0f (%.2f s)", e.medianSteps, e.time) : "not reached") + "; " + studies
                }
                md += "| \(o) | \(String(format: "%.3f", profile.score(m))) | " + cells.joined(separator: " | ") + " |\n"
            }
            md += "\nChosen trials (the fastest of the median study):\n\n"
            for e in here {
                let w = e.chosen.workload
                md += "- \(e.workload) · \(e.optimizer): \(e.chosen.plan.key), \(e.chosen.optimizer.summary)\n"
                csv += "\(ruleset.rawValue),\(e.workload),\(e.optimizer),\(e.studySteps.count),\(e.studySteps.compactMap { $0 }.count),"
                csv += e.studySteps.map { $0.map(String.init) ?? "" }.joined(separator: ";") + ","
                csv += "\(e.medianSteps.isFinite ? "\(e.medianSteps)" : ""),\(e.secondsPerStep),\(e.time.isFinite ? "\(e.time)" : ""),"
                csv += "\(e.chosen.plan.key),\"\(e.chosen.optimizer.summary)\",\(w.target),\(w.metric.rawValue)\n"
            }
            md += "\n![performance profile](profile-\(ruleset.rawValue).png)\n\n"
            files += try profileChart(profile, ruleset: ruleset).document(width: 760, height: 440).write(to: "\(folder)/profile-\(ruleset.rawValue)")
        }
        for w in suite.workloads {
            let chosen = scores.entries.filter { $0.workload == w.name && $0.ruleset == .external }.map(\.chosen)
            guard !chosen.isEmpty else { continue }
            var doc = SVGDocument(width: 1200, height: 440, title: "\(w.name): validation curves")
            doc.embed(try curveChart(w, chosen, bySeconds: false).document(width: 600, height: 440), x: 0)
            doc.embed(try curveChart(w, chosen, bySeconds: true).document(width: 600, height: 440), x: 600)
            files += try doc.write(to: "\(folder)/curves-\(w.name)")
            md += "![\(w.name)](curves-\(w.name).png)\n\n"
        }
        try writeAtomically(md, to: folder + "/summary.md")
        try writeAtomically(csv, to: folder + "/summary.csv")
        return files + ["summary.md", "summary.csv"]
    }

    func profileChart(_ profile: PerformanceProfile, ruleset: BenchmarkTrial.Ruleset) throws -> LineChart {
        let taus = stride(from: 1.0, through: profile.maxRatio, by: 0.01).map { $0 }
        let series = try profile.methods.enumerated().map { m, name in
            try Series(name: "\(name) (\(String(format: "%.2f", profile.score(m))))", x: taus, y: taus.map { profile.fraction(m, within: $0) })
        }
        return LineChart(title: "Performance profile, \(ruleset.rawValue) tuning (suite \(suite.name))",
                         xLabel: "τ: within this factor of the fastest", yLabel: "fraction of workloads",
                         series: series, xRange: 1...profile.maxRatio, yRange: -0.03...1.03, legend: .outsideRight)
    }

    func curveChart(_ w: Workload, _ chosen: [BenchmarkTrial], bySeconds: Bool) throws -> LineChart {
        var series = try chosen.map { t in
            try Series(name: t.plan.optimizer, x: t.curve.map { bySeconds ? $0.seconds : Double($0.step) }, y: t.curve.map(\.value))
        }
        let xMax = chosen.flatMap(\.curve).map { bySeconds ? $0.seconds : Double($0.step) }.max() ?? 1
        series.append(try Series(name: "target", x: [0, xMax], y: [w.target, w.target], color: ChartColor(hex: 0x999999)))
        return LineChart(title: "\(w.name): validation \(w.metric.rawValue) (\(bySeconds ? "training seconds" : "steps"))",
                         xLabel: bySeconds ? "training seconds" : "steps", yLabel: "validation \(w.metric.rawValue)",
                         series: series, legend: .automatic)
    }
}
