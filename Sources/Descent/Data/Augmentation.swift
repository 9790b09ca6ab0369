import Foundation

/// Augmentation of training images, `--augment crop=4,flip`: each time an image is drawn
/// for training it is padded with `crop` zero pixels on every side and cut back to its
/// size at a random offset (torchvision's `RandomCrop(size, padding=crop)`), then mirrored
/// left to right with probability ½ (`RandomHorizontalFlip()`). Padding is black (byte
/// 0, before any normalisation, as torchvision pads the image before `ToTensor`).
///
/// Draws: per image of a training batch, in batch order, the row offset `below(2·crop + 1)`,
/// the column offset `below(2·crop + 1)`, then the flip `next() & 1 == 1`, from the stream
/// `Trainer` sets for each epoch (purpose 6: `stream(6, epoch:)`), so an epoch's
/// augmentation depends only on the seed and the epoch — a resumed run repeats it exactly,
/// whatever the thread count. Validation and test images are never augmented.
public struct Augmentation: Codable, Hashable, Sendable, CustomStringConvertible {
    /// Zero padding of the random crop (0: no crop).
    public let crop: Int
    /// Whether images are mirrored left to right with probability ½.
    public let flip: Bool

    /// Throws unless 0 ≤ crop ≤ 64 and something is augmented.
    public init(crop: Int = 0, flip: Bool = false) throws {
        guard (0...64).contains(crop) else { throw DescentError("augment: crop must be in 0…64 pixels, got \(crop)") }
        guard crop > 0 || flip else { throw DescentError("augment: nothing to do (give crop=N and/or flip)") }
        self.crop = crop
        self.flip = flip
    }

    /// Reads the text form: comma-separated `crop=N` and `flip`, e.g. "crop=4,flip".
    public init(parsing text: String) throws {
        var crop = 0, flip = false, seen: Set<String> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let key = String(part.prefix { $0 != "=" })
            guard seen.insert(key).inserted else { throw DescentError("augment: '\(key)' is given twice in '\(text)'") }
            if part == "flip" {
                flip = true
            } else if key == "crop", let n = Int(part.dropFirst(5)) {
                crop = n
            } else {
                throw DescentError("augment: '\(part)' is not crop=N or flip (e.g. crop=4,flip)")
            }
        }
        try self.init(crop: crop, flip: flip)
    }

    /// "crop=4,flip".
    public var description: String { ([crop > 0 ? "crop=\(crop)" : nil, flip ? "flip" : nil] as [String?]).compactMap { $0 }.joined(separator: ",") }

    /// One image's draw: (row offset, column offset, mirrored), offsets in 0…2·crop.
    func draw(_ g: inout RandomGenerator) -> (dy: Int, dx: Int, flip: Bool) {
        let dy = crop > 0 ? g.below(2 * crop + 1) : crop, dx = crop > 0 ? g.below(2 * crop + 1) : crop
        return (dy, dx, flip ? g.next() & 1 == 1 : false)
    }
}
