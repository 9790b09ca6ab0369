import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A single-node Slurm cluster on this machine for one test, from Debian's `slurm-wlm` and
/// `munge` packages: munged, slurmctld and slurmd as root, every file (key, socket,
/// `slurm.conf`, state, spool, logs, pid files) in one temporary folder, ports chosen free,
/// so it touches nothing of the machine's own configuration and can run beside another.
///
/// `slurm.conf` (Slurm 22.05 starts with it in a second or two): `SlurmUser=root`,
/// `ProctrackType=proctrack/linuxproc`, `TaskPlugin=task/none` (no cgroups),
/// `SelectType=select/cons_tres` with `CR_CPU`, one node `NodeName=<short hostname>
/// NodeAddr=127.0.0.1 CPUs=2`, one partition. The daemons run in the foreground as this
/// process's children (spawned directly: Foundation's `Process` would wait for every
/// descendant that inherited its pipe); `stop()` cancels every job and ends them by pid
/// (SIGTERM, then SIGKILL after 10 s).
///
/// Where it cannot start — not Linux, not root, the packages missing — `start()` throws an
/// `XCTSkip` saying why; under `CI=true` it throws a failure instead, since CI installs
/// the packages (`Tools/setup.sh`).
final class SlurmCluster {
    let folder: String
    let conf: String
    let node: String
    private var daemons: [(name: String, pid: pid_t)] = []

    struct Failure: Error, CustomStringConvertible { let description: String }

    static let binaries = ["/usr/sbin/munged", "/usr/sbin/mungekey", "/usr/sbin/slurmctld", "/usr/sbin/slurmd",
                           "/usr/bin/sbatch", "/usr/bin/sinfo", "/usr/bin/squeue", "/usr/bin/scancel"]

