/// The IDX format of the MNIST family (LeCun et al.), optionally gzip-compressed.
///
/// Layout, all integers big-endian:
/// ```
/// byte 0–1   0x00 0x00
/// byte 2     data type: 0x08 unsigned byte (the only one accepted here)
/// byte 3     number of dimensions d
/// then       d × UInt32 dimension sizes, outermost first
/// then       the product of the sizes, one byte each, row-major
/// ```
/// Images are `*-idx3-ubyte` (magic 0x00000803: count, rows, columns); labels are
/// `*-idx1-ubyte` (magic 0x00000801: count). A file is gunzipped first when it starts with the
/// gzip magic 1f 8b, whatever its name. Every problem is a `DescentError` whose message
/// starts with the path and says what is wrong, e.g.
/// `/x/train-images-idx3-ubyte.gz: truncated: header says 60000×28×28 = 47040000 pixel bytes, file has 1000`.
public struct IDXArray: Equatable, Sendable {
    /// Dimension sizes, outermost first.
    public let dimensions: [Int]
    /// The elements, row-major, one byte each.
    public let bytes: [UInt8]

    /// Throws unless there are 1…255 dimensions, each in 0…2³²−1 (what the header can
    /// hold), and `bytes` has exactly their product of elements.
    public init(dimensions: [Int], bytes: [UInt8]) throws {
        try IDX.checkDimensions(dimensions)
        let (total, overflow) = dimensions.reduce((1, false)) { r, d in
            let (p, o) = r.0.multipliedReportingOverflow(by: d)
            return (p, r.1 || o)
        }
        guard !overflow, total == bytes.count else {
            throw DescentError("IDX: \(bytes.count) bytes do not fill dimensions \(dimensions.map(String.init).joined(separator: "×"))")
        }
        self.dimensions = dimensions
        self.bytes = bytes
    }
}

/// Reading and writing IDX files (see `IDXArray` for the format).
public enum IDX {
    /// The unsigned-byte data type code.
    public static let unsignedByte: UInt8 = 0x08

    static func typeName(_ code: UInt8) -> String {
        switch code {
        case 0x08: return "unsigned byte"
        case 0x09: return "signed byte"
        case 0x0B: return "int16"
        case 0x0C: return "int32"
        case 0x0D: return "float32"
        case 0x0E: return "float64"
        default: return "unknown"
        }
    }

