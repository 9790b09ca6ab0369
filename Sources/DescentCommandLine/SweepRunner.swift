import Descent
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs pending runs in child processes (`descent worker`), `plan.jobs` at a time, and
/// appends each finished record to the store as soon as it arrives (durably, in the
/// parent only). A child that dies loses only its own unfinished run.
/// Its threads share `state` and the store only under `lock` (hence `@unchecked Sendable`).
final class SweepRunner: @unchecked Sendable {
    let store: ResultsStore
    let plan: ExecutionPlan
    /// The `--data-dir` the workers read (the dataset itself is in each run's spec).
    let dataDir: String?
    /// The data the sweep runs on: a worker that reads other data refuses to run.
    let fingerprint: DataFingerprint
    /// Where workers write each run's trained weights (nil: not kept).
    let modelsDir: String?
    /// More arguments for every worker (e.g. `--tensorboard DIR --log-every N`).
    var workerArguments: [String] = []
    let progress: Progress?
    private let lock = NSLock()

    /// What the job threads share (under `lock`).
    private struct State {
        var next = 0
        var failures: [String] = []
        var storeError: Error?
        var unrecorded = 0
    }
    private var state = State()

    init(store: ResultsStore, plan: ExecutionPlan, dataDir: String?, fingerprint: DataFingerprint,
         modelsDir: String?, showProgress: Bool) {
        self.store = store
        self.plan = plan
        self.dataDir = dataDir
        self.fingerprint = fingerprint
        self.modelsDir = modelsDir
        self.progress = showProgress ? Progress() : nil
    }

    /// Runs everything; returns a message per run that failed.
    ///
    /// Throws if finished runs could not be recorded (a full disk): the store has already cut
    /// any partial line; no new run is started after the first such failure, and the error
    /// says how many finished runs were lost this way (a rerun computes them again).
    func run(_ runs: [RunSpec]) throws -> [String] {
        guard !runs.isEmpty else { return [] }
        // Each worker process runs its compute threads; this process a thread per job and
        // Foundation's process monitor (which hangs this process for good if it cannot
        // start). All count towards a limit on processes (ulimit -u): better one line now
        // than a hang, or runs failing one after the other.
        let jobs = min(plan.jobs, runs.count)
        // Foundation cannot start a child process below 255 open files (measured: the
        // workers fail with "Bad file descriptor" at ulimit -n 250); each running job holds
        // its pipes here.
        try CLI.checkOpenFiles(256 + 8 * jobs, for: "\(jobs) worker process(es)")
        try CLI.checkThreadRoom(jobs * plan.threadsPerJob + jobs + 1,
                                for: "\(jobs) worker process(es) of \(plan.threadsPerJob) thread(s)")
        state = State()
        progress?.start(total: runs.count)
        // Not Dispatch's concurrentPerform, which hangs when a thread cannot start (ulimit -u).
        concurrentForEach(plan.jobs) { _ in
            while true {
                lock.lock()
                guard state.next < runs.count, state.storeError == nil else { lock.unlock(); return }
                let spec = runs[state.next]
                state.next += 1
                lock.unlock()
                let record: RunRecord
                do {
                    record = try runChild(spec)
                } catch {
                    lock.lock()
                    state.failures.append("\(spec.config.optimizer.kind.rawValue) seed \(spec.seed): \(error)")
                    progress?.failed(spec)
                    lock.unlock()
                    continue
                }
                lock.lock()
                defer { lock.unlock() }
                do {
                    try store.append(record)
                    progress?.finished(spec, record)
                } catch {
                    if state.storeError == nil { state.storeError = error }
                    state.unrecorded += 1
                    progress?.failed(spec)
                }
            }
        }
        progress?.end()
        if let storeError = state.storeError {
            let others = state.failures.isEmpty ? "" : ", \(state.failures.count) other run(s) failed"
            let notStarted = runs.count - state.next
            throw DescentError("\(storeError); \(state.unrecorded) finished run(s) could not be recorded\(others)\(notStarted > 0 ? ", \(notStarted) not started" : ""): free space and rerun the same command to redo them")
        }
        return state.failures
    }

