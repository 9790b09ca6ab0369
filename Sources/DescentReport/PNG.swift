import CZlib
import Descent

/// An 8-bit raster image: `height` rows of `width` pixels, each pixel `channels`
/// bytes (1 = gray, 2 = gray + alpha, 3 = RGB, 4 = RGBA), row-major, top row first.
///
/// The initialisers throw a `DescentError` for a size PNG cannot hold (each side at most
/// 2³¹ − 1), a channel count outside 1…4, or pixels that do not fill the image. `pixels`
/// may be changed in place; `PNG.encode` throws if its count no longer fits the size.
public struct PixelImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    /// An image of the given size filled with `fill` (one value per channel; black by default).
    public init(width: Int, height: Int, channels: Int, fill: [UInt8]? = nil) throws {
        let count = try PixelImage.byteCount(width, height, channels)
        let fill = fill ?? [UInt8](repeating: 0, count: channels)
        guard fill.count == channels else {
            throw DescentError("image: the fill has \(fill.count) values for \(channels) channels")
        }
        self.width = width
        self.height = height
        self.channels = channels
        pixels = count == 0 ? [] : Array([[UInt8]](repeating: fill, count: width * height).joined())
    }

    /// An image wrapping `pixels` (which must hold exactly width·height·channels bytes).
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        guard pixels.count == (try PixelImage.byteCount(width, height, channels)) else {
            throw DescentError("image: \(pixels.count) bytes do not fill \(width)×\(height) pixels of \(channels) channels")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// width·height·channels, or a `DescentError` naming what does not fit.
    static func byteCount(_ width: Int, _ height: Int, _ channels: Int) throws -> Int {
        let side = 0...Int(Int32.max)
        guard side.contains(width), side.contains(height) else {
            throw DescentError("image: width and height must be in 0…\(Int32.max), got \(width)×\(height)")
        }
        guard (1...4).contains(channels) else { throw DescentError("image: \(channels) channels (1–4 allowed)") }
        let (area, o1) = width.multipliedReportingOverflow(by: height)
        let (count, o2) = area.multipliedReportingOverflow(by: channels)
        guard !o1, !o2 else { throw DescentError("image: \(width)×\(height)×\(channels) bytes is too large") }
        return count
    }

    /// The channel values of the pixel at column `x`, row `y` (inside the image: like an
    /// array index, a position outside traps).
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

    /// The PNG file bytes of `image`; throws if its pixels no longer fill its size.
    public static func encode(_ image: PixelImage) throws -> [UInt8] {
        guard image.pixels.count == (try PixelImage.byteCount(image.width, image.height, image.channels)) else {
            throw DescentError("image: \(image.pixels.count) bytes do not fill \(image.width)×\(image.height) pixels of \(image.channels) channels")
        }
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
        appendChunk(&out, "IDAT", try deflate(raw))
        appendChunk(&out, "IEND", [])
        return out
    }

    /// Encodes `image` and writes it atomically to `path`; throws a `DescentError`
    /// naming the path if the folder is missing or unwritable.
    public static func write(_ image: PixelImage, to path: String) throws {
        try writeAtomically(try encode(image), to: path)
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

    static func deflate(_ input: [UInt8]) throws -> [UInt8] {
        var bound = compressBound(uLong(input.count))
        var out = [UInt8](repeating: 0, count: Int(bound))
        let status = out.withUnsafeMutableBufferPointer { o in
            input.withUnsafeBufferPointer { i in
                compress2(o.baseAddress, &bound, i.baseAddress, uLong(i.count), 6)
            }
        }
        // Into compressBound bytes this fails only when zlib cannot allocate its state.
        guard status == Z_OK else { throw DescentError("PNG: zlib's compress2 failed with status \(status)") }
        out.removeSubrange(Int(bound)...)
        return out
    }
}
