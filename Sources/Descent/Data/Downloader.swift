import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Downloads one URL to a file, verifying its SHA-256, with the toolchain's own HTTP client
/// (Foundation's `URLSession`; on Linux FoundationNetworking, over libcurl) — no `curl` or
/// `wget` program is needed.
///
/// The body is streamed to `<destination>.part-<pid>` (created anew, never through a link);
/// when the transfer is complete (every byte the server announced) and the digest matches,
/// it is renamed over `destination` (atomic on one file system). On any failure the temporary
/// file is deleted and a `DescentError` names the destination, the URL and what went wrong in
/// one line: `HTTP 404`, `connection closed after 1000 of 4000 bytes`, `no data for 30 s
/// (timed out)`, `SHA-256 mismatch … expected …, got …`. `.part-<pid>` files left by killed
/// processes are removed by the next download into the same folder. A progress bar goes to
/// stderr only when stderr is a terminal. `file://` URLs are copied (the tests' mirrors).
///
/// Every transfer is bounded, whatever the source does:
/// - in size: at most `maximumSize` bytes (a body announced larger is refused before a byte
///   is written; one that keeps coming is cut there), so a mirror cannot fill the disk;
/// - in time: no more than `timeout` seconds without data, and no more than `totalTimeout`
///   seconds in all (a server that sends a byte now and then never hits the first);
/// - `file://` sources must be regular files: a FIFO (which would block forever) or a device
///   such as `/dev/zero` (which never ends) is refused at once.
public enum Downloader {
    /// Seconds a transfer may go without receiving any data (also while connecting).
    public static let defaultTimeout: TimeInterval = 30
    /// Seconds a whole transfer may take: 30 minutes, 20 kB/s for the largest catalogue file.
    public static let totalTimeout: TimeInterval = 1800
    /// The most bytes a transfer may bring when the caller names no bound: 64 MiB, more than
    /// any catalogue file can be (`DatasetFile.largestDownload`).
    public static let maximumSize: Int64 = 64 << 20

    /// Fetches `url` into `destination`, requiring the SHA-256 (hex) `sha256`.
    public static func fetch(url: String, to destination: String, sha256 expected: String,
                             maximumSize: Int64 = maximumSize,
                             timeout: TimeInterval = defaultTimeout, totalTimeout: TimeInterval = totalTimeout,
                             showProgress: Bool = isatty(STDERR_FILENO) == 1) throws {
        removeStalePartials(of: destination)
        let temporary = "\(destination).part-\(getpid())"
        do {
            // A space (e.g. in a file:// mirror path) is not valid in a URL.
            guard let parsed = URL(string: url.replacingOccurrences(of: " ", with: "%20")), let scheme = parsed.scheme else {
                throw DescentError("\(destination): cannot download \(url): not a URL")
            }
            let bar = showProgress ? DownloadProgress(name: (destination as NSString).lastPathComponent) : nil
            switch scheme.lowercased() {
            case "file": try copy(parsed.path, to: temporary, maximumSize: maximumSize, progress: bar)
            case "http", "https":
                try HTTPTransfer(url: parsed, to: temporary, maximumSize: maximumSize, timeout: timeout,
                                 totalTimeout: totalTimeout, progress: bar).run()
            default: throw DescentError("unsupported URL scheme '\(scheme)'")
            }
            let actual = try SHA256.hex(ofFile: temporary)
            if actual != expected.lowercased() {
                throw DescentError("\(destination): SHA-256 mismatch for \(url): expected \(expected.lowercased()), got \(actual)")
            }
            if rename(temporary, destination) != 0 {
                throw DescentError("\(destination): cannot rename downloaded file into place: \(FileBytes.describe(errno: errno))")
            }
        } catch let error as DescentError {
            unlink(temporary)
            throw error.message.hasPrefix(destination) ? error
                : DescentError("\(destination): download of \(url) failed: \(error.message)")
        }
    }

    /// Creates `path` anew for writing: whatever had the name (a stale file, a planted link)
    /// is removed first, and `O_EXCL | O_NOFOLLOW` never opens an existing file or a link.
    static func createTemporary(_ path: String) throws -> Int32 {
        unlink(path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DescentError("cannot create \(path): \(FileBytes.describe(errno: errno))") }
        return fd
    }

    /// The error for a source that brings more than `maximumSize` bytes.
    static func tooLarge(_ what: String, _ maximumSize: Int64) -> DescentError {
        DescentError("\(what), more than the \(maximumSize) bytes this file can be (stopped)")
    }

    /// Copies a local file (a `file://` mirror) in 1 MiB chunks: a regular file of at most
    /// `maximumSize` bytes. Opened without blocking (a FIFO would wait for a writer forever)
    /// and refused unless `fstat` says it is a regular file (`/dev/zero` never ends).
    static func copy(_ source: String, to path: String, maximumSize: Int64, progress: DownloadProgress?) throws {
        let input = open(source, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard input >= 0 else { throw DescentError(FileBytes.describe(errno: errno)) }
        defer { close(input) }
        var st = stat()
        guard fstat(input, &st) == 0 else { throw DescentError(FileBytes.describe(errno: errno)) }
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw DescentError("\(source) is a directory, expected a file")
        default: throw DescentError("\(source) is not a regular file (a FIFO, socket or device is never copied)")
        }
        let total = Int64(st.st_size)
        if total > maximumSize { throw tooLarge("\(source) holds \(total) bytes", maximumSize) }
        let output = try createTemporary(path)
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var copied: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw DescentError("read failed: \(FileBytes.describe(errno: errno))") }
            if n == 0 { break }
            // The file may grow while it is copied.
            if copied + Int64(n) > maximumSize { throw tooLarge("\(source) grew while copied", maximumSize) }
            try writeAll(output, buffer[0..<n], path: path)
            copied += Int64(n)
            progress?.update(received: copied, total: total)
        }
        progress?.finish()
    }

    /// Writes every byte of `bytes` to `fd` or throws (e.g. on a full disk).
    static func writeAll<C: ContiguousBytes>(_ fd: Int32, _ bytes: C, path: String) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw DescentError("cannot write \(path): \(FileBytes.describe(errno: errno))") }
                done += n
            }
        }
    }

    /// Removes `<destination>.part-<pid>` files whose process no longer runs.
    static func removeStalePartials(of destination: String) {
        let folder = (destination as NSString).deletingLastPathComponent
        let prefix = (destination as NSString).lastPathComponent + ".part-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink((folder as NSString).appendingPathComponent(name)) }
        }
    }
}

