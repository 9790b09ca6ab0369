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

    /// Creates an empty results file if there is none, so that every sweep folder (also a
    /// shard with no runs, or whose runs all failed) holds a valid results file to merge.
    public func createIfMissing() throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DescentError("\(path): cannot create results file (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw DescentError("\(path): fsync failed (\(String(cString: strerror(errno))))") }
    }

    /// Appends one record durably.
    ///
    /// If the line cannot be written whole and flushed (a full disk: `ENOSPC` or a short
    /// write; an I/O error), the file is cut back to its length before the append at once,
    /// so no partial line stays behind, and the error names the file and the reason.
    public func append(_ record: RunRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var line = try encoder.encode(record)
        line.append(UInt8(ascii: "\n"))
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DescentError("\(path): cannot open results file for writing (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw DescentError("\(path): cannot lock results file") }
        defer { flock(fd, LOCK_UN) }
        try cutTornTail(fd)
        let start = lseek(fd, 0, SEEK_END)
        guard start >= 0 else { throw DescentError("\(path): cannot seek") }
        func fail(_ what: String) -> DescentError {
            let reason = String(cString: strerror(errno))
            let cut = ftruncate(fd, start) == 0 && fsync(fd) == 0
            return DescentError("\(path): \(what) (\(reason))\(cut ? "" : "; the partial line could not be cut either")")
        }
        var written = 0
        try line.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 && errno == EINTR { continue }
                // A short write is followed by one more attempt, which reports the reason (e.g. ENOSPC).
                guard n > 0 else { throw fail("cannot append a record: wrote \(written) of \(raw.count) bytes") }
                written += n
            }
        }
        guard fsync(fd) == 0 else { throw fail("cannot flush the appended record") }
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
