import XCTest
@testable import Descent

/// Downloads over a real HTTP connection to a server on 127.0.0.1 that this test starts
/// (`LoopbackHTTPServer`): a 404 on the first mirror, a connection dropped mid-file, a wrong
/// file and a silent server. Each failure is one line naming the file, the URL and what went
/// wrong, leaves nothing in the cache, and a rerun succeeds once the server behaves.
final class DownloadTests: XCTestCase {
    let file = DatasetFile.trainImages
    /// 300 kB that gzip cannot shrink much: several reads on the client side.
    let body: [UInt8] = {
        var g = RandomGenerator(seed: 7)
        return (0..<300_000).map { _ in UInt8(g.below(256)) }
    }()
    var digest: String { SHA256.hex(of: body) }
    var server: LoopbackHTTPServer!
    var cache: String!

    override func setUpWithError() throws {
        server = try LoopbackHTTPServer()
        cache = try makeTemporaryDirectory(self)
    }

    override func tearDown() { server.stop() }

    func download(_ mirrors: [String], timeout: TimeInterval = 10) throws {
        try DatasetLoader.download(file, mirrors: mirrors.map { server.base + $0 }, sha256: digest, into: cache, timeout: timeout)
    }

    /// The error of a failing download: one line, naming what is given.
    func failure(_ mirrors: [String], timeout: TimeInterval = 10, mentions: [String]) -> String {
        var message = ""
        XCTAssertThrowsError(try download(mirrors, timeout: timeout)) { error in
            message = "\(error)"
            XCTAssertTrue(error is DescentError, message)
            XCTAssertFalse(message.contains("\n"), message)
            for m in mentions { XCTAssertTrue(message.contains(m), "\(message) does not mention \(m)") }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache), [], "nothing may stay in the cache")
        print("download: \(message)")
        return message
    }

    func assertDownloaded() throws {
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache), [file.fileName])
        XCTAssertEqual(try FileBytes.read(cache + "/" + file.fileName), body)
    }

    func testNotFoundOnTheFirstMirrorThenTheSecond() throws {
        server["/b/" + file.fileName] = .serve(body)
        try download(["/a/", "/b/"])
        try assertDownloaded()
        XCTAssertEqual(server.requests, ["/a/" + file.fileName, "/b/" + file.fileName])
        // Both missing: one line listing both mirrors' answers.
        let other = try makeTemporaryDirectory(self)
        XCTAssertThrowsError(try DatasetLoader.download(file, mirrors: [server.base + "/x/", server.base + "/y/"],
                                                        sha256: digest, into: other)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("failed from every mirror") && text.contains("/x/") && text.contains("/y/") && text.contains("HTTP 404"), text)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: other), [])
    }

    func testConnectionDroppedMidFile() throws {
        server["/m/" + file.fileName] = .dropAfter(body, bytes: 120_000)
        _ = failure(["/m/"], mentions: [file.fileName, server.base + "/m/", "connection closed", "of 300000 bytes"])
        server["/m/" + file.fileName] = .serve(body)
        try download(["/m/"])
        try assertDownloaded()
    }

    func testWrongFileIsADigestMismatch() throws {
        server["/m/" + file.fileName] = .serve(Array(body.reversed()))
        _ = failure(["/m/"], mentions: [file.fileName, "SHA-256 mismatch", "expected " + digest])
        server["/m/" + file.fileName] = .serve(body)
        try download(["/m/"])
        try assertDownloaded()
    }

    func testSilentServerHitsTheTimeout() throws {
        server["/m/" + file.fileName] = .stall(body, bytes: 50_000, seconds: 8)
        let start = Date()
        _ = failure(["/m/"], timeout: 1, mentions: [file.fileName, "no data for 1 s", "timed out"])
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertLessThan(elapsed, 6, "the 1 s timeout took \(elapsed) s")
        server["/m/" + file.fileName] = .serve(body)
        try download(["/m/"], timeout: 1)
        try assertDownloaded()
    }

    /// A server that sends a byte every 0.25 s is never silent for the 5 s idle timeout; the
    /// total deadline (2 s here) ends the transfer anyway.
    func testTricklingServerHitsTheTotalDeadline() throws {
        let small = Array(body.prefix(40))
        server["/m/" + file.fileName] = .trickle(small, every: 0.25)
        let start = Date()
        var message = ""
        XCTAssertThrowsError(try DatasetLoader.download(file, mirrors: [server.base + "/m/"], sha256: SHA256.hex(of: small),
                                                        into: cache, timeout: 5, totalTimeout: 2)) { message = "\($0)" }
        let elapsed = Date().timeIntervalSince(start)
        for m in [file.fileName, "not complete after 2 s", "of 40 bytes"] { XCTAssertTrue(message.contains(m), "\(message) does not mention \(m)") }
        XCTAssertLessThan(elapsed, 5, "the 2 s deadline took \(elapsed) s")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache), [])
    }

    /// A body larger than the file can be: refused as soon as it is announced, or cut once
    /// that many bytes have come when no length is announced. Nothing stays in the cache.
    ///
    /// Each case has its own server. On Linux the client library finishes cancelling a
    /// transfer that a server keeps flooding only when the flood ends, and until then it
    /// holds back the next transfer (seen: 1 to 20 s). The download itself returns at once;
    /// stopping the first server ends its flood before the second case starts.
    func testBodyLargerThanTheFileCanBeIsRefused() throws {
        let labels = DatasetFile.trainLabels
        XCTAssertEqual(labels.largestDownload, 60_008 + 60_008 / 8 + 65_536)
        for (announce, mention) in [(Int?.some(1 << 40), "announces \(1 << 40) bytes"), (nil, "the server sent")] {
            server.stop()
            server = try LoopbackHTTPServer()
            server["/big/" + labels.fileName] = .endless(announce: announce)
            let start = Date()
            var message = ""
            XCTAssertThrowsError(try DatasetLoader.download(labels, mirrors: [server.base + "/big/"], sha256: digest,
                                                            into: cache, timeout: 5)) { message = "\($0)" }
            for m in [labels.fileName, mention, "more than the \(labels.largestDownload) bytes"] {
                XCTAssertTrue(message.contains(m), "\(message) does not mention \(m)")
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 5)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache), [])
        }
    }

    func testNobodyListening() throws {
        let port = server.port
        server.stop()
        XCTAssertThrowsError(try DatasetLoader.download(file, mirrors: ["http://127.0.0.1:\(port)/"], sha256: digest,
                                                        into: cache, timeout: 5)) { error in
            XCTAssertTrue("\(error)".contains("cannot connect"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache), [])
    }

    /// A `.part-<pid>` left by a killed download is removed by the next one.
    func testStalePartialFromADeadProcessIsRemoved() throws {
        let dead = Process()
        dead.executableURL = URL(fileURLWithPath: "/bin/true")
        try dead.run()
        dead.waitUntilExit()
        let stale = cache + "/" + file.fileName + ".part-\(dead.processIdentifier)"
        try FileBytes.write([1, 2, 3], to: stale)
        server["/m/" + file.fileName] = .serve(body)
        try download(["/m/"])
        try assertDownloaded()
    }

    /// Through the binary: every mirror fails (a 404, then a dropped connection): one line
    /// `descent: error: …` with both reasons, exit 1, an empty cache.
    func testCLIReportsEveryMirrorInOneLine() throws {
        server["/drop/" + file.fileName] = .dropAfter(body, bytes: 1000)
        let home = try makeTemporaryDirectory(self)
        let r = try ReliabilityBadInputBatteryTests.run(
            ["train", "--dataset", "kmnist", "--model", "784-16-10", "--epochs", "1", "--threads", "1"],
            environment: ["XDG_CACHE_HOME": home, "DESCENT_MIRRORS": "\(server.base)/none/,\(server.base)/drop/"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stderr)
        for m in ["descent: error: ", "train-images-idx3-ubyte.gz", "HTTP 404", "connection closed after 1000 of 300000 bytes"] {
            XCTAssertTrue(r.stderr.contains(m), "\(r.stderr) does not mention \(m)")
        }
        let left = (try? FileManager.default.subpathsOfDirectory(atPath: home)) ?? []
        XCTAssertTrue(left.allSatisfy { !$0.contains(".gz") }, "\(left)")
        print("download CLI: \(lines.first ?? "")")
    }
}
