import Descent
import Foundation

/// A dataset format written outside Descent: a folder with `train.txt` and `test.txt`, each
/// a first line `C H W` (the image shape) and then one image a line, its label and its
/// C·H·W pixel bytes (0…255, channel-major then row-major) as decimal numbers:
///
/// ```
/// 3 2 2
/// 1 255 0 0 255  0 255 0 255  0 0 255 255
/// ```
/// Read with `--format pixel-text --data-dir DIR`.
enum PixelText {
    static let format = DatasetFormat(
        name: "pixel-text", summary: "train.txt and test.txt, a line 'C H W' then one image a line: label and pixel bytes",
        holdsData: { dir in ["train.txt", "test.txt"].allSatisfy { FileManager.default.fileExists(atPath: dir + "/" + $0) } },
        read: { dir, _ in DatasetSplits(train: try read(dir + "/train.txt"), test: try read(dir + "/test.txt")) })

    static func read(_ path: String) throws -> ImageSet {
        guard let data = FileManager.default.contents(atPath: path) else { throw DescentError("\(path): cannot be read") }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.split(separator: " ") }
        guard let head = lines.first, head.count == 3, let shape = Optional(head.compactMap { Int($0) }), shape.count == 3,
              shape.allSatisfy({ (1...4096).contains($0) }) else {
            throw DescentError("\(path): line 1 must be 'C H W', three sizes in 1…4096")
        }
        let size = shape.reduce(1, *)
        var pixels: [UInt8] = []
        var labels: [UInt8] = []
        for (i, line) in lines.dropFirst().enumerated() {
            let bytes = line.compactMap { UInt8($0) }
            guard bytes.count == line.count, bytes.count == 1 + size else {
                throw DescentError("\(path): line \(i + 2) must hold a label and \(size) pixels, each 0…255")
            }
            labels.append(bytes[0])
            pixels += bytes.dropFirst()
        }
        return try ImageSet(count: labels.count, channels: shape[0], height: shape[1], width: shape[2], pixels: pixels, labels: labels)
    }
}
