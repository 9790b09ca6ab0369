#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An append-only file of TFRecords, the framing of TensorBoard's event files:
///
/// ```
/// record = length (UInt64 LE), masked CRC-32C of those 8 bytes (UInt32 LE),
///          data (length bytes), masked CRC-32C of the data (UInt32 LE)
/// ```
/// Crash-safe: the file is new (`O_EXCL`; a later process writes another file, never after
/// this one's end), each record goes out in one `write(2)`, and a write that fails part way
/// is cut off again (`ftruncate` to the record's start) before the error is thrown, so a
/// torn record can only be the last one, which readers skip by its CRCs. `sync()` makes what
/// was written durable (`fsync`).
public final class TFRecordWriter {
    public let path: String
    private var fd: Int32
    private var offset: off_t = 0
    /// Why the file was closed: the error of the write that failed.
    private var failure: String?

    /// Creates the file `path`, which must not exist.
    public init(creating path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DescentError("\(path): cannot create: \(String(cString: strerror(errno)))") }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The framed bytes of one record holding `data`.
    public static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        let length = withUnsafeBytes(of: UInt64(data.count).littleEndian) { Array($0) }
        out += length
        withUnsafeBytes(of: CRC32C.masked(length).littleEndian) { out += $0 }
        out += data
        withUnsafeBytes(of: CRC32C.masked(data).littleEndian) { out += $0 }
        return out
    }

    /// Appends one record.
    public func append(_ data: [UInt8]) throws {
        guard fd >= 0 else { throw DescentError("\(path): closed after an earlier write failed (\(failure ?? "closed"))") }
        let record = TFRecordWriter.frame(data)
        var written = 0
        let failure: String? = record.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                written += n
            }
            return nil
        }
        if let failure {
            _ = ftruncate(fd, offset)  // no torn record followed by anything
            close(fd)
            fd = -1
            self.failure = failure
            throw DescentError("\(path): write failed: \(failure)")
        }
        offset += off_t(record.count)
    }

    /// Flushes what was written to the disk.
    public func sync() throws {
        guard fd >= 0, fsync(fd) == 0 else { throw DescentError("\(path): fsync failed") }
    }
}
