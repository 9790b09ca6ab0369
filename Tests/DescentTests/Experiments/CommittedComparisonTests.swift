import Foundation
import XCTest
import Descent

/// The committed comparisons of every built-in rule (`docs/comparison-rules/`): the tables in
/// its README are what the committed records give, and every claim its reading makes holds
/// on them, as a 95 % confidence interval (Student's t over the seeds) that lies wholly on
/// one side of another.
final class CommittedComparisonTests: XCTestCase {
    static let folder = Support.repositoryRoot + "/docs/comparison-rules"

    /// Final-epoch test accuracy per rule (its `OptimizerKind` raw value) of one comparison.
    struct Finals {
        var groups: [String: SweepSummary.Group]

        init(_ name: String) throws {
            let path = CommittedComparisonTests.folder + "/\(name)/results.jsonl"
            let summary = SweepSummary(records: try ResultsStore(path: path).read().records)
            groups = Dictionary(uniqueKeysWithValues: summary.groups.map { ($0.config.optimizer.kind.rawValue, $0) })
        }

        func interval(_ rule: String) throws -> ClosedRange<Double> {
            let g = try XCTUnwrap(groups[rule], "no runs of \(rule)")
            let a = g.finalAccuracies, m = Statistics.mean(a), h = Statistics.confidenceHalfWidth95(a)
            XCTAssertTrue(h.isFinite, "\(rule): fewer than two finished runs")
            return (m - h)...(m + h)
        }

        /// Every rule of `higher` lies above every rule of `lower`: the lowest end of the
        /// one's intervals is above the highest end of the other's.
        func assertAbove(_ higher: [String], _ lower: [String], file: StaticString = #filePath, line: UInt = #line) throws {
            let low = try higher.map { try interval($0).lowerBound }.min()!, high = try lower.map { try interval($0).upperBound }.max()!
            XCTAssertGreaterThan(low, high, "\(higher) above \(lower)", file: file, line: line)
        }

        /// The intervals of `rules` overlap pairwise: the reading calls them level.
        func assertLevel(_ rules: [String], file: StaticString = #filePath, line: UInt = #line) throws {
            let ranges = try rules.map(interval)
            XCTAssertLessThanOrEqual(ranges.map(\.lowerBound).max()!, ranges.map(\.upperBound).min()!, "\(rules) level", file: file, line: line)
        }
    }

