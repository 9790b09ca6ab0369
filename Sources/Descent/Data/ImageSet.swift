/// Labelled images kept as bytes: `count` images of `height × width` pixels, row-major,
/// one byte per pixel (0…255), and one label byte per image. 60,000 MNIST images take
/// 47 MB this way; minibatches are converted to Float in a reused buffer (`Batches`).
public struct ImageSet: Sendable {
    public let count: Int
    public let height: Int
    public let width: Int
    /// `count × height × width` bytes.
    public let pixels: [UInt8]
    /// `count` class indices.
    public let labels: [UInt8]

    /// Pixels per image.
    public var featureCount: Int { height * width }

    public init(count: Int, height: Int, width: Int, pixels: [UInt8], labels: [UInt8]) {
        precondition(pixels.count == count * height * width, "ImageSet: \(pixels.count) pixels for \(count)×\(height)×\(width)")
        precondition(labels.count == count, "ImageSet: \(labels.count) labels for \(count) images")
        self.count = count
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
    }

    /// The first `n` images (or all, if fewer).
    public func prefix(_ n: Int) -> ImageSet {
        let k = Swift.min(n, count)
        return ImageSet(count: k, height: height, width: width,
                        pixels: Array(pixels[0..<(k * featureCount)]), labels: Array(labels[0..<k]))
    }

    /// Number of classes (largest label + 1).
    public var classCount: Int { Int(labels.max() ?? 0) + 1 }
}
