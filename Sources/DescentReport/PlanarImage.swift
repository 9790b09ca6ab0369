import Descent

/// Pictures of images stored as planes (C×H×W, the layout of `ImageSet` and of tensors)
/// in the interleaved pixels of a `PixelImage` (H×W×C, as PNG stores them).
///
/// The rule for channels, everywhere a picture is drawn: 1 channel is grey, 2 grey and
/// alpha, 3 red, green, blue (CIFAR's and torchvision's plane order), 4 red, green, blue
/// and alpha; an image of more channels is drawn from its first plane, grey.
extension PixelImage {
    /// The channels a picture of `channels` planes has (`channels` up to 4, else 1).
    public static func pictureChannels(_ channels: Int) -> Int { (1...4).contains(channels) ? channels : 1 }

    /// The picture of `planes` (channels × height × width bytes, plane after plane).
    public init(planes: ArraySlice<UInt8>, channels: Int, width: Int, height: Int) throws {
        guard channels >= 1, planes.count == channels * width * height else {
            throw DescentError("image: \(planes.count) bytes are not \(channels) planes of \(width)×\(height)")
        }
        let c = PixelImage.pictureChannels(channels), area = width * height, base = planes.startIndex
        var pixels = [UInt8](repeating: 0, count: area * c)
        for p in 0..<area { for k in 0..<c { pixels[p * c + k] = planes[base + k * area + p] } }
        try self.init(width: width, height: height, channels: c, pixels: pixels)
    }

    /// Image `index` of `set`.
    public init(image index: Int, of set: ImageSet) throws {
        let f = set.featureCount
        guard (0..<set.count).contains(index) else { throw DescentError("image: \(index) is not in a set of \(set.count) images") }
        try self.init(planes: set.pixels[(index * f)..<((index + 1) * f)], channels: set.channels, width: set.width, height: set.height)
    }
}
