#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZlib

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
        if let fill {
            precondition(fill.count == channels, "PixelImage: fill has \(fill.count) values for \(channels) channels")
            var p = [UInt8](repeating: 0, count: width * height * channels)
            for i in 0..<(width * height) { for c in 0..<channels { p[i * channels + c] = fill[c] } }
            self.pixels = p
        } else {
            self.pixels = [UInt8](repeating: 0, count: width * height * channels)
        }
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

/// PNG encoding and decoding of `PixelImage`s, using zlib for compression and CRC-32.
///
/// The encoder writes 8-bit gray, gray+alpha, RGB or RGBA, non-interlaced, with one
/// IHDR, one IDAT and IEND. The decoder is deliberately minimal: it reads the files
/// this encoder (and most simple encoders) write — 8-bit depth, colour types 0/2/4/6,
/// no interlacing, all five row filters — and verifies every chunk's CRC.
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

    /// Decodes PNG bytes written by `encode` (or any 8-bit, non-interlaced,
    /// non-palette PNG). Throws on a bad signature, a CRC mismatch, a truncated
    /// file or an unsupported format.
    public static func decode(_ bytes: [UInt8]) throws -> PixelImage {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
            throw DescentError("PNG: bad signature")
        }
        var pos = 8
        var width = 0, height = 0, channels = 0
        var idat = [UInt8]()
        var sawHeader = false, sawEnd = false
        while pos < bytes.count && !sawEnd {
            guard pos + 12 <= bytes.count else { throw DescentError("PNG: truncated chunk at byte \(pos)") }
            let length = Int(readUInt32(bytes, pos))
            guard length <= bytes.count - pos - 12 else { throw DescentError("PNG: truncated chunk at byte \(pos)") }
            let typeAndData = Array(bytes[(pos + 4)..<(pos + 8 + length)])
            let type = String(decoding: typeAndData[0..<4], as: UTF8.self)
            let storedCRC = readUInt32(bytes, pos + 8 + length)
            guard crc(typeAndData) == storedCRC else { throw DescentError("PNG: CRC mismatch in \(type) chunk") }
            let data = typeAndData[4...]
            switch type {
            case "IHDR":
                guard length == 13 else { throw DescentError("PNG: IHDR has length \(length)") }
                let d = Array(data)
                width = Int(readUInt32(d, 0))
                height = Int(readUInt32(d, 4))
                guard d[8] == 8 else { throw DescentError("PNG: bit depth \(d[8]) unsupported (8 only)") }
                switch d[9] {
                case 0: channels = 1
                case 2: channels = 3
                case 4: channels = 2
                case 6: channels = 4
                default: throw DescentError("PNG: colour type \(d[9]) unsupported")
                }
                guard d[12] == 0 else { throw DescentError("PNG: interlaced images unsupported") }
                sawHeader = true
            case "IDAT": idat += data
            case "IEND": sawEnd = true
            default: break  // ancillary chunks are ignored
            }
            pos += 12 + length
        }
        guard sawHeader else { throw DescentError("PNG: no IHDR chunk") }
        guard sawEnd else { throw DescentError("PNG: no IEND chunk") }
        let stride = width * channels
        let raw = try inflate(idat, expected: (stride + 1) * height)
        var pixels = [UInt8](repeating: 0, count: stride * height)
        let bpp = channels
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            let src = y * (stride + 1) + 1
            let dst = y * stride
            for i in 0..<stride {
                let x = raw[src + i]
                let a = i >= bpp ? pixels[dst + i - bpp] : 0
                let b = y > 0 ? pixels[dst - stride + i] : 0
                let c = (i >= bpp && y > 0) ? pixels[dst - stride + i - bpp] : 0
                let value: UInt8
                switch filter {
                case 0: value = x
                case 1: value = x &+ a
                case 2: value = x &+ b
                case 3: value = x &+ UInt8((Int(a) + Int(b)) / 2)
                case 4: value = x &+ paeth(a, b, c)
                default: throw DescentError("PNG: unknown row filter \(filter) in row \(y)")
                }
                pixels[dst + i] = value
            }
        }
        return PixelImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Reads and decodes the PNG file at `path`.
    public static func read(_ path: String) throws -> PixelImage {
        do { return try decode(try readFileBytes(path)) }
        catch let e as DescentError { throw DescentError("\(path): \(e.message)") }
    }

    // MARK: - helpers

    static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }

    static func appendUInt32(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }

    static func readUInt32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
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

    static func inflate(_ input: [UInt8], expected: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: max(expected, 1))
        var length = uLong(out.count)
        let status = out.withUnsafeMutableBufferPointer { o in
            input.withUnsafeBufferPointer { i in
                uncompress(o.baseAddress, &length, i.baseAddress, uLong(i.count))
            }
        }
        guard status == Z_OK else { throw DescentError("PNG: corrupt image data (zlib status \(status))") }
        guard Int(length) == expected else {
            throw DescentError("PNG: image data has \(length) bytes, expected \(expected)")
        }
        return out
    }
}

/// The whole content of the file at `path`, or a `DescentError` naming it.
func readFileBytes(_ path: String) throws -> [UInt8] {
    guard let f = fopen(path, "rb") else {
        throw DescentError("\(path): cannot open: \(String(cString: strerror(errno)))")
    }
    defer { fclose(f) }
    var result = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, f) }
        if n > 0 { result += chunk[0..<n] }
        if n < chunk.count { break }
    }
    if ferror(f) != 0 { throw DescentError("\(path): read error") }
    return result
}
