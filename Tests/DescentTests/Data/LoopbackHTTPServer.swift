import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 (an ephemeral port) for download tests. Each path
/// has a behaviour that can be changed while it runs ("the server behaves again"); any
/// other path is a 404. One request per connection (`Connection: close`). Everything is
/// bounded in time: a connection thread gives up reading after 5 s, a stall lasts at most
/// its given seconds, and `stop()` ends the accept loop within 0.1 s.
final class LoopbackHTTPServer: @unchecked Sendable {
    enum Behaviour {
        /// 200 with the whole body.
        case serve([UInt8])
        /// 404 with a short body.
        case notFound
        /// 200 announcing the whole body (`Content-Length`), then closing after `bytes` of it.
        case dropAfter([UInt8], bytes: Int)
        /// 200, `bytes` of the body, then silence for `seconds`, then the rest.
        case stall([UInt8], bytes: Int, seconds: Double)
        /// 200 announcing the whole body, then one byte every `every` seconds (never silent
        /// for long, never done soon).
        case trickle([UInt8], every: Double)
        /// 200 announcing `announce` bytes (nil: no `Content-Length`, the body ends when the
        /// connection does), then zeros for as long as the client reads, at most 20 s.
        case endless(announce: Int?)
    }

    let port: UInt16
    private let listener: Int32
    private let lock = NSLock()
    private var routes: [String: Behaviour] = [:]
    private var stopped = false
    private var log: [String] = []
    private let acceptLoopDone = DispatchSemaphore(value: 0)

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw ServerError("bind/listen: \(String(cString: strerror(errno)))")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    struct ServerError: Error, CustomStringConvertible { let description: String; init(_ d: String) { description = d } }

    var base: String { "http://127.0.0.1:\(port)" }

    subscript(path: String) -> Behaviour? {
        get { lock.lock(); defer { lock.unlock() }; return routes[path] }
        set { lock.lock(); routes[path] = newValue; lock.unlock() }
    }

    /// The paths requested so far, in order.
    var requests: [String] { lock.lock(); defer { lock.unlock() }; return log }

    func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        guard !wasStopped else { return }
        acceptLoopDone.wait()
        close(listener)
    }

    deinit { stop() }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    private func acceptLoop() {
        defer { acceptLoopDone.signal() }
        while !isStopped {
            var fds = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, 100) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            Thread.detachNewThread { [self] in handle(connection) }
        }
    }

    private func handle(_ connection: Int32) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.containsHeaderEnd {
            let n = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            request += buffer[0..<n]
        }
        let line = String(decoding: request.prefix { $0 != UInt8(ascii: "\r") }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let path = parts.count >= 2 ? String(parts[1]) : "/"
        lock.lock(); log.append(path); lock.unlock()
        func send(_ bytes: [UInt8]) -> Bool {
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { return false }
                sent += n
            }
            return true
        }
        func header(_ status: String, length: Int?) -> [UInt8] {
            let field = length.map { "Content-Length: \($0)\r\n" } ?? ""
            return Array("HTTP/1.1 \(status)\r\nContent-Type: application/octet-stream\r\n\(field)Connection: close\r\n\r\n".utf8)
        }
        switch self[path] ?? .notFound {
        case .notFound:
            let body = Array("not here\n".utf8)
            _ = send(header("404 Not Found", length: body.count) + body)
        case .serve(let body):
            _ = send(header("200 OK", length: body.count) + body)
        case .dropAfter(let body, let bytes):
            _ = send(header("200 OK", length: body.count) + body.prefix(bytes))
        case .stall(let body, let bytes, let seconds):
            guard send(header("200 OK", length: body.count) + body.prefix(bytes)) else { return }
            let until = Date().addingTimeInterval(seconds)
            while Date() < until && !isStopped { usleep(20_000) }
            _ = send(Array(body.dropFirst(bytes)))
        case .trickle(let body, let every):
            guard send(header("200 OK", length: body.count)) else { return }
            for byte in body {
                guard !isStopped, send([byte]) else { return }
                usleep(useconds_t(every * 1_000_000))
            }
        case .endless(let announce):
            guard send(header("200 OK", length: announce)) else { return }
            let zeros = [UInt8](repeating: 0, count: 1 << 16)
            let until = Date().addingTimeInterval(20)
            while Date() < until && !isStopped && send(zeros) {}
        }
    }
}

private extension Array where Element == UInt8 {
    var containsHeaderEnd: Bool {
        count >= 4 && (0...(count - 4)).contains { self[$0] == 13 && self[$0 + 1] == 10 && self[$0 + 2] == 13 && self[$0 + 3] == 10 }
    }
}
