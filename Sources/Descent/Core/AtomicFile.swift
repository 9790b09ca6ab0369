#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes `bytes` to `path` atomically: the data go to a temporary file
/// `path.tmp-<pid>` in the same folder, are flushed to disk with `fsync`, and the
/// temporary file is then renamed over `path`. Readers therefore see either the
/// old file or the complete new one, never a half-written file. If anything fails,
/// the temporary file is removed, the old file is left untouched, and a
/// `DescentError` naming the path is thrown.
///
/// Every writer in the project (PNG, SVG, reports, checkpoints) goes through here.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let temporary = "\(path).tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else {
        throw DescentError("\(path): cannot create \(temporary): \(String(cString: strerror(errno)))")
    }
    func fail(_ what: String) -> DescentError {
        let reason = String(cString: strerror(errno))
        close(fd)
        unlink(temporary)
        return DescentError("\(path): \(what): \(reason)")
    }
    var written = 0
    try bytes.withUnsafeBytes { raw in
        while written < raw.count {
            let n = write(fd, raw.baseAddress! + written, raw.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("write failed")
            }
            written += n
        }
    }
    guard fsync(fd) == 0 else { throw fail("fsync failed") }
    guard close(fd) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw DescentError("\(path): close failed: \(reason)")
    }
    guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw DescentError("\(path): rename failed: \(reason)")
    }
    // Make the rename itself durable: fsync the containing folder (best effort).
    let folder = (path as NSString).deletingLastPathComponent
    let dirfd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dirfd >= 0 { _ = fsync(dirfd); close(dirfd) }
}

/// Writes `data` to `path` atomically (see `writeAtomically(_:to:)` for `[UInt8]`).
public func writeAtomically(_ data: Data, to path: String) throws {
    try writeAtomically([UInt8](data), to: path)
}

/// Writes `text` as UTF-8 to `path` atomically (see `writeAtomically(_:to:)` for `[UInt8]`).
public func writeAtomically(_ text: String, to path: String) throws {
    try writeAtomically(Array(text.utf8), to: path)
}
