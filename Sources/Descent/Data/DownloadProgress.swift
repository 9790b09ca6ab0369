import Foundation

/// A one-line progress bar on stderr for a download, redrawn in place (at most ten times a
/// second), e.g. `train-images-idx3-ubyte.gz [##########----------]  50%  13.2 of 26.4 MB`.
/// Without a known size it shows the bytes so far. Only used when stderr is a terminal.
final class DownloadProgress: @unchecked Sendable {
    let name: String
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(name: String) { self.name = name }

    func update(received: Int64, total: Int64) {
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || (total > 0 && received == total) else { return }
        lastDraw = now
        drawn = true
        let mb = { (n: Int64) in String(format: "%.1f", Double(n) / 1_000_000) }
        var line = "\r\u{1B}[K\(name) "
        if total > 0 {
            let fraction = min(1, Double(received) / Double(total))
            let filled = Int(fraction * 20)
            line += "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "] "
            line += String(format: "%3d%%", Int(fraction * 100)) + "  \(mb(received)) of \(mb(total)) MB"
        } else {
            line += "\(mb(received)) MB"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Ends the line.
    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
    }
}
