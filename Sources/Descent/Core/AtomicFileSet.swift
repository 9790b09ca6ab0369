#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes a set of files that belong together (a report: tables, charts and the page that
/// shows them) into `folder`, all or nothing.
///
/// Every file is first written and flushed (`fsync`) into a temporary folder inside
/// `folder` (`.files.tmp-<pid>`, on the same file system, so the moves below are renames).
/// Only when all of them are complete are they renamed over their targets, in the order
/// given (put the file readers open first — e.g. `report.html` — last), and the temporary
/// folder removed. A failure while writing (a full disk: `ENOSPC`) therefore replaces
/// nothing: the old set stays whole and the error names the target file. The renames need
/// no space and take microseconds, so a reader never sees new tables beside an old page
/// unless the process is killed within them. Leftover temporary folders of processes that
/// no longer run are removed by the next call.
///
/// Example: `try writeAtomically(files: [("summary.csv", csv), ("report.html", html)], into: "runs/a")`.
public func writeAtomically(files: [(name: String, bytes: [UInt8])], into folder: String) throws {
    let prefix = ".files.tmp-"
    removeStaleTemporaryFolders(in: folder, prefix: prefix)
    let temporary = "\(folder)/\(prefix)\(getpid())"
    removeTree(temporary)
    guard mkdir(temporary, 0o755) == 0 else {
        throw DescentError("\(folder): cannot create the temporary folder \(temporary): \(String(cString: strerror(errno)))")
    }
    do {
        for file in files {
            try writeDurably(file.bytes, to: "\(temporary)/\(file.name)", naming: "\(folder)/\(file.name)")
        }
        for file in files {
            guard rename("\(temporary)/\(file.name)", "\(folder)/\(file.name)") == 0 else {
                throw DescentError("\(folder)/\(file.name): cannot move the new file into place: \(String(cString: strerror(errno)))")
            }
        }
    } catch {
        removeTree(temporary)
        throw error
    }
    rmdir(temporary)
    let dirfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dirfd >= 0 { _ = fsync(dirfd); close(dirfd) }
}

/// Writes `bytes` to a new file `path` and flushes it; errors name `target`.
private func writeDurably(_ bytes: [UInt8], to path: String, naming target: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw DescentError("\(target): cannot create \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var written = 0
    try bytes.withUnsafeBytes { raw in
        while written < raw.count {
            let n = write(fd, raw.baseAddress! + written, raw.count - written)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw DescentError("\(target): write failed after \(written) of \(raw.count) bytes: \(String(cString: strerror(errno)))")
            }
            written += n
        }
    }
    guard fsync(fd) == 0 else { throw DescentError("\(target): fsync failed: \(String(cString: strerror(errno)))") }
}

/// Removes `prefix<pid>` folders in `folder` whose process no longer exists.
private func removeStaleTemporaryFolders(in folder: String, prefix: String) {
    for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasPrefix(prefix) {
        guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid() else { continue }
        if kill(pid, 0) != 0 && errno == ESRCH { removeTree("\(folder)/\(name)") }
    }
}

/// Removes a folder of plain files (best effort). A symbolic link (or any other file) of
/// that name is unlinked itself: nothing is deleted where it points.
private func removeTree(_ path: String) {
    var st = stat()
    guard lstat(path, &st) == 0 else { return }
    guard (st.st_mode & S_IFMT) == S_IFDIR else { unlink(path); return }
    for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { unlink("\(path)/\(name)") }
    rmdir(path)
}