    private func runChild(_ spec: RunSpec) throws -> RunRecord {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let specJSON = String(decoding: try encoder.encode(spec), as: UTF8.self)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SweepRunner.executablePath)
        var arguments = ["worker", "--spec", specJSON, "--threads", "\(plan.threadsPerJob)", "--data-fingerprint", fingerprint.value]
        if let d = dataDir { arguments += ["--data-dir", d] }
        if let m = modelsDir { arguments += ["--models-dir", m] }
        arguments += workerArguments
        process.arguments = arguments
        let stdoutPipe = Pipe()
        let stderrPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        do { try process.run() } catch {
            // Foundation's error names the executable; what failed is the system call.
            let cause = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map { String(cString: strerror(Int32($0.code))) }
            throw DescentError("cannot start a worker process: \(cause ?? "\(error)")")
        }
        var record: RunRecord?
        let decoder = JSONDecoder.descent(CommandContext.registry)
        // Read the child's protocol lines: "E {epoch json}" while training, "R {record json}" at the end.
        let stream = fdopen(dup(stdoutPipe.fileHandleForReading.fileDescriptor), "r")
        var linePointer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        while let stream, getline(&linePointer, &capacity, stream) > 0 {
            let line = String(cString: linePointer!)
            if line.hasPrefix("E "), let m = try? decoder.decode(EpochMetrics.self, from: Data(line.dropFirst(2).utf8)) {
                lock.lock(); progress?.epoch(spec, m); lock.unlock()
            } else if line.hasPrefix("R ") {
                record = try? decoder.decode(RunRecord.self, from: Data(line.dropFirst(2).utf8))
            }
        }
        free(linePointer)
        if let stream { fclose(stream) }
        let errorText = String(decoding: stderrPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationReason == .exit, process.terminationStatus == 0, let record, record.key == spec.key {
            // What the store will read back must pass its checks, on the sweep's data.
            if let problem = record.problem { throw DescentError("the worker's record fails its checks: \(problem)") }
            if record.data?.fingerprint != fingerprint.value { throw DescentError("the worker's record is not on the sweep's data") }
        }
        guard process.terminationReason == .exit, process.terminationStatus == 0, let record, record.key == spec.key else {
            let why = process.terminationReason == .uncaughtSignal
                ? "worker killed by signal \(process.terminationStatus)"
                : errorText.split(separator: "\n").last.map(String.init) ?? "worker exited with status \(process.terminationStatus)"
            throw DescentError(why)
        }
        return record
    }

    /// This executable, to start workers with.
    static var executablePath: String {
        #if os(Linux)
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }
}

/// A one-line live progress display on stderr: runs done/total, current epochs, ETA.
final class Progress {
    /// On a terminal the line is redrawn in place; otherwise (with --verbose) one line per finished run.
    private let interactive = isatty(STDERR_FILENO) == 1
    private var total = 0
    private var done = 0
    private var failed = 0
    private var started = Date()
    private var current: [String: String] = [:]

    func start(total: Int) { self.total = total; started = Date(); draw() }

    func epoch(_ spec: RunSpec, _ m: EpochMetrics) {
        current[spec.key] = "\(spec.config.optimizer.kind.rawValue)#\(spec.seed) ep \(m.epoch)/\(spec.config.epochs)"
        draw()
    }

    func finished(_ spec: RunSpec, _ r: RunRecord) { done += 1; current[spec.key] = nil; draw() }
    func failed(_ spec: RunSpec) { failed += 1; current[spec.key] = nil; draw() }

    private var lastPrinted = -1

    func end() { if interactive { FileHandle.standardError.write(Data("\n".utf8)) } }

    private func draw() {
        let elapsed = Date().timeIntervalSince(started)
        var eta = "–"
        if done > 0 {
            let remaining = elapsed / Double(done) * Double(total - done - failed)
            eta = remaining >= 60 ? "\(Int(remaining) / 60)m\(String(format: "%02d", Int(remaining) % 60))s" : "\(Int(remaining))s"
        }
        let running = current.values.sorted().joined(separator: ", ")
        let counts = "runs \(done)/\(total)\(failed > 0 ? " (\(failed) failed)" : "")"
        if interactive {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(counts)  [\(running)]  ETA \(eta)".utf8))
        } else if done + failed != lastPrinted {
            lastPrinted = done + failed
            FileHandle.standardError.write(Data("\(counts)  ETA \(eta)\n".utf8))
        }
    }
}
