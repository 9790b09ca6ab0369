#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
private let posixRead = Glibc.read
private let posixWrite = Glibc.write
private let posixClose = Glibc.close
#else
private let posixRead = Darwin.read
private let posixWrite = Darwin.write
private let posixClose = Darwin.close
#endif

/// Whole-file reads, atomic writes (`writeAtomically`) and folder creation with
/// one-line, user-facing errors: the project's one helper for each.
///
/// Every failure is a `DescentError` whose message starts with the path, e.g.
/// `/data/x.gz: is a directory, expected a file` or `/data/x.gz: no such file`.
public enum FileBytes {
    /// The message for an `errno` value from opening or reading `path`.
    static func describe(errno code: Int32) -> String {
        switch code {
        case ENOENT: return "no such file"
        case EACCES, EPERM: return "permission denied"
        case EISDIR: return "is a directory, expected a file"
        case ENOTDIR: return "a component of the path is not a directory"
        default: return String(cString: strerror(code))
        }
    }

    /// Whether `path` names an existing regular file (following symlinks).
    public static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// Whether `path` names an existing directory.
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether anything exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    /// All bytes of the regular file at `path`, read into one array sized from `fstat`.
    public static func read(_ path: String) throws -> [UInt8] {
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever;
        // it has no effect on regular files, and anything else is rejected below.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 { throw DescentError("\(path): \(describe(errno: errno))") }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 { throw DescentError("\(path): \(describe(errno: errno))") }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw DescentError("\(path): is a directory, expected a file") }
        if (st.st_mode & S_IFMT) != S_IFREG { throw DescentError("\(path): not a regular file") }
        let size = Int(st.st_size)
        try MachineMemory.check(size, "\(path): \(size) bytes")
        var failure: Int32 = 0
        var shortBy = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = posixRead(fd, buffer.baseAddress! + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno; break
                }
                if n == 0 { shortBy = size - done; break }
                done += n
            }
            initialized = done
        }
        if failure != 0 { throw DescentError("\(path): read failed: \(describe(errno: failure))") }
        if shortBy != 0 { throw DescentError("\(path): file shrank while reading (\(shortBy) bytes missing)") }
        return bytes
    }

    /// Writes `bytes` to `path` atomically (see `writeAtomically`).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try writeAtomically(bytes, to: path)
    }

    /// Creates `path` and its missing parents (like `mkdir -p`).
    public static func makeDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if !isDirectory(prefix) {
                if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                    throw DescentError("\(prefix): cannot create directory: \(describe(errno: errno))")
                }
            }
            prefix += "/"
        }
    }
}

/// A file read sequentially in chunks (for hashing large files without loading them).
final class ChunkedFile {
    let path: String
    private var fd: Int32

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)   // a FIFO must not block the open
        if fd < 0 { throw DescentError("\(path): \(FileBytes.describe(errno: errno))") }
        var st = stat()
        if fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) != S_IFREG {
            let isDirectory = (st.st_mode & S_IFMT) == S_IFDIR
            _ = posixClose(fd); fd = -1
            throw DescentError("\(path): \(isDirectory ? "is a directory, expected a file" : "not a regular file")")
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = posixRead(fd, buffer.baseAddress!, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw DescentError("\(path): read failed: \(FileBytes.describe(errno: errno))")
        }
    }

    func close() {
        if fd >= 0 { _ = posixClose(fd); fd = -1 }
    }

    deinit { close() }
}
