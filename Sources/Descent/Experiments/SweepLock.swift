import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a folder descent writes (a sweep's, a run's, a report's),
/// so two processes never write one folder: every command that writes a folder takes it.
///
/// The lock is `flock(LOCK_EX | LOCK_NB)` on `FOLDER/.lock`, which also holds the holder's
/// pid and command (`4242 compare`, for the message). The kernel releases a `flock` when its
/// holder exits or is killed, so a crashed process never leaves the folder locked: a stale
/// `.lock` file is just an unlocked file. `release()` removes it again. A `.lock` that is a
/// symbolic link or not a regular file is refused (nothing is written through it).
///
/// Example: a second `descent compare --out runs/a` while the first runs fails with
/// `runs/a: another descent process (pid 4242, descent compare) is writing in this folder; wait for it to finish or use another --out`.
public final class SweepLock {
    public let path: String
    private var fd: Int32

    /// Takes the lock on `folder` (which must exist) for `command` (e.g. "train"), or throws
    /// naming the holder's pid and command.
    public init(folder: String, command: String = "sweep") throws {
        path = (folder.hasSuffix("/") ? folder : folder + "/") + ".lock"
        fd = -1
        // The file may be removed by a holder that releases while we open it: then our inode
        // is no longer the one at `path`, and we retry on the new file.
        for _ in 0..<10 {
            // O_NOFOLLOW: a symbolic link at `.lock` is refused, never truncated through.
            let candidate = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard candidate >= 0 else {
                if errno == ELOOP { throw DescentError("\(folder): \(path) is a symbolic link; remove it (descent writes no file through a link)") }
                throw DescentError("\(folder): cannot create lock file \(path): \(String(cString: strerror(errno)))")
            }
            var kind = stat()
            if fstat(candidate, &kind) == 0, (kind.st_mode & S_IFMT) != S_IFREG {
                close(candidate)
                throw DescentError("\(folder): \(path) is not a regular file; remove it")
            }
            if flock(candidate, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                close(candidate)
                guard code == EWOULDBLOCK else {
                    throw DescentError("\(folder): cannot lock \(path): \(String(cString: strerror(code)))")
                }
                let holder = SweepLock.holder(path).map { "pid \($0.pid)" + ($0.command.isEmpty ? "" : ", descent \($0.command)") } ?? "pid unknown"
                throw DescentError("\(folder): another descent process (\(holder)) is writing in this folder; wait for it to finish or use another --out")
            }
            var mine = stat(), current = stat()
            if fstat(candidate, &mine) == 0, stat(path, &current) == 0,
               mine.st_dev == current.st_dev, mine.st_ino == current.st_ino {
                fd = candidate
                break
            }
            close(candidate)
        }
        guard fd >= 0 else { throw DescentError("\(folder): cannot lock \(path): it keeps being replaced") }
        // Best effort: the lock holds without the pid (e.g. on a full disk).
        let line = Array("\(getpid()) \(command)\n".utf8)
        if ftruncate(fd, 0) == 0 { _ = line.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) } }
    }

    deinit { release() }

    /// Removes the lock file and releases the lock (also done when the process ends).
    public func release() {
        guard fd >= 0 else { return }
        unlink(path)
        close(fd)
        fd = -1
    }

    /// The pid and command written in the lock file, waiting briefly for a holder that has
    /// just taken the lock but not yet written it.
    static func holder(_ path: String) -> (pid: Int32, command: String)? {
        for _ in 0..<20 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
                if let first = words.first, let pid = Int32(first) {
                    return (pid, words.dropFirst().first.map { String($0.prefix(40).filter { $0.isLetter || $0.isNumber || $0 == "-" }) } ?? "")
                }
            }
            usleep(25_000)
        }
        return nil
    }
}
