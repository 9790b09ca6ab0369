import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An append-only JSON Lines file of `RunRecord`s (`results.jsonl`).
///
/// Appends are one `write` of a whole line followed by `fsync`, so a crash can leave at
/// most a torn last line. Reading ignores a torn (unterminated or unparsable) last line;
/// the next append first cuts the file back to its last complete line, so a torn
/// fragment never glues itself to a new record. Records are keyed by `RunRecord.key`;
/// the first record of a key wins, so duplicates (from merged shards) are dropped.
public final class ResultsStore {
    public let path: String

    public init(path: String) { self.path = path }

    /// What reading a results file found.
    public struct Contents {
        public var records: [RunRecord]
        /// Lines that could not be parsed (a torn last line, or damage elsewhere).
        public var skippedLines: Int
    }

    /// Reads the file; a missing file is empty.
    public func read() throws -> Contents {
        guard FileBytes.exists(path) else { return Contents(records: [], skippedLines: 0) }
        let data = try FileBytes.read(path)
        var records: [RunRecord] = []
        var seen = Set<String>()
        var skipped = 0
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            guard let r = try? decoder.decode(RunRecord.self, from: Data(line)) else { skipped += 1; continue }
            if seen.insert(r.key).inserted { records.append(r) }
        }
        return Contents(records: records, skippedLines: skipped)
    }

    /// Appends one record durably.
    public func append(_ record: RunRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(record)
        line.append(UInt8(ascii: "\n"))
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw DescentError("\(path): cannot open results file for writing (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw DescentError("\(path): cannot lock results file") }
        defer { flock(fd, LOCK_UN) }
        try cutTornTail(fd)
        guard lseek(fd, 0, SEEK_END) >= 0 else { throw DescentError("\(path): cannot seek") }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw DescentError("\(path): short write (\(written) of \(line.count) bytes)") }
        guard fsync(fd) == 0 else { throw DescentError("\(path): fsync failed") }
    }

    /// Truncates anything after the last newline (a line torn by a crash).
    private func cutTornTail(_ fd: Int32) throws {
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return }
        var end = size
        var byte: UInt8 = 0
        // Walk back to the last newline; files are small (one line per run).
        while end > 0 {
            guard pread(fd, &byte, 1, end - 1) == 1 else { throw DescentError("\(path): cannot read") }
            if byte == UInt8(ascii: "\n") { break }
            end -= 1
        }
        if end != size {
            guard ftruncate(fd, end) == 0 else { throw DescentError("\(path): cannot cut torn last line") }
        }
    }

    /// Reads and merges the `results.jsonl` of several folders (or files), first key wins.
    public static func merge(_ paths: [String]) throws -> Contents {
        var all = Contents(records: [], skippedLines: 0)
        var seen = Set<String>()
        for p in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: p, isDirectory: &isDirectory) else {
                throw DescentError("\(p): no such results folder or file")
            }
            let file = isDirectory.boolValue ? p + "/results.jsonl" : p
            guard FileManager.default.fileExists(atPath: file) else { throw DescentError("\(p): no results.jsonl in this folder") }
            let c = try ResultsStore(path: file).read()
            all.skippedLines += c.skippedLines
            for r in c.records where seen.insert(r.key).inserted { all.records.append(r) }
        }
        return all
    }
}
