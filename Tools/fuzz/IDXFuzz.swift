// libFuzzer entry point for the IDX / gzip reader (see Tools/fuzz.sh; not a SwiftPM target,
// so Package.swift needs no unsafeFlags). Built with the Data sources compiled in.

/// Feeds arbitrary bytes to the parsers the data loader runs on files from disk. Errors
/// (`DescentError`) are the expected outcome for most inputs; a crash, a trap, an
/// out-of-bounds access (ASan) or a hang is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func descentFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    // The last byte picks what the loader would expect (images, labels, or anything).
    let choices: [Int?] = [nil, 1, 3]
    let expected = bytes.last.flatMap { choices[Int($0) % 3] }
    if Gzip.isGzip(bytes) {
        if var inflated = try? Gzip.decompress(bytes, name: "fuzz") {
            _ = try? IDX.parse(&inflated, name: "fuzz", compressed: true, expectedDimensions: expected)
        }
    } else {
        var raw = bytes
        if let a = try? IDX.parse(&raw, name: "fuzz", expectedDimensions: expected) {
            // Whatever parses must round-trip.
            precondition(a.dimensions.reduce(1, *) == a.bytes.count)
            var again = IDX.encode(a)
            precondition((try? IDX.parse(&again, name: "again")) == a)
        }
        _ = try? Gzip.decompress(bytes, name: "fuzz")   // zlib streams and garbage too
    }
    return 0
}