    static func hex(_ value: Int, digits: Int) -> String {
        let s = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: Swift.max(0, digits - s.count)) + s
    }

    /// Reads the IDX file at `path` (gzip or raw) and checks it has `expectedDimensions`
    /// dimensions if given. `elementName` ("pixel", "label") only shapes error messages.
    public static func read(path: String, expectedDimensions: Int? = nil,
                            elementName: String = "data") throws -> IDXArray {
        var bytes = try FileBytes.read(path)
        if bytes.isEmpty { throw DescentError("\(path): empty file (0 bytes), expected an IDX file") }
        let compressed = Gzip.isGzip(bytes)
        if compressed {
            // Inflate the header first, then no more than the size it announces (and only if
            // that fits in memory): a small file that inflates to gigabytes of zeros stops
            // after the announced bytes.
            var head = try Gzip.decompress(bytes, name: path, maximumSize: 4 + 4 * 255, prefix: true)
            guard let size = announcedSize(head) else {
                // No complete header, or sizes that overflow: parsing the head says which.
                return try parse(&head, name: path, compressed: true, expectedDimensions: expectedDimensions, elementName: elementName)
            }
            // Deflate inflates at most 1032:1: what the file can hold (a header announcing
            // more is a truncated file, which parsing then describes) must fit in memory
            // before it is inflated.
            let (most, overflow) = bytes.count.multipliedReportingOverflow(by: 1032)
            let bound = overflow ? size : Swift.min(size, most)
            try MachineMemory.check(bound, "\(path): its header announces \(size) bytes")
            bytes = try Gzip.decompress(bytes, name: path, maximumSize: size)
        }
        return try parse(&bytes, name: path, compressed: compressed,
                         expectedDimensions: expectedDimensions, elementName: elementName)
    }

    /// The size of the IDX file whose first bytes are `head`, as its header announces
    /// (header and payload); nil when the header is incomplete or its sizes overflow (parsing
    /// then says what is wrong, from the bytes there are).
    static func announcedSize(_ head: [UInt8]) -> Int? {
        guard head.count >= 4 else { return nil }
        let rank = Int(head[3])
        guard head.count >= 4 + 4 * rank else { return nil }
        var total = 4 + 4 * rank, payload = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let size = Int(head[o]) << 24 | Int(head[o + 1]) << 16 | Int(head[o + 2]) << 8 | Int(head[o + 3])
            let (p, overflow) = payload.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            payload = p
        }
        let (sum, overflow) = total.addingReportingOverflow(payload)
        total = sum
        return overflow ? nil : total
    }

    /// Parses IDX `bytes` in place (the header is removed from the array, no copy of the
    /// payload). `name` starts error messages; `compressed` only changes their wording.
    public static func parse(_ bytes: inout [UInt8], name: String, compressed: Bool = false,
                             expectedDimensions: Int? = nil, elementName: String = "data") throws -> IDXArray {
        let what = compressed ? "decompressed data has" : "file has"
        if bytes.isEmpty {
            throw DescentError("\(name): empty \(compressed ? "decompressed data" : "file") (0 bytes), expected an IDX file")
        }
        if bytes.count < 4 {
            throw DescentError("\(name): too short for an IDX header: \(what) \(bytes.count) bytes, need at least 4")
        }
        let magic = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        let expectedMagic = expectedDimensions.map { Int(unsignedByte) << 8 | $0 }
        if bytes[0] != 0 || bytes[1] != 0 {
            let wanted = expectedMagic.map { ", expected \(hex($0, digits: 8))" } ?? ""
            throw DescentError("\(name): not an IDX file: wrong magic number \(hex(magic, digits: 8))\(wanted)")
        }
        let dtype = bytes[2]
        if dtype != unsignedByte {
            throw DescentError("\(name): unsupported IDX data type \(hex(Int(dtype), digits: 2)) (\(typeName(dtype))) in magic \(hex(magic, digits: 8)); only 0x08 (unsigned byte) is supported")
        }
        let rank = Int(bytes[3])
        if let expectedDimensions, rank != expectedDimensions {
            throw DescentError("\(name): wrong number of dimensions: magic \(hex(magic, digits: 8)) has \(rank), expected \(expectedDimensions) (magic \(hex(expectedMagic!, digits: 8)))")
        }
        if rank == 0 { throw DescentError("\(name): IDX header declares 0 dimensions") }
        let headerSize = 4 + 4 * rank
        if bytes.count < headerSize {
            throw DescentError("\(name): truncated header: \(rank) dimensions need \(headerSize) header bytes, \(what) \(bytes.count)")
        }
        var dimensions = [Int]()
        for d in 0..<rank {
            let o = 4 + 4 * d
            dimensions.append(Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3]))
        }
        let shape = dimensions.map(String.init).joined(separator: "×")
        var total = 1
        for d in dimensions {
            let (product, overflow) = total.multipliedReportingOverflow(by: d)
            if overflow {
                throw DescentError("\(name): dimensions \(shape) overflow: their product does not fit in \(Int.bitWidth) bits")
            }
            total = product
        }
        let payload = bytes.count - headerSize
        let description = rank == 1 ? "\(shape)" : "\(shape) = \(total)"
        if payload < total {
            throw DescentError("\(name): truncated: header says \(description) \(elementName) bytes, \(what) \(payload) after the \(headerSize)-byte header")
        }
        if payload > total {
            throw DescentError("\(name): \(payload - total) trailing bytes: header says \(description) \(elementName) bytes, \(what) \(payload) after the \(headerSize)-byte header")
        }
        bytes.removeFirst(headerSize)   // in-place memmove of the uniquely owned buffer
        return try IDXArray(dimensions: dimensions, bytes: bytes)
    }

    /// Reads an `idx3-ubyte` image file: `count × rows × columns` pixels.
    public static func readImages(path: String) throws -> (count: Int, rows: Int, columns: Int, pixels: [UInt8]) {
        let a = try read(path: path, expectedDimensions: 3, elementName: "pixel")
        return (a.dimensions[0], a.dimensions[1], a.dimensions[2], a.bytes)
    }

    /// Reads an `idx1-ubyte` label file.
    public static func readLabels(path: String) throws -> [UInt8] {
        try read(path: path, expectedDimensions: 1, elementName: "label").bytes
    }

    /// The IDX encoding (unsigned bytes) of `array`.
    public static func encode(_ array: IDXArray) -> [UInt8] {
        // IDXArray's initialiser has checked the dimensions.
        var out = unsignedByteHeader(array.dimensions)
        out.reserveCapacity(out.count + array.bytes.count)
        out += array.bytes
        return out
    }

    /// The header of an unsigned-byte IDX file with these dimensions (what precedes the
    /// payload); throws unless there are 1…255 of them, each in 0…2³²−1.
    public static func header(dimensions: [Int]) throws -> [UInt8] {
        try checkDimensions(dimensions)
        return unsignedByteHeader(dimensions)
    }

    /// What an IDX header can hold: 1…255 dimensions, each in 0…2³²−1.
    static func checkDimensions(_ dimensions: [Int]) throws {
        guard (1...255).contains(dimensions.count) else {
            throw DescentError("IDX: an array needs 1 to 255 dimensions, got \(dimensions.count)")
        }
        guard dimensions.allSatisfy({ $0 >= 0 && $0 <= Int(UInt32.max) }) else {
            throw DescentError("IDX: dimensions \(dimensions.map(String.init).joined(separator: "×")) must each be in 0…\(UInt32.max)")
        }
    }

    /// `header(dimensions:)` for dimensions already checked (an `IDXArray`'s or an `ImageSet`'s).
    static func unsignedByteHeader(_ dimensions: [Int]) -> [UInt8] {
        var out: [UInt8] = [0, 0, unsignedByte, UInt8(dimensions.count)]
        for d in dimensions {
            out += [UInt8(truncatingIfNeeded: d >> 24), UInt8(truncatingIfNeeded: d >> 16),
                    UInt8(truncatingIfNeeded: d >> 8), UInt8(truncatingIfNeeded: d)]
        }
        return out
    }

    /// Writes `array` to `path` as IDX, gzip-compressed if `gzip` (atomically).
    public static func write(_ array: IDXArray, to path: String, gzip: Bool) throws {
        let raw = encode(array)
        try FileBytes.write(gzip ? try Gzip.compress(raw) : raw, to: path)
    }
}
