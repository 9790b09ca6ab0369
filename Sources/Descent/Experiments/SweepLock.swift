import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive advisory lock on a sweep folder, so two sweeps never run the same runs.
///
/// The lock is `flock(LOCK_EX | LOCK_NB)` on `FOLDER/.lock`, which also holds the holder's
/// pid (a decimal line, for the message). The kernel releases a `flock` when its holder
/// exits or is killed, so a crashed sweep never leaves the folder locked: a stale `.lock`
/// file is just an unlocked file. `release()` removes it again.
///
/// Example: a second `descent compare --out runs/a` while the first runs fails with
/// `runs/a: another sweep (pid 4242) is running in this folder; wait for it to finish or use another --out`.
public final class SweepLock {
    public let path: String
    private var fd: Int32

    /// Takes the lock on `folder` (which must exist) or throws naming the holder's pid.
    public init(folder: String) throws {
        path = (folder.hasSuffix("/") ? folder : folder + "/") + ".lock"
        fd = -1
        // The file may be removed by a holder that releases while we open it: then our inode
        // is no longer the one at `path`, and we retry on the new file.
        for _ in 0..<10 {
            let candidate = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard candidate >= 0 else {
                throw DescentError("\(folder): cannot create lock file \(path): \(String(cString: strerror(errno)))")
            }
            if flock(candidate, LOCK_EX | LOCK_NB) != 0 {
                let code = errno
                close(candidate)
                guard code == EWOULDBLOCK else {
                    throw DescentError("\(folder): cannot lock \(path): \(String(cString: strerror(code)))")
                }
                let holder = SweepLock.holderPID(path).map { "pid \($0)" } ?? "pid unknown"
                throw DescentError("\(folder): another sweep (\(holder)) is running in this folder; wait for it to finish or use another --out")
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
        let line = Array("\(getpid())\n".utf8)
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

    /// The pid written in the lock file, waiting briefly for a holder that has just taken
    /// the lock but not yet written it.
    static func holderPID(_ path: String) -> Int32? {
        for _ in 0..<20 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
               let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return pid
            }
            usleep(25_000)
        }
        return nil
    }
}
