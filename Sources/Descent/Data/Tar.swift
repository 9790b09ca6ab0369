/// A bounded reader of tar archives (POSIX ustar, with GNU long names and pax headers) held in
/// memory, for dataset archives such as CIFAR's `.tar.gz` (inflated first by `Gzip`, whose
/// `maximumSize` bounds the whole archive).
///
/// Layout: a sequence of 512-byte header blocks, each followed by its entry's data padded to
/// a multiple of 512 bytes, and two zero blocks at the end. A header holds the name (bytes
/// 0–99, with the ustar prefix at 345–499 before it), the size (124–135, octal ASCII), the
/// checksum (148–155: the sum of the header's bytes with this field counted as spaces) and
/// the type (156: '0' or NUL a regular file, '5' a folder, 'L' a GNU long name for the next
/// entry, 'x' a pax header whose `path` names the next entry, 'g' a global pax header).
///
/// Nothing is written to disk, and what is read is checked: a header with a wrong checksum,
/// an entry that runs past the end (a truncated archive), an archive without its end blocks,
/// an entry larger than `maximumSize` allows for it, and any entry whose name is absolute
/// or has a `..` component (it would escape the archive's folder) each throw a
/// `DescentError` naming the archive and the entry.
enum Tar {
    /// The regular files of the archive `bytes` (called `archive` in messages): each name
    /// (without a leading "./") and the range of its data in `bytes`. `maximumSize(name)` is
    /// the most bytes the entry may hold (nil: any entry size up to what the archive holds).
    static func files(_ bytes: [UInt8], archive: String, maximumSize: (String) -> Int?) throws -> [String: Range<Int>] {
        var files: [String: Range<Int>] = [:]
        var offset = 0
        var nextName: String?
        while true {
            guard offset + 512 <= bytes.count else {
                throw DescentError("\(archive): truncated tar archive: it ends at byte \(bytes.count) without its end-of-archive blocks")
            }
            let header = bytes[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { return files }
            let stored = try octal(header, 148, 8, archive: archive, at: offset, field: "checksum")
            let sum = header.enumerated().reduce(0) { s, e in s + ((148..<156).contains(e.offset) ? 32 : Int(e.element)) }
            guard stored == sum else {
                throw DescentError("\(archive): not a tar archive, or a corrupt one: the header at byte \(offset) has checksum \(stored), its bytes sum to \(sum)")
            }
            let type = header[header.startIndex + 156]
            var name = nextName ?? join(prefix: text(header, 345, 155), name: text(header, 0, 100))
            nextName = nil
            if name.hasPrefix("./") { name.removeFirst(2) }
            let size = try octal(header, 124, 12, archive: archive, at: offset, field: "size")
            let start = offset + 512
            let limit = maximumSize(name) ?? Int.max
            guard type == UInt8(ascii: "5") || name.isEmpty || !escapes(name) else {
                throw DescentError("\(archive): the entry '\(name)' escapes the archive's folder (an absolute name or a '..' component)")
            }
            guard size <= bytes.count - start else {
                throw DescentError("\(archive): truncated tar archive: the entry '\(name)' needs \(size) bytes, \(bytes.count - start) are left")
            }
            let data = start..<(start + size)
            switch type {
            case UInt8(ascii: "0"), 0:
                guard size <= limit else {
                    throw DescentError("\(archive): the entry '\(name)' holds \(size) bytes, more than the \(limit) it can")
                }
                files[name] = data
            case UInt8(ascii: "L"):
                guard size <= 4096 else { throw DescentError("\(archive): a GNU long name of \(size) bytes at byte \(offset)") }
                nextName = text(bytes[data], 0, size)
            case UInt8(ascii: "x"):
                guard size <= 65_536 else { throw DescentError("\(archive): a pax header of \(size) bytes at byte \(offset)") }
                nextName = paxPath(bytes[data])
            default:
                break  // folders, links, global pax headers: nothing to read
            }
            offset = start + (size + 511) / 512 * 512
        }
    }

    /// Whether `name` would leave the folder it is extracted into.
    static func escapes(_ name: String) -> Bool {
        name.hasPrefix("/") || name.split(separator: "/", omittingEmptySubsequences: false).contains("..")
    }

    static func join(prefix: String, name: String) -> String { prefix.isEmpty ? name : prefix + "/" + name }

    /// The NUL-terminated text of `count` bytes at `at` of `block`.
    static func text(_ block: ArraySlice<UInt8>, _ at: Int, _ count: Int) -> String {
        let field = block[(block.startIndex + at)..<(block.startIndex + at + count)]
        return String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// An octal number field (digits, then spaces or NULs).
    static func octal(_ block: ArraySlice<UInt8>, _ at: Int, _ count: Int, archive: String, at offset: Int, field: String) throws -> Int {
        let raw = block[(block.startIndex + at)..<(block.startIndex + at + count)]
        let digits = raw.drop { $0 == 32 }.prefix { $0 != 0 && $0 != 32 }
        guard !digits.isEmpty, digits.count <= 11, digits.allSatisfy({ (48...55).contains($0) }) else {
            throw DescentError("\(archive): not a tar archive, or a corrupt one: the header at byte \(offset) has no octal \(field)")
        }
        return digits.reduce(0) { $0 * 8 + Int($1 - 48) }
    }

    /// The `path` of pax records "LEN path=VALUE\n", if any.
    static func paxPath(_ data: ArraySlice<UInt8>) -> String? {
        for record in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let field = record[record.index(after: space)...]
            if field.hasPrefix("path=") { return String(field.dropFirst(5)) }
        }
        return nil
    }
}
