/// Per-channel normalisation of images, as torchvision's `Normalize(mean, std)` after
/// `ToTensor()`: a pixel byte p of channel c is given to the network as
///
/// ```
/// x = (p / 255 − mean[c]) / std[c]        (float32: divide, subtract, divide, in that order)
/// ```
/// `init(of:)` takes mean and std from a set of images (the training split: never
/// validation or test images): over every pixel of channel c of every image, the mean of
/// p / 255 and the population standard deviation (divisor N, not N − 1), computed exactly
/// from each channel's histogram of byte values in Double and then rounded to Float. `descent
/// train --normalize` records them in the run (and so in the checkpoint), and `evaluate` and
/// `Tools/descent_checkpoint.py` apply the recorded values.
public struct ChannelNormalization: Codable, Hashable, Sendable {
    /// Mean of p / 255 per channel.
    public let mean: [Float]
    /// Standard deviation of p / 255 per channel (positive).
    public let std: [Float]

    /// Throws unless there is one mean and one positive, finite std per channel.
    public init(mean: [Float], std: [Float]) throws {
        guard !mean.isEmpty, mean.count == std.count, mean.allSatisfy(\.isFinite),
              std.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw DescentError("normalisation: need one finite mean and one positive finite std per channel, got mean \(mean) and std \(std)")
        }
        self.mean = mean
        self.std = std
    }

    enum CodingKeys: String, CodingKey { case mean, std }

    /// Decodes and checks (a record or checkpoint is outside data).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(mean: try c.decode([Float].self, forKey: .mean), std: try c.decode([Float].self, forKey: .std))
        } catch let e as DescentError {
            throw DecodingError.dataCorruptedError(forKey: .std, in: c, debugDescription: e.message)
        }
    }

    /// The statistics of `set`'s images; throws when a channel is constant (std 0).
    public init(of set: ImageSet) throws {
        let plane = set.height * set.width
        var histogram = [[Int]](repeating: [Int](repeating: 0, count: 256), count: set.channels)
        set.pixels.withUnsafeBufferPointer { px in
            for n in 0..<set.count {
                for c in 0..<set.channels {
                    let base = (n * set.channels + c) * plane
                    histogram[c].withUnsafeMutableBufferPointer { h in for i in 0..<plane { h[Int(px[base + i])] += 1 } }
                }
            }
        }
        var mean: [Float] = [], std: [Float] = []
        for (c, h) in histogram.enumerated() {
            let count = Double(h.reduce(0, +))
            let m = h.enumerated().reduce(0.0) { $0 + Double($1.offset) / 255 * Double($1.element) } / count
            let v = h.enumerated().reduce(0.0) { s, e in let d = Double(e.offset) / 255 - m; return s + d * d * Double(e.element) } / count
            guard v > 0 else { throw DescentError("normalisation: channel \(c) of the \(set.count) training images is constant (every pixel \(Int((m * 255).rounded())))") }
            mean.append(Float(m))
            std.append(Float(v.squareRoot()))
        }
        try self.init(mean: mean, std: std)
    }

    /// Normalises `count` values of channel `channel` in place.
    func apply(_ values: UnsafeMutablePointer<Float>, count: Int, channel: Int) {
        let m = mean[channel], s = std[channel]
        for i in 0..<count { values[i] = (values[i] - m) / s }
    }
}
