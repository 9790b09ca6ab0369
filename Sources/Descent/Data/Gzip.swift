import CZlib

/// gzip (RFC 1952) and zlib (RFC 1950) streams via the system zlib.
///
/// `decompress` accepts either format (zlib `windowBits` 15 + 32 auto-detects the header),
/// also several concatenated gzip members, and inflates straight into one `[UInt8]` whose
/// capacity is reserved from the gzip ISIZE trailer (the uncompressed size mod 2³², the last
/// 4 bytes, little-endian). Corruption is reported as a `DescentError` naming `name`:
/// a bad CRC-32 or invalid deflate data (`Z_DATA_ERROR`), input that ends before the
/// stream does (`Z_BUF_ERROR` with no input left, i.e. a truncated file), and non-gzip bytes
/// after the last member. `compress` writes a single gzip member (`windowBits` 15 + 16).
public enum Gzip {
    /// Whether `bytes` starts with the gzip magic bytes 1f 8b.
    public static func isGzip<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var it = bytes.makeIterator()
        return it.next() == 0x1f && it.next() == 0x8b
    }

    /// The uncompressed bytes of the gzip (or zlib) stream `data`; `name` (usually the file
    /// path) starts every error message.
    ///
    /// With `maximumSize`, inflating stops there: a stream that inflates to more throws
    /// (a decompression bomb costs at most that much memory and time), or, with `prefix`,
    /// its first `maximumSize` bytes are returned (to read a header before the rest).
    public static func decompress(_ data: [UInt8], name: String, maximumSize: Int? = nil, prefix: Bool = false) throws -> [UInt8] {
        if data.isEmpty { throw DescentError("\(name): empty file, expected gzip data") }
        // Room for one byte more than allowed, to tell "exactly the maximum" from "more".
        let cap = maximumSize.map { prefix ? Swift.max($0, 1) : $0 + 1 } ?? Int.max
        // ISIZE is only a hint (mod 2^32, and absent for zlib streams): cap it at the
        // largest possible deflate expansion (1032:1) and fall back to growing.
        var hint = data.count * 4
        if isGzip(data) && data.count >= 18 {
            let n = data.count
            let isize = Int(data[n - 4]) | Int(data[n - 3]) << 8 | Int(data[n - 2]) << 16 | Int(data[n - 1]) << 24
            hint = Swift.min(isize, data.count * 1032)
        }
        hint = Swift.min(Swift.max(hint, 64), cap)

        var stream = z_stream()
        guard descent_inflateInit2(&stream, 15 + 32) == Z_OK else {
            throw DescentError("\(name): zlib inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }

        var output = [UInt8]()
        var produced = 0
        var consumed = 0
        var finished = false
        var failure: String?

        data.withUnsafeBufferPointer { input in
            let base = UnsafeMutablePointer(mutating: input.baseAddress!)
            // One inflate pass into `out[produced..<capacity]`; updates produced/consumed.
            func pump(_ out: UnsafeMutablePointer<UInt8>, capacity: Int) -> Bool {
                while true {
                    if stream.avail_in == 0 && consumed < input.count {
                        stream.next_in = base + consumed
                        stream.avail_in = UInt32(Swift.min(input.count - consumed, Int(UInt32.max)))
                    }
                    let room = capacity - produced
                    if room == 0 { return false }
                    stream.next_out = out + produced
                    stream.avail_out = UInt32(Swift.min(room, Int(UInt32.max)))
                    let inBefore = Int(stream.avail_in), outBefore = Int(stream.avail_out)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    consumed += inBefore - Int(stream.avail_in)
                    produced += outBefore - Int(stream.avail_out)
                    switch status {
                    case Z_STREAM_END:
                        // Another gzip member may follow (as `cat a.gz b.gz` makes).
                        let rest = input.count - consumed
                        if rest == 0 { finished = true; return true }
                        if rest >= 2 && input[consumed] == 0x1f && input[consumed + 1] == 0x8b {
                            inflateReset(&stream)
                            stream.avail_in = 0
                            continue
                        }
                        failure = "\(rest) bytes of trailing garbage after the gzip stream"
                        return true
                    case Z_OK:
                        continue
                    case Z_BUF_ERROR:
                        if stream.avail_out == 0 { return false }
                        failure = "truncated gzip data: input ends after \(consumed) compressed bytes (\(produced) bytes inflated) before the end of the stream"
                        return true
                    case Z_DATA_ERROR:
                        let detail = stream.msg.map { String(cString: $0) } ?? "invalid data"
                        let what = detail.contains("data check") ? "bad gzip CRC"
                            : detail.contains("length check") ? "bad gzip length trailer" : "corrupt gzip data"
                        failure = "\(what) (zlib: \(detail)) at compressed byte \(consumed)"
                        return true
                    case Z_MEM_ERROR:
                        failure = "out of memory while inflating"
                        return true
                    default:
                        let detail = stream.msg.map { String(cString: $0) } ?? "status \(status)"
                        failure = "inflate failed: \(detail)"
                        return true
                    }
                }
            }
            // First pass straight into uninitialised storage of the hinted size.
            output = [UInt8](unsafeUninitializedCapacity: hint) { buffer, initialized in
                _ = pump(buffer.baseAddress!, capacity: hint)
                initialized = produced
            }
            // The hint was too small (e.g. > 4 GiB or a zlib stream): grow and continue.
            while !finished && failure == nil {
                guard output.count < cap else {
                    if prefix { finished = true } else {
                        failure = "inflates to more than \(maximumSize!) bytes, the most its contents can hold (stopped there)"
                    }
                    break
                }
                let grow = Swift.min(Swift.max(output.count, 1 << 16), cap - output.count)
                output.append(contentsOf: repeatElement(0, count: grow))
                let capacity = output.count
                output.withUnsafeMutableBufferPointer { buffer in
                    _ = pump(buffer.baseAddress!, capacity: capacity)
                }
                output.removeLast(capacity - produced)
            }
        }
        if let failure { throw DescentError("\(name): \(failure)") }
        if let maximumSize, prefix, output.count > maximumSize { output.removeLast(output.count - maximumSize) }
        return output
    }

    /// `data` as a single gzip member (compression `level` 0…9; 6 is zlib's default).
    public static func compress(_ data: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        var stream = z_stream()
        guard descent_deflateInit2(&stream, level, 15 + 16) == Z_OK else {
            throw DescentError("gzip: deflateInit2 failed (level \(level))")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(data.count))) + 32
        var produced = 0
        var status: Int32 = Z_OK
        let output = data.withUnsafeBufferPointer { input -> [UInt8] in
            [UInt8](unsafeUninitializedCapacity: bound) { buffer, initialized in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.avail_in = UInt32(input.count)
                stream.next_out = buffer.baseAddress
                stream.avail_out = UInt32(bound)
                status = deflate(&stream, Z_FINISH)
                produced = bound - Int(stream.avail_out)
                initialized = produced
            }
        }
        guard status == Z_STREAM_END else { throw DescentError("gzip: deflate failed (status \(status))") }
        return output
    }
}
