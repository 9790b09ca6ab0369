import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An append-only JSON Lines file of `RunRecord`s (`results.jsonl`).
///
/// Appends are one `write` of a whole line followed by `fsync`, so a crash can leave at
/// most a torn last line; the next append first cuts the file back to its last complete
/// line, so a torn fragment never glues itself to a new record.
///
/// Reading checks every line: a line that is not a record (a torn last line, damage) or
/// whose record fails `RunRecord.problem` (its key is not that of its configuration and
/// seed, a finished run lacks epochs, an accuracy outside [0, 1], …) is rejected and named
/// in `Contents.rejected`, never used: a sweep redoes its run, a report leaves it out. A run
/// is identified by its key and its data (`RunRecord.dataFingerprint`); the first record of
/// each wins, so repeats (from merged shards) are dropped, and the same configuration and
/// seed on other data is another run.
public final class ResultsStore {
    public let path: String
    /// Where the optimizer, layer and loss names of the records are looked up.
    public let registry: Registry

    public init(path: String, registry: Registry = .builtIn) {
        self.path = path
        self.registry = registry
    }

    /// A line of a results file that was not used, and why.
    public struct RejectedLine: Equatable, Sendable, CustomStringConvertible {
        public var file: String
        /// 1-based line number.
        public var line: Int
        public var reason: String
        public var description: String { "\(file) line \(line): \(reason)" }
    }

    /// What reading a results file found.
    public struct Contents {
        public var records: [RunRecord]
        /// Lines not used: not a record, or a record that fails its checks.
        public var rejected: [RejectedLine] = []
        /// Valid lines dropped as repeats of an earlier record of the same run (key and data).
        public var duplicates = 0
        /// Number of rejected lines.
        public var skippedLines: Int { rejected.count }

        /// Where the record of each run (key and data) was first read, and its results.
        var firstSeen: [String: (file: String, line: Int, results: RunRecord)] = [:]

        /// Adds `record` unless the same run (key and data) is already there. A repeat with
        /// the same results (a run merged from two shards) is dropped quietly; one with other
        /// results (status, per-epoch losses and accuracies, divergence: everything but the
        /// timings) is rejected and named beside the first, which stays in use.
        mutating func add(_ record: RunRecord, seen: inout Set<String>, file: String, line: Int) {
            let id = record.key + "#" + (record.dataFingerprint ?? "unknown")
            if seen.insert(id).inserted {
                records.append(record)
                firstSeen[id] = (file, line, record)
            } else if let first = firstSeen[id], !first.results.sameResults(as: record) {
                rejected.append(RejectedLine(file: file, line: line, reason: "the same run (key \(record.key)) as \(first.file) line \(first.line), but with other results; the first is used"))
            } else {
                duplicates += 1
            }
        }

        /// E.g. `2 rejected line(s): a/results.jsonl line 3: finished with 3 of its 20 epochs; …`
        /// (the first `limit` named), or nil when none was rejected.
        public func rejectedSummary(limit: Int = 5) -> String? {
            guard !rejected.isEmpty else { return nil }
            let named = rejected.prefix(limit).map(\.description).joined(separator: "; ")
            return "\(rejected.count) rejected line(s): \(named)\(rejected.count > limit ? "; and \(rejected.count - limit) more" : "")"
        }
    }

    /// Reads and checks the file; a missing file is empty.
    public func read() throws -> Contents {
        var contents = Contents(records: [])
        var seen = Set<String>()
        try read(into: &contents, seen: &seen)
        return contents
    }

    private func read(into contents: inout Contents, seen: inout Set<String>) throws {
        guard FileBytes.exists(path) else { return }
        let data = try FileBytes.read(path)
        let decoder = JSONDecoder.descent(registry)
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() where !line.isEmpty {
            func reject(_ reason: String) { contents.rejected.append(RejectedLine(file: path, line: i + 1, reason: reason)) }
            let record: RunRecord
            do {
                record = try decoder.decode(RunRecord.self, from: Data(line))
            } catch {
                reject(i == lines.count - 1 ? "unterminated last line (torn by a crash)" : ResultsStore.describe(error))
                continue
            }
            if let problem = record.problem { reject(problem); continue }
            contents.add(record, seen: &seen, file: path, line: i + 1)
        }
    }

