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
/// The body is streamed to `<destination>.part-<pid>`; when the transfer is complete (every
/// byte the server announced) and the digest matches, it is renamed over `destination`
/// (atomic on one file system). On any failure the temporary file is deleted and a
/// `DescentError` names the destination, the URL and what went wrong in one line:
/// `HTTP 404`, `connection closed after 1000 of 4000 bytes`, `no data for 30 s (timed out)`,
/// `SHA-256 mismatch … expected …, got …`. `.part-<pid>` files left by killed processes are
/// removed by the next download into the same folder. A progress bar goes to stderr only
/// when stderr is a terminal. `file://` URLs are copied (the tests' mirrors).
public enum Downloader {
    /// Seconds a transfer may go without receiving any data (also while connecting).
    public static let defaultTimeout: TimeInterval = 30

    /// Fetches `url` into `destination`, requiring the SHA-256 (hex) `sha256`.
    public static func fetch(url: String, to destination: String, sha256 expected: String,
                             timeout: TimeInterval = defaultTimeout,
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
            case "file": try copy(parsed.path, to: temporary, progress: bar)
            case "http", "https": try HTTPTransfer(url: parsed, to: temporary, timeout: timeout, progress: bar).run()
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

    /// Copies a local file (a `file://` mirror) in 1 MiB chunks.
    static func copy(_ source: String, to path: String, progress: DownloadProgress?) throws {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw DescentError(FileBytes.describe(errno: errno)) }
        defer { close(input) }
        let output = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw DescentError("cannot create \(path): \(FileBytes.describe(errno: errno))") }
        defer { close(output) }
        var st = stat()
        let total = fstat(input, &st) == 0 ? Int64(st.st_size) : -1
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var copied: Int64 = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw DescentError("read failed: \(FileBytes.describe(errno: errno))") }
            if n == 0 { break }
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
/// once; the task ends early if the server is silent for `timeout` seconds; a body shorter
/// than the announced `Content-Length` is an error even if the client library accepts it.
final class HTTPTransfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let url: URL
    let path: String
    let timeout: TimeInterval
    let progress: DownloadProgress?
    private var fd: Int32 = -1
    private var received: Int64 = 0
    private var expected: Int64 = -1
    private var failure: String?
    private let finished = DispatchSemaphore(value: 0)

    init(url: URL, to path: String, timeout: TimeInterval, progress: DownloadProgress?) {
        self.url = url
        self.path = path
        self.timeout = timeout
        self.progress = progress
    }

    func run() throws {
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DescentError("cannot create \(path): \(FileBytes.describe(errno: errno))") }
        defer { close(fd) }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
        session.dataTask(with: url).resume()
        finished.wait()
        session.finishTasksAndInvalidate()
        if let failure { throw DescentError(failure) }
        progress?.finish()
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            failure = "HTTP \(http.statusCode) \(HTTPURLResponse.localizedString(forStatusCode: http.statusCode))"
            completionHandler(.cancel)
            return
        }
        expected = response.expectedContentLength
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil else { return }
        do {
            try Downloader.writeAll(fd, data, path: path)
            received += Int64(data.count)
            progress?.update(received: received, total: expected)
        } catch {
            failure = "\(error)"
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if failure == nil, let error { failure = describe(error) }
        if failure == nil, expected >= 0, received != expected {
            failure = "connection closed after \(received) of \(expected) bytes"
        }
        finished.signal()
    }

    private func describe(_ error: Error) -> String {
        let got = expected >= 0 ? "\(received) of \(expected) bytes" : "\(received) bytes"
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
