import CZlib
import Descent

/// An 8-bit raster image: `height` rows of `width` pixels, each pixel `channels`
/// bytes (1 = gray, 2 = gray + alpha, 3 = RGB, 4 = RGBA), row-major, top row first.
public struct PixelImage: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    /// An image of the given size filled with `fill` (one value per channel).
    public init(width: Int, height: Int, channels: Int, fill: [UInt8]? = nil) {
        precondition(width >= 0 && height >= 0, "PixelImage: negative size \(width)×\(height)")
        precondition((1...4).contains(channels), "PixelImage: \(channels) channels (1–4 allowed)")
        self.width = width
        self.height = height
        self.channels = channels
        let fill = fill ?? [UInt8](repeating: 0, count: channels)
        precondition(fill.count == channels, "PixelImage: fill has \(fill.count) values for \(channels) channels")
        pixels = Array([[UInt8]](repeating: fill, count: width * height).joined())
    }

    /// An image wrapping `pixels` (which must hold exactly width·height·channels bytes).
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition((1...4).contains(channels), "PixelImage: \(channels) channels (1–4 allowed)")
        precondition(pixels.count == width * height * channels,
                     "PixelImage: \(pixels.count) bytes for \(width)×\(height)×\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// The channel values of the pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> [UInt8] {
        let base = (y * width + x) * channels
        return Array(pixels[base..<(base + channels)])
    }
}

/// PNG encoding of `PixelImage`s (weight tiles, image grids: pixels, not drawings;
/// drawings go through `SVGRasterizer`), using zlib for compression and CRC-32.
///
/// Writes 8-bit gray, gray+alpha, RGB or RGBA, non-interlaced, with one IHDR, one
/// IDAT and IEND.
public enum PNG {
    static let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]

    /// The PNG file bytes of `image`.
    public static func encode(_ image: PixelImage) -> [UInt8] {
        let colorType: UInt8
        switch image.channels {
        case 1: colorType = 0
        case 2: colorType = 4
        case 3: colorType = 2
        default: colorType = 6
        }
        var header = [UInt8]()
        appendUInt32(&header, UInt32(image.width))
        appendUInt32(&header, UInt32(image.height))
        header += [8, colorType, 0, 0, 0]  // depth, colour type, deflate, filter set 0, no interlace

        // Raw scanlines, each preceded by filter byte 0 (None) or 2 (Up) — whichever
        // has the smaller sum of absolute residuals (the usual heuristic).
        let stride = image.width * image.channels
        var raw = [UInt8]()
        raw.reserveCapacity((stride + 1) * image.height)
        image.pixels.withUnsafeBufferPointer { p in
            for y in 0..<image.height {
                let row = y * stride
                if y == 0 {
                    raw.append(0); raw.append(contentsOf: p[row..<(row + stride)]); continue
                }
                var costNone = 0, costUp = 0
                for i in 0..<stride {
                    costNone += abs(Int(Int8(bitPattern: p[row + i])))
                    costUp += abs(Int(Int8(bitPattern: p[row + i] &- p[row - stride + i])))
                }
                if costUp < costNone {
                    raw.append(2)
                    for i in 0..<stride { raw.append(p[row + i] &- p[row - stride + i]) }
                } else {
                    raw.append(0); raw.append(contentsOf: p[row..<(row + stride)])
                }
            }
        }
        var out = signature
        appendChunk(&out, "IHDR", header)
        appendChunk(&out, "IDAT", deflate(raw))
        appendChunk(&out, "IEND", [])
        return out
    }

    /// Encodes `image` and writes it atomically to `path`; throws a `DescentError`
    /// naming the path if the folder is missing or unwritable.
    public static func write(_ image: PixelImage, to path: String) throws {
        try writeAtomically(encode(image), to: path)
    }

    // MARK: - helpers

    static func appendUInt32(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { p in
            UInt32(crc32(crc32(0, nil, 0), p.baseAddress, uInt(p.count)))
        }
    }

    static func appendChunk(_ out: inout [UInt8], _ type: String, _ data: [UInt8]) {
        appendUInt32(&out, UInt32(data.count))
        let typeAndData = Array(type.utf8) + data
        out += typeAndData
        appendUInt32(&out, crc(typeAndData))
    }

    static func deflate(_ input: [UInt8]) -> [UInt8] {
        var bound = compressBound(uLong(input.count))
        var out = [UInt8](repeating: 0, count: Int(bound))
        let status = out.withUnsafeMutableBufferPointer { o in
            input.withUnsafeBufferPointer { i in
                compress2(o.baseAddress, &bound, i.baseAddress, uLong(i.count), 6)
            }
        }
        precondition(status == Z_OK, "PNG: compress2 failed with status \(status)")
        out.removeSubrange(Int(bound)...)
        return out
    }
}
