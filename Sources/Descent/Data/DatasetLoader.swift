// Provisional (replaced by the data branch).
import Foundation
public enum DatasetName: String, CaseIterable, Codable, Sendable { case mnist, fashionMNIST = "fashion-mnist", kmnist }
public enum DatasetLoader {
    public static func load(_ name: DatasetName, dataDirectory: String?, cacheDirectory: String?, allowDownload: Bool) throws -> (train: ImageSet, test: ImageSet) {
        func raw(_ p: String, _ h: Int) throws -> [UInt8] {
            guard let d = FileManager.default.contents(atPath: p) else { throw DescentError("\(p): missing") }
            return Array(d.dropFirst(h))
        }
        let d = dataDirectory ?? "/tmp/fm"
        return (ImageSet(count: 60000, height: 28, width: 28, pixels: try raw(d + "/train-images-idx3-ubyte", 16), labels: try raw(d + "/train-labels-idx1-ubyte", 8)),
                ImageSet(count: 10000, height: 28, width: 28, pixels: try raw(d + "/t10k-images-idx3-ubyte", 16), labels: try raw(d + "/t10k-labels-idx1-ubyte", 8)))
    }
}
