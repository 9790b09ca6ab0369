import Foundation

/// The trials of a benchmark folder: `trials.jsonl`, one JSON object per finished trial,
/// appended and synced as each ends, so a killed benchmark resumes without redoing a finished
/// trial. Lines are checked when read: one that does not decode, or whose numbers are out of
/// range, is reported and not counted (the trial is run again); a torn last line is dropped.
public struct BenchmarkStore: Sendable {
    public let path: String
    public init(path: String) { self.path = path }

    /// The trials recorded, and one message per line not counted.
    public func read() throws -> (trials: [BenchmarkTrial], rejected: [String]) {
        guard FileBytes.exists(path) else { return ([], []) }
        let text = String(decoding: try FileBytes.read(path), as: UTF8.self)
        var trials: [BenchmarkTrial] = [], rejected: [String] = []
        let decoder = JSONDecoder()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let t = try? decoder.decode(BenchmarkTrial.self, from: Data(line.utf8)) else {
                rejected.append("\(path) line \(i + 1): not a trial record")
                continue
            }
            if let problem = BenchmarkStore.problem(t) { rejected.append("\(path) line \(i + 1): \(problem)"); continue }
            trials.append(t)
        }
        return (trials, rejected)
    }

    /// What is wrong with a decoded record, if anything.
    static func problem(_ t: BenchmarkTrial) -> String? {
        if t.steps < 0 || !(t.seconds.isFinite && t.seconds >= 0) { return "steps or seconds out of range" }
        if let s = t.targetStep, !(1...max(t.steps, 1)).contains(s) { return "target step \(s) outside the \(t.steps) steps run" }
        if t.curve.contains(where: { !$0.value.isFinite && t.workload.metric == .accuracy }) { return "a validation accuracy is not finite" }
        if t.targetStep != nil, !t.curve.contains(where: { $0.step == t.targetStep && t.workload.metric.reaches($0.value, t.workload.target) }) {
            return "its curve does not reach the target at its target step"
        }
        return nil
    }

    /// Appends `trial` as one line and syncs it to disk.
    public func append(_ trial: BenchmarkTrial) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(trial)
        line.append(0x0a)
        if !FileBytes.exists(path) { try writeAtomically("", to: path) }
        guard let handle = FileHandle(forUpdatingAtPath: path) else { throw DescentError("\(path): cannot open for appending") }
        defer { try? handle.close() }
        do {
            // A torn last line (a killed process) is cut before appending; the file is read
            // whole only then, so an append reads one byte in the usual case.
            let end = try handle.seekToEnd()
            if end > 0 {
                try handle.seek(toOffset: end - 1)
                if try handle.read(upToCount: 1) != Data([0x0a]) {
                    let existing = try FileBytes.read(path)
                    try handle.truncate(atOffset: UInt64(existing.lastIndex(of: 0x0a).map { $0 + 1 } ?? 0))
                }
            }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
            try handle.synchronize()
        } catch {
            throw DescentError("\(path): cannot append a trial: \(error.localizedDescription)")
        }
    }
}