    /// Each README table row (`| Rule | runs | mean ± std [±half-width] | … |`) under the
    /// heading of a comparison is its records' final epoch.
    func testTablesAreTheRecords() throws {
        let text = try String(contentsOfFile: Self.folder + "/README.md", encoding: .utf8)
        var checked = 0
        for name in ["seed-mlp", "lenet5"] {
            guard let start = text.range(of: "\n## \(name)") else { continue }
            let section = text[start.upperBound...].prefix { $0 != "#" }
            let finals = try Finals(name)
            for row in section.split(separator: "\n") where row.hasPrefix("| ") && !row.hasPrefix("| rule") {
                let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: CharacterSet.whitespaces) }
                let g = try XCTUnwrap(finals.groups.values.first { $0.label == cells[0] }, "\(name): no group \(cells[0])")
                XCTAssertEqual(cells[1], "\(g.finished.count)", "\(name) \(cells[0]) runs")
                let a = g.finalAccuracies, l = g.finalLosses
                func text(_ x: [Double]) -> String {
                    String(format: "%.4f ± %.4f [±%.4f]", Statistics.mean(x), Statistics.standardDeviation(x), Statistics.confidenceHalfWidth95(x))
                }
                XCTAssertEqual(cells[2], text(a), "\(name) \(cells[0]) accuracy")
                XCTAssertEqual(cells[3], text(l), "\(name) \(cells[0]) loss")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 0, "no table rows found")
    }

    /// Every pair (higher, lower) whose intervals are separated.
    static func separatedPairs(_ f: Finals) throws -> Set<String> {
        var pairs = Set<String>()
        for (a, _) in f.groups {
            for (b, _) in f.groups where try f.interval(a).lowerBound > f.interval(b).upperBound { pairs.insert("\(a)>\(b)") }
        }
        return pairs
    }

    /// The seed-mlp reading: SGD last and Schedule-Free AdamW first by interval, the other
    /// separated pairs named, and what the means say.
    func testSeedMLPReading() throws {
        let f = try Finals("seed-mlp")
        let all = Array(f.groups.keys)
        XCTAssertEqual(all.count, 15)
        XCTAssertTrue(f.groups.values.allSatisfy { $0.finished.count == 3 })
        var expected = Set(all.filter { $0 != "sgd" }.map { "\($0)>sgd" })
        expected.formUnion(all.filter { !["schedulefree", "shampoo"].contains($0) }.map { "schedulefree>\($0)" })
        expected.formUnion(["adadelta", "adamw", "lion", "momentum", "nadam", "nadamw", "rmsprop"].flatMap { ["adagrad>\($0)", "shampoo>\($0)"] })
        expected.formUnion(["lion", "momentum", "nadam", "rmsprop"].flatMap { ["adamax>\($0)", "muon>\($0)"] })
        XCTAssertEqual(try Self.separatedPairs(f), expected)
        let mean = { (rule: String) in Statistics.mean(f.groups[rule]!.finalAccuracies) }
        let loss = { (rule: String) in Statistics.mean(f.groups[rule]!.finalLosses) }
        XCTAssertEqual(all.max { mean($0) < mean($1) }, "schedulefree")
        XCTAssertEqual(all.filter { $0 != "schedulefree" }.max { mean($0) < mean($1) }, "shampoo")
        // Schedule-Free AdamW ahead of every other rule in each seed.
        for run in f.groups["schedulefree"]!.finished {
            for (rule, g) in f.groups where rule != "schedulefree" {
                guard let other = g.finished.first(where: { $0.seed == run.seed }) else { continue }
                XCTAssertGreaterThan(run.epochs.last!.testAccuracy ?? 0, other.epochs.last!.testAccuracy ?? 1, "\(rule), seed \(run.seed)")
            }
        }
        XCTAssertEqual(all.filter { mean($0) > mean("muon") }.count, 4, "Muon fifth in the mean")
        XCTAssertLessThan(mean("nadam"), mean("adam"))
        XCTAssertLessThan(mean("nadamw"), mean("adam"))
        // The largest final losses of the adaptive rules (all but SGD and momentum): Lion's, then NAdamW's and NAdam's.
        let adaptive = all.filter { !["sgd", "momentum"].contains($0) }.sorted { loss($0) > loss($1) }
        XCTAssertEqual(Array(adaptive.prefix(3)), ["lion", "nadamw", "nadam"])
        // The lowest: Schedule-Free AdamW's, then Shampoo's.
        XCTAssertEqual(Array(adaptive.suffix(2)), ["shampoo", "schedulefree"])
    }

    /// The LeNet-5 reading: the 23 separated pairs, Schedule-Free's mean, Muon's loss and
    /// Shampoo's early peak.
    func testLeNet5Reading() throws {
        let f = try Finals("lenet5")
        let all = Array(f.groups.keys)
        XCTAssertEqual(all.count, 15)
        XCTAssertTrue(f.groups.values.allSatisfy { $0.finished.count == 3 })
        var expected = Set(all.filter { $0 != "sgd" }.map { "\($0)>sgd" })
        expected.formUnion(["rmsprop", "nadam", "lion", "muon", "schedulefree", "shampoo"].map { "\($0)>adagrad" })
        expected.formUnion(["rmsprop", "nadam", "shampoo"].map { "schedulefree>\($0)" })
        XCTAssertEqual(try Self.separatedPairs(f), expected)
        let mean = { (rule: String) in Statistics.mean(f.groups[rule]!.finalAccuracies) }
        let loss = { (rule: String) in Statistics.mean(f.groups[rule]!.finalLosses) }
        XCTAssertEqual(all.max { mean($0) < mean($1) }, "schedulefree")
        XCTAssertEqual(all.filter { $0 != "schedulefree" }.max { mean($0) < mean($1) }, "muon")
        XCTAssertEqual(all.min { loss($0) < loss($1) }, "muon")
        XCTAssertEqual(all.max { loss($0) < loss($1) }, "shampoo")
        XCTAssertEqual(f.groups["shampoo"]!.bestEpoch, 7)
        // Fourth in mean accuracy.
        XCTAssertEqual(all.filter { mean($0) > mean("shampoo") }.count, 3)
    }
}
