import Foundation
import XCTest
@testable import Descent

/// Shared helpers for tests: fixtures, temporary folders, the built binary, real data.
enum Support {
    /// `Tests/Fixtures` as copied into the test bundle.
    static var fixtures: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
    }

    /// A fresh empty folder under the system temporary directory.
    static func temporaryFolder(_ name: String = #function) -> String {
        let clean = name.filter { $0.isLetter || $0.isNumber }
        let path = NSTemporaryDirectory() + "descent-tests/\(clean)-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The `descent` executable built next to the test bundle.
    static var descentBinary: String { executable("descent") }

    /// An executable of this package (`descent`, `determinism-probe`, `descent-example`) built next to the test bundle.
    static func executable(_ name: String) -> String {
        var dir = Bundle.module.bundleURL.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        fatalError("\(name) not found near \(Bundle.module.bundleURL.path)")
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The repository's root folder (this file is Tests/DescentTests/Support.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path

    /// Runs the `descent` binary to completion.
    @discardableResult
    static func descent(_ arguments: [String], environment: [String: String]? = nil) throws -> Output {
        try run(descentBinary, arguments, environment: environment)
    }

    /// Runs `executable` to completion.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if let environment { p.environment = environment }
        // stdout through a pipe, stderr into a file: neither can fill up and block the child.
        let errPath = NSTemporaryDirectory() + "descent-stderr-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errPath) }
        let out = Pipe()
        let err = FileHandle(forWritingAtPath: errPath)!
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try? err.close()
        let errData = FileManager.default.contents(atPath: errPath) ?? Data()
        return Output(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A Python with numpy and safetensors: `$DESCENT_PYTHON`, else the virtualenv
    /// `Tools/python-venv.sh` makes (`${DESCENT_VENV:-~/.cache/descent/venv}`), which `.ci/run`
    /// always provides. Under CI (`CI=true`) a missing one is a failure; elsewhere the test is
    /// skipped, saying how to get one.
    static func interopPython() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let venv = environment["DESCENT_VENV"] ?? (NSHomeDirectory() + "/.cache/descent/venv")
        let candidates = [environment["DESCENT_PYTHON"], venv + "/bin/python"].compactMap { $0 }
        if let python = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return python }
        let message = "no Python found at \(candidates.joined(separator: ", ")) (run Tools/python-venv.sh, or set DESCENT_PYTHON)"
        if environment["CI"] == "true" { throw DescentError("CI provides a Python with numpy and safetensors: " + message) }
        throw XCTSkip(message)
    }

    /// Real Fashion-MNIST if it can be found without downloading, else nil.
    static let fashionMNIST: (train: ImageSet, test: ImageSet)? = {
        try? DatasetLoader.load(.fashionMNIST, dataDirectory: nil, cacheDirectory: nil, allowDownload: false)
    }()

    /// Real Fashion-MNIST, or skip the test (under CI, fail: `Tools/setup.sh` installs it).
    static func requireFashionMNIST() throws -> (train: ImageSet, test: ImageSet) {
        guard let d = fashionMNIST else {
            throw skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist, as Tools/setup.sh does)")
        }
        return d
    }

    /// The worst |a − b| / (|b| + `scale`) over the elements of Descent's `a` against the
    /// reference `b`; every element must be within `tolerance` · (|b| + `scale`), and the
    /// first that is not fails the test (result ∞). For element-by-element fixture checks.
    static func worstRelativeDifference(_ what: String, _ a: [Float], _ b: [Float], tolerance: Float, scale: Float,
                                        file: StaticString = #filePath, line: UInt = #line) -> Float {
        XCTAssertEqual(a.count, b.count, "\(what): element count", file: file, line: line)
        var worst: Float = 0
        for (i, (x, y)) in zip(a, b).enumerated() {
            if !(abs(x - y) <= tolerance * (abs(y) + scale)) {
                XCTFail("\(what)[\(i)]: descent \(x), torch \(y)", file: file, line: line)
                return .infinity
            }
            worst = max(worst, abs(x - y) / max(abs(y) + scale, .leastNormalMagnitude))
        }
        return worst
    }

    /// Whether the suite runs as CI (`CI=true`), where every test must run: what CI lacks is
    /// a failure of CI's setup, not a reason to skip.
    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The error that ends a test that cannot run here: `XCTSkip(reason)`, or under CI a
    /// failure saying the same, so that a green CI run has executed every test.
    static func skip(_ reason: String) -> Error {
        isCI ? DescentError("CI=true, so this test must run, but: " + reason) : XCTSkip(reason)
    }

    /// Writes the first `train`/`test` images of Fashion-MNIST as IDX files into a new folder.
    static func fashionSlice(train: Int, test: Int) throws -> String {
        let d = try requireFashionMNIST()
        let dir = temporaryFolder("slice\(train)x\(test)")
        try writeIDX(d.train.prefix(train), images: dir + "/train-images-idx3-ubyte", labels: dir + "/train-labels-idx1-ubyte")
        try writeIDX(d.test.prefix(test), images: dir + "/t10k-images-idx3-ubyte", labels: dir + "/t10k-labels-idx1-ubyte")
        return dir
    }

    static func writeIDX(_ set: ImageSet, images: String, labels: String) throws {
        try IDX.write(IDXArray(dimensions: [set.count, set.height, set.width], bytes: set.pixels), to: images, gzip: false)
        try IDX.write(IDXArray(dimensions: [set.count], bytes: set.labels), to: labels, gzip: false)
    }
}
