import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Checks of file permissions, run as a user they apply to.
///
/// Root reads every file whatever its mode, and CI runs as root; there these checks run as
/// `nobody`: the `descent` binary through `setpriv --reuid=nobody --regid=nogroup
/// --clear-groups` (or `runuser -u nobody`), from a 0755 copy in a 0755 folder (the build
/// folder may be under a home `nobody` cannot enter), and library calls with the process's
/// effective user and group switched to nobody's for the call. As any other user the checks
/// run as that user. They are skipped, with the reason, only where neither works: root
/// without a `nobody` entry, without setpriv/runuser (e.g. macOS), or without the right to
/// change user (a container without CAP_SETUID).
enum Unprivileged {
    struct User {
        let uid: uid_t
        let gid: gid_t
    }

    static var isRoot: Bool { geteuid() == 0 }

    /// `nobody` and the group `nogroup` (else nobody's own group).
    static let nobody: User? = {
        guard let pw = getpwnam("nobody") else { return nil }
        let gid = getgrnam("nogroup")?.pointee.gr_gid ?? pw.pointee.pw_gid
        return User(uid: pw.pointee.pw_uid, gid: gid)
    }()

    /// The command that starts `descent` so that file permissions apply: the binary itself
    /// when not root, else the launcher and a copy nobody can run. Throws `XCTSkip` saying
    /// why where that is impossible.
    static func descentCommand() throws -> [String] {
        guard isRoot else { return [Support.descentBinary] }
        switch launcher {
        case .success(let command): return command
        case .failure(let reason): throw Support.skip(reason.message)
        }
    }

    struct Reason: Error { let message: String }

    private static let launcher: Result<[String], Reason> = {
        guard let user = nobody else {
            return .failure(Reason(message: "running as root and there is no user 'nobody' to drop to"))
        }
        let candidates: [(String, [String])] = [
            ("/usr/bin/setpriv", ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "--"]),
            ("/bin/setpriv", ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "--"]),
            ("/usr/sbin/runuser", ["-u", "nobody", "--"]),
            ("/sbin/runuser", ["-u", "nobody", "--"]),
        ]
        guard let (tool, arguments) = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.0) }) else {
            return .failure(Reason(message: "running as root with neither setpriv nor runuser (util-linux) to drop privileges"))
        }
        // A copy of the binary in a folder every user can enter.
        let folder = NSTemporaryDirectory() + "descent-unprivileged-\(UUID().uuidString.prefix(8))"
        let copy = folder + "/descent"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Support.descentBinary, toPath: copy)
        } catch {
            return .failure(Reason(message: "cannot copy the descent binary for nobody: \(error)"))
        }
        makeReachable(copy)
        let command = [tool] + arguments + [copy]
        // One trial run: a container may forbid changing user.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = Array(command.dropFirst()) + ["--help"]
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        do { try p.run() } catch { return .failure(Reason(message: "cannot run \(tool): \(error)")) }
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            return .failure(Reason(message: "\(tool) cannot run descent as nobody: \(message.trimmingCharacters(in: .whitespacesAndNewlines))"))
        }
        return .success(command)
    }()

    /// Makes `path` readable and its folders enterable by everyone (0755 or 0644 by kind),
    /// up to the temporary directory.
    static func makeReachable(_ path: String) {
        let top = (NSTemporaryDirectory() as NSString).standardizingPath
        var current = (path as NSString).standardizingPath
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: current, isDirectory: &isDirectory)
        chmod(current, isDirectory.boolValue || access(current, X_OK) == 0 ? 0o755 : 0o644)
        while current.count > top.count, current.hasPrefix(top) {
            current = (current as NSString).deletingLastPathComponent
            if current.count > top.count { chmod(current, 0o755) }
        }
    }

    /// As root, gives `path` to nobody, so that an unprivileged run may write there.
    static func handOver(_ path: String) {
        guard isRoot, let user = nobody else { return }
        chown(path, user.uid, user.gid)
    }

    /// Runs `body` in this process as a user that file permissions apply to: as root, with
    /// the effective group and user switched to nobody's for the call and back afterwards
    /// (for every thread of the process). Throws `XCTSkip` saying why where that is impossible.
    static func run<T>(_ body: () throws -> T) throws -> T {
        guard isRoot else { return try body() }
        guard let user = nobody else { throw Support.skip("running as root and there is no user 'nobody' to drop to") }
        guard setegid(user.gid) == 0 else {
            throw Support.skip("running as root and setegid(\(user.gid)) fails: \(String(cString: strerror(errno)))")
        }
        guard seteuid(user.uid) == 0 else {
            let reason = String(cString: strerror(errno))
            setegid(0)
            throw Support.skip("running as root and seteuid(\(user.uid)) fails: \(reason)")
        }
        defer {
            // The saved user id is still 0, so this cannot fail; if it did, nothing after would be sound.
            precondition(seteuid(0) == 0 && setegid(0) == 0, "cannot return to root")
        }
        return try body()
    }
}
