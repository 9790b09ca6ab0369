import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What memory this machine can give a new process: `MemAvailable` of `/proc/meminfo`, or
/// less when a cgroup limit (`memory.max` minus `memory.current`) leaves less, or when the
/// process's address-space limit (`RLIMIT_AS`, `ulimit -v`, minus the address space it
/// already maps, `VmSize`) leaves less.
public enum MachineMemory {
    /// In bytes; nil where it cannot be read (not Linux).
    public static func available() -> Int? {
        guard let memory = physical() else { return nil }
        return min(memory, addressSpaceLeft() ?? .max)
    }

    /// `RLIMIT_AS` minus `VmSize` of `/proc/self/status`, nil without a limit.
    public static func addressSpaceLeft() -> Int? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }  // RLIM_INFINITY
        let cap = limit.rlim_cur > UInt64(Int.max) ? Int.max : Int(limit.rlim_cur)
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmSize:") }),
              let kB = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return cap }
        return max(0, cap - kB * 1024)
    }

    /// Available memory and the cgroup's limit, in bytes.
    public static func physical() -> Int? {
        guard let meminfo = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
              let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
              let kB = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        var available = kB * 1024
        func number(_ file: String) -> Int? {
            (try? String(contentsOfFile: "/sys/fs/cgroup/" + file, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        if let limit = number("memory.max"), let used = number("memory.current") { available = min(available, max(0, limit - used)) }
        return available
    }

    /// Throws unless `bytes` more fit in what is available (`available()`; nothing is
    /// refused where that is unknown): `what` starts the message, e.g. "x.gz: its header
    /// announces 7.8 GB". Sizes read from files are checked so before they are allocated,
    /// since an allocation that fails ends the process.
    public static func check(_ bytes: Int, _ what: String) throws {
        if let available = available(), bytes > available {
            throw DescentError("\(what), more than the \(MemoryEstimate.text(available)) of memory available")
        }
    }
}
