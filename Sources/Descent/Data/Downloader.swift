import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Downloads one URL to a file with `curl` (or `wget`), verifying its SHA-256.
///
/// The body goes to `<destination>.part-<pid>`; when the transfer succeeded and the digest
/// matches it is renamed over `destination` (atomic on one file system); otherwise the
/// temporary file is deleted and a `DescentError` names the file, the expected and the actual
/// digest. Progress (a single line) goes to stderr only when stderr is a terminal. Any URL the
/// tool understands works, including `file://` (used by the tests).
public enum Downloader {
    /// The first of `curl`, `wget` found on `PATH`.
    public static func tool() -> (name: String, path: String)? {
        let path = (getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin")
        for name in ["curl", "wget"] {
            for dir in path.split(separator: ":") {
                let candidate = "\(dir)/\(name)"
                if access(candidate, X_OK) == 0 && !FileBytes.isDirectory(candidate) { return (name, candidate) }
            }
        }
        return nil
    }

    /// Fetches `url` into `destination`, requiring the SHA-256 (hex) `sha256`.
    public static func fetch(url: String, to destination: String, sha256 expected: String) throws {
        guard let tool = tool() else {
            throw DescentError("\(destination): cannot download \(url): neither curl nor wget is installed")
        }
        let temporary = "\(destination).part-\(getpid())"
        let showProgress = isatty(STDERR_FILENO) != 0
        var arguments: [String]
        if tool.name == "curl" {
            arguments = ["--fail", "--location", "--retry", "2", "--connect-timeout", "30",
                         "--output", temporary]
            arguments += showProgress ? ["--progress-bar"] : ["--silent", "--show-error"]
        } else {
            arguments = ["--tries=3", "--timeout=30", "--output-document=" + temporary]
            arguments += showProgress ? ["--quiet", "--show-progress"] : ["--quiet"]
        }
        // A space (e.g. in a file:// mirror path) is not valid in a URL: curl rejects it.
        arguments.append(url.replacingOccurrences(of: " ", with: "%20"))
        if showProgress { FileHandle.standardError.write("Downloading \(url)\n".data(using: .utf8)!) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool.path)
        process.arguments = arguments
        let errorPipe = Pipe()
        if !showProgress { process.standardError = errorPipe }
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw DescentError("\(destination): cannot run \(tool.path): \(error)")
        }
        let errorOutput = showProgress ? Data() : errorPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            unlink(temporary)
            let detail = String(decoding: errorOutput, as: UTF8.self)
                .split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
            throw DescentError("\(destination): download of \(url) failed (\(tool.name) exit status \(process.terminationStatus))\(detail.isEmpty ? "" : ": " + detail)")
        }
        let actual: String
        do {
            actual = try SHA256.hex(ofFile: temporary)
        } catch {
            unlink(temporary)
            throw error
        }
        if actual != expected.lowercased() {
            unlink(temporary)
            throw DescentError("\(destination): SHA-256 mismatch for \(url): expected \(expected.lowercased()), got \(actual)")
        }
        if rename(temporary, destination) != 0 {
            let code = errno
            unlink(temporary)
            throw DescentError("\(destination): cannot rename downloaded file into place: \(FileBytes.describe(errno: code))")
        }
    }
}
