import Descent
@testable import DescentReport

/// A minimal PNG decoder, for tests only: it reads what `PNG.encode` and cairo write
/// (8-bit depth, colour types 0/2/4/6, no interlacing, all five row filters) and
/// checks every chunk's CRC. Inflating goes through `Gzip.decompress`, which reads
/// zlib streams too.
extension PNG {
    static func decode(_ bytes: [UInt8]) throws -> PixelImage {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw DescentError("PNG: bad signature") }
        func uint32(_ b: ArraySlice<UInt8>, _ i: Int) -> Int {
            let i = b.startIndex + i
            return Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
        }
        var pos = 8, width = 0, height = 0, channels = 0
        var idat = [UInt8](), sawHeader = false, sawEnd = false
        while pos < bytes.count && !sawEnd {
            guard pos + 12 <= bytes.count else { throw DescentError("PNG: truncated chunk at byte \(pos)") }
            let length = uint32(bytes[...], pos)
            guard length <= bytes.count - pos - 12 else { throw DescentError("PNG: truncated chunk at byte \(pos)") }
            let typeAndData = Array(bytes[(pos + 4)..<(pos + 8 + length)])
            let type = String(decoding: typeAndData[0..<4], as: UTF8.self)
            guard Int(crc(typeAndData)) == uint32(bytes[...], pos + 8 + length) else {
                throw DescentError("PNG: CRC mismatch in \(type) chunk")
            }
            let data = typeAndData[4...]
            switch type {
            case "IHDR":
                guard length == 13 else { throw DescentError("PNG: IHDR has length \(length)") }
                width = uint32(data, 0); height = uint32(data, 4)
                let (depth, colour, interlace) = (data[data.startIndex + 8], data[data.startIndex + 9], data[data.startIndex + 12])
                guard depth == 8, interlace == 0, let c = [0: 1, 2: 3, 4: 2, 6: 4][colour] else {
                    throw DescentError("PNG: depth \(depth), colour type \(colour), interlace \(interlace) unsupported")
                }
                channels = c; sawHeader = true
            case "IDAT": idat += data
            case "IEND": sawEnd = true
            default: break  // ancillary chunks are ignored
            }
            pos += 12 + length
        }
        guard sawHeader, sawEnd else { throw DescentError("PNG: no IHDR or no IEND chunk") }
        let stride = width * channels
        let raw = try Gzip.decompress(idat, name: "PNG")
        guard raw.count == (stride + 1) * height else {
            throw DescentError("PNG: image data has \(raw.count) bytes, expected \((stride + 1) * height)")
        }
        var pixels = [UInt8](repeating: 0, count: stride * height)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)], src = y * (stride + 1) + 1, dst = y * stride
            for i in 0..<stride {
                let a = i >= channels ? pixels[dst + i - channels] : 0
                let b = y > 0 ? pixels[dst - stride + i] : 0
                let c = (i >= channels && y > 0) ? pixels[dst - stride + i - channels] : 0
                let predictor: UInt8
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = UInt8((Int(a) + Int(b)) / 2)
                case 4: predictor = paeth(a, b, c)
                default: throw DescentError("PNG: unknown row filter \(filter) in row \(y)")
                }
                pixels[dst + i] = raw[src + i] &+ predictor
            }
        }
        return try PixelImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Reads and decodes the PNG file at `path`.
    static func read(_ path: String) throws -> PixelImage {
        do { return try decode(try FileBytes.read(path)) }
        catch let e as DescentError { throw DescentError("\(path): \(e.message)") }
    }

    /// The Paeth predictor of PNG's filter type 4.
    static func paeth(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> UInt8 {
        let p = Int(a) + Int(b) - Int(c)
        let pa = abs(p - Int(a)), pb = abs(p - Int(b)), pc = abs(p - Int(c))
        if pa <= pb && pa <= pc { return a }
        return pb <= pc ? b : c
    }
}
