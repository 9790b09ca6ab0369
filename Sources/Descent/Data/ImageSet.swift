/// Labelled images kept as bytes: `count` images of `channels × height × width` pixels,
/// channel-major then row-major (the N×C×H×W layout of PyTorch), one byte per pixel
/// (0…255), and one label byte per image. 60,000 MNIST images take 47 MB this way;
/// minibatches are converted to Float in a reused buffer (`Batches`).
///
/// ```
/// let set = try ImageSet(count: 2, height: 2, width: 2, pixels: [0, 255, 0, 255, 9, 9, 9, 9], labels: [1, 0])
/// set.shape          // [1, 2, 2]   (C, H, W)
/// ```
public struct ImageSet: Sendable {
    public let count: Int
    /// Colour channels (1 for the MNIST family).
    public let channels: Int
    public let height: Int
    public let width: Int
    /// `count × channels × height × width` bytes.
    public let pixels: [UInt8]
    /// `count` class indices.
    public let labels: [UInt8]
    /// How pixels are given to a network (`Batches`): byte / 255, then, if set, normalised
    /// per channel. Kept by `prefix` and `subset`; set with `normalized(by:)`.
    public private(set) var normalization: ChannelNormalization?

    /// The shape of one image, `[channels, height, width]`.
    public var shape: [Int] { [channels, height, width] }

    /// Values per image (C·H·W).
    public var featureCount: Int { channels * height * width }

    /// Throws when the sizes are not positive (or exceed 2³²−1, what an IDX header holds)
    /// or the arrays do not hold exactly `count` images and `count` labels.
    public init(count: Int, channels: Int = 1, height: Int, width: Int, pixels: [UInt8], labels: [UInt8]) throws {
        guard count >= 0, channels > 0, height > 0, width > 0 else {
            throw DescentError("images: need count ≥ 0 and positive channels, height and width, got \(count)×\(channels)×\(height)×\(width)")
        }
        guard [count, channels, height, width].allSatisfy({ $0 <= Int(UInt32.max) }) else {
            throw DescentError("images: sizes must be at most \(UInt32.max), got \(count)×\(channels)×\(height)×\(width)")
        }
        let (pixelsPerChannel, o1) = height.multipliedReportingOverflow(by: width)
        let (pixelsPerImage, o2) = channels.multipliedReportingOverflow(by: pixelsPerChannel)
        let (product, o3) = count.multipliedReportingOverflow(by: pixelsPerImage)
        guard !(o1 || o2 || o3), pixels.count == product else {
            throw DescentError("images: \(pixels.count) pixels do not make \(count) images of \(channels)×\(height)×\(width)")
        }
        guard labels.count == count else {
            throw DescentError("images: \(labels.count) labels for \(count) images")
        }
        self.init(unchecked: count, channels, height, width, pixels, labels)
    }

    private init(unchecked count: Int, _ channels: Int, _ height: Int, _ width: Int, _ pixels: [UInt8], _ labels: [UInt8],
                 _ normalization: ChannelNormalization? = nil) {
        (self.count, self.channels, self.height, self.width) = (count, channels, height, width)
        (self.pixels, self.labels, self.normalization) = (pixels, labels, normalization)
    }

    /// The same images, given to networks normalised by `normalization` (nil: byte / 255
    /// only); throws unless it has one mean and std per channel.
    public func normalized(by normalization: ChannelNormalization?) throws -> ImageSet {
        if let n = normalization, n.mean.count != channels {
            throw DescentError("images: a normalisation of \(n.mean.count) channel(s) for images of \(channels)")
        }
        return ImageSet(unchecked: count, channels, height, width, pixels, labels, normalization)
    }

    /// The first `n` images (or all, if fewer).
    public func prefix(_ n: Int) -> ImageSet {
        let k = Swift.max(0, Swift.min(n, count))
        return ImageSet(unchecked: k, channels, height, width, Array(pixels[0..<(k * featureCount)]), Array(labels[0..<k]), normalization)
    }

    /// The images at `indices`, in that order; throws unless each index is in `0..<count`.
    public func subset(_ indices: [Int]) throws -> ImageSet {
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw DescentError("images: index \(bad) is outside 0..<\(count)")
        }
        let f = featureCount
        var px = [UInt8]()
        px.reserveCapacity(indices.count * f)
        for i in indices { px.append(contentsOf: pixels[(i * f)..<((i + 1) * f)]) }
        return ImageSet(unchecked: indices.count, channels, height, width, px, indices.map { labels[$0] }, normalization)
    }

    /// Number of classes (largest label + 1).
    public var classCount: Int { Int(labels.max() ?? 0) + 1 }
}
