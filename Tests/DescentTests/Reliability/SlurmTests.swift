import XCTest
@testable import Descent

/// A sweep as a real Slurm job array (`SlurmCluster`: a single-node cluster started on
/// this machine). The job script and the merge command are the blocks of
/// docs/guide/scaling-out.md (its Slurm section), so the documentation is what is tested. The same small sweep (2
/// optimizers × 2 seeds, 1 epoch on 500 images, `--threads 1` everywhere) runs unsharded,
/// as `sbatch --wait --array=0-3` and as the stepped `--array=0-6:2`; each merged report
/// must equal the unsharded one: `summary.csv` but for the timing column, and every
/// per-epoch metric of every run bit for bit.
final class SlurmTests: XCTestCase {
    /// The shell blocks of the scaling-out guide's Slurm section: the job script, then the merge.
    static func readmeBlocks() throws -> (script: String, merge: String) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("docs/guide/scaling-out.md"), encoding: .utf8)
        guard let section = readme.range(of: "Slurm: save this script as `compare.sh`") else {
            throw SlurmCluster.Failure(description: "docs/guide/scaling-out.md has no Slurm section ('Slurm: save this script as `compare.sh`')")
        }
        var blocks: [String] = []
        var rest = readme[section.upperBound...]
        while blocks.count < 2, let open = rest.range(of: "```sh\n"), let close = rest[open.upperBound...].range(of: "```") {
            blocks.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        guard blocks.count == 2, blocks[0].hasPrefix("#!/bin/bash"), blocks[1].contains("descent report") else {
            throw SlurmCluster.Failure(description: "docs/guide/scaling-out.md's Slurm section lost its script or merge block: \(blocks)")
        }
        return (blocks[0], blocks[1])
    }

    /// 500 training and 200 test images: the Fashion-MNIST slice if installed, else synthetic.
    static func data() throws -> String {
        if let slice = try? Support.fashionSlice(train: 500, test: 200) { return slice }
        let dir = Support.temporaryFolder("slurm-data")
        var g = RandomGenerator(seed: 3)
        for (n, prefix) in [(500, "train"), (200, "t10k")] {
            try IDX.write(IDXArray(dimensions: [n, 28, 28], bytes: (0..<n * 784).map { _ in UInt8(g.below(256)) }),
                          to: dir + "/\(prefix)-images-idx3-ubyte", gzip: false)
            try IDX.write(IDXArray(dimensions: [n], bytes: (0..<n).map { _ in UInt8(g.below(10)) }),
                          to: dir + "/\(prefix)-labels-idx1-ubyte", gzip: false)
        }
        return dir
    }

    /// `summary.csv` without its last column (seconds per run, which differ between runs).
    static func summaryWithoutTimes(_ folder: String) throws -> [String] {
        try String(contentsOfFile: folder + "/summary.csv", encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).dropLast().joined(separator: ",")
        }
    }

    /// Per-epoch metrics by run key, times zeroed.
    static func metrics(_ folders: [String]) throws -> [String: [EpochMetrics]] {
        Dictionary(uniqueKeysWithValues: try ResultsStore.merge(folders).records.map { r in
            (r.key, r.epochs.map { var m = $0; m.seconds = 0; return m })
        })
    }

    func testArraySweepsMergeToTheUnshardedSweep() throws {
        let (script, merge) = try Self.readmeBlocks()
        let cluster = try SlurmCluster.start()
        defer { cluster.stop() }
        let data = try Self.data()
        let sweep = ["--data-dir", data, "--optimizers", "sgd,adam", "--seeds", "2", "--epochs", "1",
                     "--train-limit", "500", "--model", "784-32-10", "--threads", "1"]
        let whole = Support.temporaryFolder("slurm-whole")
        let reference = try Support.descent(["compare", "--out", whole] + sweep)
        XCTAssertEqual(reference.status, 0, reference.stderr)
        let binDir = (Support.descentBinary as NSString).deletingLastPathComponent

        for (array, ids) in [("0-3", [0, 1, 2, 3]), ("0-6:2", [0, 2, 4, 6])] {
            let work = Support.temporaryFolder("slurm-array")
            try script.write(toFile: work + "/compare.sh", atomically: true, encoding: .utf8)
            let started = Date()
            // Command-line options override the script's #SBATCH lines: 1 CPU per task runs two at a time.
            let submit = SlurmCluster.run("/usr/bin/sbatch", ["--wait", "--array=\(array)", "--cpus-per-task=1",
                                                               "--output=\(work)/slurm-%A_%a.out", "compare.sh"] + sweep,
                                          environment: cluster.environment(extraPath: binDir), in: work, timeout: 600)
            let seconds = Date().timeIntervalSince(started)
            print("slurm: sbatch --wait --array=\(array) compare.sh …: exit \(submit.status) after \(String(format: "%.1f", seconds)) s: \(submit.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")
            let logs = (try FileManager.default.contentsOfDirectory(atPath: work)).filter { $0.hasPrefix("slurm-") }.sorted()
            for log in logs {
                let text = (try? String(contentsOfFile: work + "/" + log, encoding: .utf8)) ?? ""
                print("slurm:   \(log): " + text.split(separator: "\n").joined(separator: " | "))
            }
            XCTAssertEqual(submit.status, 0, "\(submit.stderr)\n\(cluster.logs())")
            XCTAssertEqual(logs.count, ids.count, "one log per task")
            let shards = try FileManager.default.contentsOfDirectory(atPath: work + "/results").sorted()
            XCTAssertEqual(shards, ids.map { "shard-\($0)" })
            // Each task ran its own shard of 4: ids map to shards 0…3 whatever the step.
            for (k, id) in ids.enumerated() {
                let log = (try? String(contentsOfFile: work + "/" + logs.first { $0.hasSuffix("_\(id).out") }!, encoding: .utf8)) ?? ""
                XCTAssertTrue(log.contains("results/shard-\(id): 1 runs (shard \(k)/4 of 4)"), log)
            }

            let merged = SlurmCluster.run("/bin/sh", ["-c", merge], environment: cluster.environment(extraPath: binDir), in: work)
            print("slurm: \(merge.trimmingCharacters(in: .whitespacesAndNewlines)): \(merged.stdout.trimmingCharacters(in: .whitespacesAndNewlines))")
            XCTAssertEqual(merged.status, 0, merged.stderr)
            let report = work + "/results/report"
            XCTAssertEqual(try Self.summaryWithoutTimes(report), try Self.summaryWithoutTimes(whole))
            XCTAssertEqual(try Self.summaryWithoutTimes(report).count, 3)
            let shardMetrics = try Self.metrics(ids.map { work + "/results/shard-\($0)" })
            XCTAssertEqual(shardMetrics.count, 4)
            XCTAssertEqual(shardMetrics, try Self.metrics([whole]), "per-epoch metrics differ from the unsharded sweep")
            if shardMetrics == (try Self.metrics([whole])) {
                print("slurm: --array=\(array): merged summary.csv equals the unsharded sweep's; 4 runs, per-epoch metrics bit-identical")
            }
        }
    }
}
