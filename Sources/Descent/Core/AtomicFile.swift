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
/// Nothing is written through a symbolic link: the temporary file is created anew
/// (`O_EXCL | O_NOFOLLOW`, after removing whatever had its name), and the rename replaces
/// a link at `path` rather than writing where it points. Temporary files of `path` left by
/// processes that no longer run (`kill -9` during a write) are removed first.
///
/// Every writer in the project (PNG, SVG, reports, checkpoints) goes through here.
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let temporary = "\(path).tmp-\(getpid())"
    removeStaleTemporaryFiles(of: path)
    unlink(temporary)
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
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

/// Removes `path.tmp-<pid>` files (the temporaries of `writeAtomically`) whose process no
/// longer runs. Only names of that form in `path`'s folder are touched, and `unlink` removes
/// a link, never what it points to.
func removeStaleTemporaryFiles(of path: String) {
    let folder = (path as NSString).deletingLastPathComponent
    let prefix = (path as NSString).lastPathComponent + ".tmp-"
    for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? [] where name.hasPrefix(prefix) {
        guard let pid = Int32(name.dropFirst(prefix.count)), pid > 0, pid != getpid() else { continue }
        if kill(pid, 0) != 0 && errno == ESRCH { unlink((folder.isEmpty ? "" : folder + "/") + name) }
    }
}