    static func unavailable(_ reason: String) -> Error {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            return Failure(description: "the Slurm test must run under CI=true, but \(reason)")
        }
        return XCTSkip("Slurm test skipped: \(reason)")
    }

    static func start() throws -> SlurmCluster {
        #if !os(Linux)
        throw unavailable("it starts a cluster on Linux only")
        #else
        guard geteuid() == 0 else { throw unavailable("starting munged and slurmd needs root") }
        let missing = binaries.filter { access($0, X_OK) != 0 }
        guard missing.isEmpty else {
            throw unavailable("\(missing.joined(separator: ", ")) not installed (apt-get install slurm-wlm munge; Tools/setup.sh does it when CI=true)")
        }
        let cluster = try SlurmCluster()
        do {
            try cluster.boot()
        } catch {
            let logs = cluster.logs()
            cluster.stop()
            throw Failure(description: "\(error)\n\(logs)")
        }
        return cluster
        #endif
    }

    private init() throws {
        folder = Support.temporaryFolder("slurm")
        chmod(folder, 0o755)  // munged wants the socket's folder searchable by all
        conf = folder + "/slurm.conf"
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, name.count)
        node = String(cString: name).split(separator: ".").first.map(String.init) ?? "localhost"
    }

    /// The environment for Slurm's client commands: this cluster's `slurm.conf`, and `extraPath` first on `PATH`.
    func environment(extraPath: String? = nil) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("SLURM_") { env[key] = nil }
        env["SLURM_CONF"] = conf
        if let extraPath { env["PATH"] = extraPath + ":" + (env["PATH"] ?? "/usr/bin:/bin") }
        return env
    }

    private func boot() throws {
        let started = Date()
        try check(Self.run("/usr/sbin/mungekey", ["--create", "--keyfile=\(folder)/munge.key"]), "mungekey")
        try spawn("munged", ["/usr/sbin/munged", "--foreground", "--force", "--socket=\(folder)/munge.sock",
                             "--key-file=\(folder)/munge.key", "--pid-file=\(folder)/munged.pid",
                             "--log-file=\(folder)/munged.log", "--seed-file=\(folder)/munged.seed"])
        try waitFor("munged's socket", 10) { FileManager.default.fileExists(atPath: self.folder + "/munge.sock") }
        let ports = try Self.freePorts(2)
        let text = """
            ClusterName=descenttest
            SlurmctldHost=\(node)(127.0.0.1)
            SlurmUser=root
            SlurmdUser=root
            SlurmctldPort=\(ports[0])
            SlurmdPort=\(ports[1])
            AuthType=auth/munge
            AuthInfo=socket=\(folder)/munge.sock
            CredType=cred/munge
            StateSaveLocation=\(folder)/state
            SlurmdSpoolDir=\(folder)/spool
            SlurmctldPidFile=\(folder)/slurmctld.pid
            SlurmdPidFile=\(folder)/slurmd.pid
            SlurmctldLogFile=\(folder)/slurmctld.log
            SlurmdLogFile=\(folder)/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_CPU
            MpiDefault=none
            JobAcctGatherType=jobacct_gather/none
            AccountingStorageType=accounting_storage/none
            ReturnToService=2
            SchedulerType=sched/backfill
            NodeName=\(node) NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
            PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP

            """
        try text.write(toFile: conf, atomically: true, encoding: .utf8)
        for sub in ["state", "spool"] { try FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true) }
        try spawn("slurmctld", ["/usr/sbin/slurmctld", "-D", "-f", conf])
        try spawn("slurmd", ["/usr/sbin/slurmd", "-D", "-f", conf, "-N", node])
        let deadline = Date().addingTimeInterval(60)
        var state = ""
        while Date() < deadline {
            state = Self.run("/usr/bin/sinfo", ["-h", "-n", node, "-o", "%T"], environment: environment()).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if state == "idle" {
                print("slurm: \(version) cluster up in \(String(format: "%.1f", Date().timeIntervalSince(started))) s: node \(node), 2 CPUs, ports \(ports[0])/\(ports[1]), files in \(folder)")
                return
            }
            usleep(200_000)
        }
        throw Failure(description: "the node never became idle (sinfo says '\(state)')")
    }

    var version: String { Self.run("/usr/sbin/slurmd", ["-V"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }

    private func check(_ r: (status: Int32, stdout: String, stderr: String), _ what: String) throws {
        guard r.status == 0 else { throw Failure(description: "\(what) failed (status \(r.status)): \(r.stderr)\(r.stdout)") }
    }

    /// Starts a daemon in the foreground, its output into `name.out` in the folder.
    private func spawn(_ name: String, _ argv: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, folder + "/\(name).out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of this process (e.g. the pipe to swift-test) may live on in a daemon.
        let open = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
        for fd in open where fd > 2 && fcntl(fd, F_GETFD) >= 0 { posix_spawn_file_actions_addclose(&actions, fd) }
        var env = environment().map { "\($0.key)=\($0.value)" }
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = env.indices.map { strdup(env[$0]) } + [nil]
        defer { cArgs.forEach { free($0) }; cEnv.forEach { free($0) }; env = [] }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, &cEnv)
        guard code == 0 else { throw Failure(description: "cannot start \(name): \(String(cString: strerror(code)))") }
        daemons.append((name, pid))
        usleep(100_000)
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid {
            daemons.removeLast()
            let out = (try? String(contentsOfFile: folder + "/\(name).out", encoding: .utf8)) ?? ""
            throw Failure(description: "\(name) exited at once (status \(status)): \(out)")
        }
    }

    private func waitFor(_ what: String, _ seconds: Double, _ condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else { throw Failure(description: "no \(what) after \(Int(seconds)) s") }
            usleep(50_000)
        }
    }

    /// The last lines of the daemons' logs, for a failure message.
    func logs() -> String {
        ["munged.log", "slurmctld.log", "slurmd.log", "munged.out", "slurmctld.out", "slurmd.out"].map { name in
            let text = (try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)) ?? "(none)"
            return "--- \(name):\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Cancels every job, then ends the daemons it started (last started first).
    func stop() {
        if daemons.count == 3 {
            _ = Self.run("/usr/bin/scancel", ["--full", "--partition=test"], environment: environment(), timeout: 20)
            let deadline = Date().addingTimeInterval(15)
            while Date() < deadline,
                  !Self.run("/usr/bin/squeue", ["-h"], environment: environment(), timeout: 10).stdout
                      .trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                usleep(200_000)
            }
        }
        for (_, pid) in daemons.reversed() {
            kill(pid, SIGTERM)
            var status: Int32 = 0
            let deadline = Date().addingTimeInterval(10)
            while waitpid(pid, &status, WNOHANG) == 0 {
                if Date() > deadline { kill(pid, SIGKILL); waitpid(pid, &status, 0); break }
                usleep(50_000)
            }
        }
        daemons = []
    }

    deinit { stop() }

    /// `count` TCP ports that were free a moment ago on 127.0.0.1.
    static func freePorts(_ count: Int) throws -> [Int] {
        var sockets: [Int32] = [], ports: [Int] = []
        defer { sockets.forEach { close($0) } }
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard ok else { throw Failure(description: "no free port: \(String(cString: strerror(errno)))") }
            ports.append(Int(UInt16(bigEndian: address.sin_port)))
        }
        return ports
    }

    /// Runs a program to completion (killed after `timeout` seconds).
    @discardableResult
    static func run(_ path: String, _ arguments: [String], environment: [String: String]? = nil,
                    in directory: String? = nil, timeout: TimeInterval = 120) -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        if let environment { p.environment = environment }
        if let directory { p.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let logs = Support.temporaryFolder("run")
        FileManager.default.createFile(atPath: logs + "/out", contents: nil)
        FileManager.default.createFile(atPath: logs + "/err", contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: logs + "/out")
        p.standardError = FileHandle(forWritingAtPath: logs + "/err")
        p.standardInput = FileHandle.nullDevice
        do { try p.run() } catch { return (-1, "", "cannot run \(path): \(error)") }
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        var timedOut = false
        if p.isRunning { timedOut = true; kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        let out = (try? String(contentsOfFile: logs + "/out", encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: logs + "/err", encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: logs)
        return (timedOut ? -9 : p.terminationStatus, out, err + (timedOut ? "\n(killed after \(Int(timeout)) s)" : ""))
    }
}