    /// A decoding error in a few words: `not valid JSON (or a number out of range)`,
    /// `not a JSON object`, `not a run record: no "epochs"`, `not a run record: bad config.batch_size`.
    static func describe(_ error: Error) -> String {
        func path(_ context: DecodingError.Context, _ last: CodingKey? = nil) -> String {
            (context.codingPath + [last].compactMap { $0 }).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error as? DecodingError {
        case .keyNotFound(let key, let context)?: return "not a run record: no \(path(context, key))"
        case .typeMismatch(_, let c)? where c.codingPath.isEmpty: return "not a JSON object"
        case .typeMismatch(_, let c)?, .valueNotFound(_, let c)?: return "not a run record: bad \(path(c))"
        case .dataCorrupted(let c)? where !c.codingPath.isEmpty: return "not a run record: bad \(path(c)) (\(c.debugDescription))"
        default: return "not valid JSON (or a number out of range)"
        }
    }

    /// Creates an empty results file if there is none, so that every sweep folder (also a
    /// shard with no runs, or whose runs all failed) holds a valid results file to merge.
    public func createIfMissing() throws {
        let fd = try openForWriting(O_WRONLY)
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
        let fd = try openForWriting(O_RDWR)
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

    /// Opens (creating) the results file to append to it. A symbolic link is refused: an
    /// append, or the cut of a torn line, must never reach a file outside the folder.
    private func openForWriting(_ mode: Int32) throws -> Int32 {
        let fd = open(path, mode | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o644)   // O_NONBLOCK: a FIFO must not block
        guard fd >= 0 else {
            if errno == ELOOP { throw DescentError("\(path): is a symbolic link; descent appends to no file through a link (replace it with the file itself)") }
            throw DescentError("\(path): cannot open results file for writing (\(String(cString: strerror(errno))))")
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw DescentError("\(path): not a regular file")
        }
        return fd
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

    /// The records file a command reads from `path`: `path/name` when `path` is a folder,
    /// else `path` itself. Throws "`path`: no such `kind` folder or file" or "`path`: no
    /// `name` in this folder" (kind "results" and name "results.jsonl" here; a benchmark's
    /// "benchmark" and "trials.jsonl").
    public static func recordsFile(_ path: String, named name: String, kind: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DescentError("\(path): no such \(kind) folder or file")
        }
        let file = isDirectory.boolValue ? path + "/" + name : path
        guard FileManager.default.fileExists(atPath: file) else { throw DescentError("\(path): no \(name) in this folder") }
        return file
    }

    /// Reads and merges the `results.jsonl` of several folders (or files), first record of
    /// each run (key and data) wins; names are looked up in `registry`.
    public static func merge(_ paths: [String], registry: Registry = .builtIn) throws -> Contents {
        var all = Contents(records: [])
        var seen = Set<String>()
        for p in paths {
            let file = try recordsFile(p, named: "results.jsonl", kind: "results")
            try ResultsStore(path: file, registry: registry).read(into: &all, seen: &seen)
        }
        return all
    }
}

extension RunRecord {
    /// Whether `other` reports the same results: status, divergence and every epoch's
    /// metrics except its wall-clock seconds.
    func sameResults(as other: RunRecord) -> Bool {
        func untimed(_ r: RunRecord) -> [EpochMetrics] { r.epochs.map { var m = $0; m.seconds = 0; return m } }
        return status == other.status && divergence == other.divergence && divergedEpoch == other.divergedEpoch
            && divergedStep == other.divergedStep && untimed(self) == untimed(other)
    }
}