/// One HTTP(S) GET streamed into a file through a `URLSession` data task.
///
/// The response must be 2xx (redirects are followed); every received chunk is written at
/// once; the task ends early if the server is silent for `timeout` seconds, when the whole
/// transfer has taken `totalTimeout` seconds, or as soon as the body announced or received
/// exceeds `maximumSize` bytes; a body shorter than the announced `Content-Length` is an
/// error even if the client library accepts it.
final class HTTPTransfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let url: URL
    let path: String
    let maximumSize: Int64
    let timeout: TimeInterval
    let totalTimeout: TimeInterval
    let progress: DownloadProgress?
    private var fd: Int32 = -1
    private var received: Int64 = 0
    private var expected: Int64 = -1
    private var failure: String?
    private let finished = DispatchSemaphore(value: 0)
    private var ended = false

    init(url: URL, to path: String, maximumSize: Int64, timeout: TimeInterval, totalTimeout: TimeInterval,
         progress: DownloadProgress?) {
        self.url = url
        self.path = path
        self.maximumSize = maximumSize
        self.timeout = timeout
        self.totalTimeout = totalTimeout
        self.progress = progress
    }

    func run() throws {
        fd = try Downloader.createTemporary(path)
        defer { close(fd) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        let task = session.dataTask(with: url)
        task.resume()
        if finished.wait(timeout: .now() + totalTimeout) == .timedOut {
            // On the delegate queue, so that `failure` has one writer at a time.
            queue.addOperation { [self] in
                stop(task, "not complete after \(Self.seconds(totalTimeout)) s, the longest a download may take (\(receivedText))")
            }
            finished.wait()
        }
        session.finishTasksAndInvalidate()
        if let failure { throw DescentError(failure) }
        progress?.finish()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            fail("HTTP \(http.statusCode) \(HTTPURLResponse.localizedString(forStatusCode: http.statusCode))")
            completionHandler(.cancel)
            return
        }
        expected = response.expectedContentLength
        if expected > maximumSize {
            fail(Downloader.tooLarge("the server announces \(expected) bytes", maximumSize).message)
            completionHandler(.cancel)
            return
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil else { return }
        do {
            if received + Int64(data.count) > maximumSize {
                throw Downloader.tooLarge("the server sent \(received + Int64(data.count)) bytes", maximumSize)
            }
            try Downloader.writeAll(fd, data, path: path)
            received += Int64(data.count)
            progress?.update(received: received, total: expected)
        } catch {
            stop(dataTask, (error as? DescentError)?.message ?? "\(error)")
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if failure == nil, let error { failure = describe(error) }
        if failure == nil, expected >= 0, received != expected {
            failure = "connection closed after \(received) of \(expected) bytes"
        }
        end()
    }

    /// Ends the transfer now with `message` (unless it has failed already): `run` is let go
    /// first, then the task is cancelled. On Linux `cancel()` can block until the transfer
    /// thread notices, which for a server that keeps sending took from 0 to 20 s in tests;
    /// `run` never waits for it. Later callbacks see `failure` and touch nothing. On the
    /// delegate queue, like every callback.
    private func stop(_ task: URLSessionTask, _ message: String) {
        fail(message)
        task.cancel()
    }

    /// Records `message` as the failure (unless there is one) and lets `run` return.
    private func fail(_ message: String) {
        if failure == nil { failure = message }
        end()
    }

    /// Lets `run` return, once.
    private func end() {
        guard !ended else { return }
        ended = true
        finished.signal()
    }

    /// What has arrived: "1000 of 4000 bytes", or "1000 bytes" when no length was announced.
    private var receivedText: String { expected >= 0 ? "\(received) of \(expected) bytes" : "\(received) bytes" }

    private func describe(_ error: Error) -> String {
        let got = receivedText
        guard let code = (error as? URLError)?.code else { return "\(error)" }
        switch code {
        case .timedOut: return "no data for \(Self.seconds(timeout)) s (timed out after \(got))"
        case .cannotConnectToHost: return "cannot connect to \(url.host ?? "the server")"
        case .cannotFindHost, .dnsLookupFailed: return "cannot resolve the host name \(url.host ?? "")"
        case .notConnectedToInternet: return "no network"
        default:
            // libcurl reports a body cut short as an unknown error (-1) on Linux.
            if code == .networkConnectionLost || (expected >= 0 && received < expected) {
                return "connection closed after \(got)"
            }
            return "network error \(code.rawValue) after \(got)"
        }
    }

    static func seconds(_ t: TimeInterval) -> String {
        t == t.rounded() ? String(Int(t)) : String(format: "%.1f", t)
    }
}
