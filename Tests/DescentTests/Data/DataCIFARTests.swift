import Foundation
import XCTest
@testable import Descent

/// A ustar archive of `entries` (name, bytes; type '0', or '5' for a name ending in "/"),
/// written as tar does: a 512-byte header each, data padded to 512, two zero blocks.
func tarArchive(_ entries: [(String, [UInt8])]) -> [UInt8] {
    var out: [UInt8] = []
    for (name, data) in entries {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, _ at: Int) { for (i, b) in text.utf8.enumerated() { h[at + i] = b } }
        put(name, 0)
        put("0000644", 100); put("0000000", 108); put("0000000", 116)
        put(String(String(data.count, radix: 8).reversed()).padding(toLength: 11, withPad: "0", startingAt: 0).reversed().map(String.init).joined(), 124)
        put("00000000000", 136)
        h[156] = name.hasSuffix("/") ? UInt8(ascii: "5") : UInt8(ascii: "0")
        put("ustar", 257); put("00", 263)
        put("        ", 148)
        let sum = h.reduce(0) { $0 + Int($1) }
        put(String(String(sum, radix: 8).reversed()).padding(toLength: 6, withPad: "0", startingAt: 0).reversed().map(String.init).joined(), 148)
        h[154] = 0; h[155] = 32
        out += h + data + [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }
    return out + [UInt8](repeating: 0, count: 1024)
}

/// CIFAR archives in the official layout (names, folders, record format), with few records,
/// written here: every test makes its own.
final class DataCIFARTests: XCTestCase {
    /// `count` CIFAR records: record n has label(s) `labels(n)`, red plane n, green 100 + n,
    /// blue 200 + n, except pixel (row 1, column 2) of each plane, which is 7, 8, 9.
    static func records(_ count: Int, labels: (Int) -> [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for n in 0..<count {
            out += labels(n)
            for (c, base) in [0, 100, 200].enumerated() {
                var plane = [UInt8](repeating: UInt8(base + n), count: 1024)
                plane[1 * 32 + 2] = UInt8(7 + c)
                out += plane
            }
        }
        return out
    }

    static func cifar10Archive(perBatch: Int = 3, test: Int = 2, extra: [(String, [UInt8])] = []) throws -> [UInt8] {
        var entries: [(String, [UInt8])] = [("cifar-10-batches-bin/", []), ("cifar-10-batches-bin/batches.meta.txt", Array("airplane\n".utf8))]
        for b in 1...5 {
            entries.append(("cifar-10-batches-bin/data_batch_\(b).bin", records(perBatch) { [UInt8(($0 + b) % 10)] }))
        }
        entries.append(("cifar-10-batches-bin/test_batch.bin", records(test) { [UInt8($0 % 10)] }))
        return try Gzip.compress(tarArchive(entries + extra))
    }

    func testCIFAR10ArchiveReadsInOrderWithRGBPlanes() throws {
        let dir = try makeTemporaryDirectory(self)
        try FileBytes.write(try Self.cifar10Archive(), to: dir + "/cifar-10-binary.tar.gz")
        XCTAssertTrue(DatasetFormat.cifar10.holdsData(dir))
        let d = try DatasetFormat.cifar10.load(dir)
        XCTAssertEqual(d.train.shape, [3, 32, 32]); XCTAssertEqual(d.train.count, 15); XCTAssertEqual(d.test.count, 2)
        XCTAssertEqual(d.train.labels, (1...5).flatMap { b in (0..<3).map { UInt8(($0 + b) % 10) } }, "batches 1…5 in order")
        XCTAssertEqual(d.classNames?.first, "airplane"); XCTAssertEqual(d.classNames?.count, 10)
        // Image 4 (record 1 of batch 2): planes R, G, B as torchvision's reshape(-1, 3, 32, 32).
        let image = Array(d.train.pixels[(4 * 3072)..<(5 * 3072)])
        XCTAssertEqual([image[0], image[1024], image[2048]], [1, 101, 201])
        XCTAssertEqual([image[34], image[1024 + 34], image[2048 + 34]], [7, 8, 9], "row 1, column 2 of each plane")
        // The extracted folder reads the same.
        let extracted = try makeTemporaryDirectory(self)
        try FileBytes.makeDirectories(extracted + "/cifar-10-batches-bin")
        for b in 1...5 { try FileBytes.write(Self.records(3) { [UInt8(($0 + b) % 10)] }, to: extracted + "/cifar-10-batches-bin/data_batch_\(b).bin") }
        try FileBytes.write(Self.records(2) { [UInt8($0 % 10)] }, to: extracted + "/cifar-10-batches-bin/test_batch.bin")
        let e = try DatasetFormat.cifar10.load(extracted)
        XCTAssertEqual(e.train.pixels, d.train.pixels); XCTAssertEqual(e.test.labels, d.test.labels)
        XCTAssertEqual(DataFingerprint(train: e.train, test: e.test), DataFingerprint(train: d.train, test: d.test))
    }

    func testCIFAR100FineAndCoarseLabels() throws {
        let dir = try makeTemporaryDirectory(self)
        let entries = [("cifar-100-binary/train.bin", Self.records(5) { [UInt8($0), UInt8(90 + $0)] }),
                       ("cifar-100-binary/test.bin", Self.records(2) { [UInt8(19 - $0), UInt8($0)] })]
        try FileBytes.write(try Gzip.compress(tarArchive(entries)), to: dir + "/cifar-100-binary.tar.gz")
        let fine = try DatasetFormat.cifar100.load(dir)
        XCTAssertEqual(fine.train.labels, [90, 91, 92, 93, 94]); XCTAssertEqual(fine.classNames?.count, 100)
        XCTAssertEqual(fine.classNames?[90], "train")
        let coarse = try DatasetFormat.cifar100.load(dir, options: DatasetReadOptions(label: "coarse"))
        XCTAssertEqual(coarse.train.labels, [0, 1, 2, 3, 4]); XCTAssertEqual(coarse.test.labels, [19, 18])
        XCTAssertEqual(coarse.classNames?.count, 20); XCTAssertEqual(coarse.classNames?.last, "vehicles_2")
        XCTAssertEqual(coarse.train.pixels, fine.train.pixels)
        assertDescentError(["cifar-100-binary.tar.gz", "no labels called 'medium'", "fine or coarse"]) {
            _ = try DatasetFormat.cifar100.load(dir, options: DatasetReadOptions(label: "medium"))
        }
        XCTAssertEqual(CIFARBinary.fineNames.count, 100); XCTAssertEqual(CIFARBinary.fineNames, CIFARBinary.fineNames.sorted())
        XCTAssertEqual(CIFARBinary.coarseNames.count, 20); XCTAssertEqual(CIFARBinary.coarseNames, CIFARBinary.coarseNames.sorted())
    }

    func testBadArchivesAreOneLineErrorsNamingTheArchive() throws {
        let dir = try makeTemporaryDirectory(self)
        let path = dir + "/cifar-10-binary.tar.gz"
        let good = try Self.cifar10Archive()
        func expect(_ bytes: [UInt8], _ fragments: [String]) throws {
            try FileBytes.write(bytes, to: path)
            assertDescentError([path] + fragments) { _ = try DatasetFormat.cifar10.load(dir) }
        }
        try expect(Array(good.prefix(good.count / 2)), ["truncated"])
        try expect(try Gzip.compress(Array(tarArchive([("x", [1])]).dropLast(1024))), ["truncated tar archive"])
        try expect(try Self.cifar10Archive(extra: [("cifar-10-batches-bin/../../evil", [1, 2, 3])]), ["'cifar-10-batches-bin/../../evil' escapes the archive's folder"])
        try expect(try Self.cifar10Archive(extra: [("/etc/evil", [1])]), ["'/etc/evil' escapes"])
        var corrupt = tarArchive([("cifar-10-batches-bin/test_batch.bin", Self.records(1) { _ in [0] })])
        corrupt[3] ^= 1
        try expect(try Gzip.compress(corrupt), ["the header at byte 0 has checksum"])
        try expect(try Gzip.compress(tarArchive([("cifar-10-batches-bin/test_batch.bin", Self.records(1) { _ in [0] })])),
                   ["no cifar-10-batches-bin/data_batch_1.bin in the archive"])
        // Records: whole ones only, labels in range.
        var entries = (1...5).map { ("cifar-10-batches-bin/data_batch_\($0).bin", Self.records(1) { _ in [0] }) }
        entries.append(("cifar-10-batches-bin/test_batch.bin", Self.records(1) { _ in [0] } + [1, 2]))
        try expect(try Gzip.compress(tarArchive(entries)), ["cifar-10-batches-bin/test_batch.bin: 3075 bytes are not whole records of 3073 bytes"])
        entries[5].1 = Self.records(2) { [UInt8(10 * $0)] }
        try expect(try Gzip.compress(tarArchive(entries)), ["test_batch.bin: record 1 has label 10, not below 10"])
        // An entry announcing more than the official file holds is refused before it is read.
        var huge = tarArchive([("cifar-10-batches-bin/data_batch_1.bin", [0])])
        let size = Array(String(40_000_000, radix: 8).utf8)
        for i in 0..<11 { huge[124 + i] = i < 11 - size.count ? 48 : size[i - (11 - size.count)] }
        for i in 148..<156 { huge[i] = 32 }
        let sum = huge[0..<512].reduce(0) { $0 + Int($1) }
        for (i, b) in Array(String(sum, radix: 8).utf8).enumerated() { huge[148 + i] = b }
        huge[148 + String(sum, radix: 8).count] = 0
        huge += [UInt8](repeating: 0, count: 40_000_000)
        try expect(try Gzip.compress(huge), ["'cifar-10-batches-bin/data_batch_1.bin' holds 40000000 bytes, more than the 30730000 it can"])
        // A file of the extracted folder larger than its records can be.
        let extracted = try makeTemporaryDirectory(self)
        try FileBytes.makeDirectories(extracted + "/cifar-10-batches-bin")
        try FileBytes.write([UInt8](repeating: 0, count: 30_730_001), to: extracted + "/cifar-10-batches-bin/data_batch_1.bin")
        assertDescentError([extracted + "/cifar-10-batches-bin/data_batch_1.bin", "more than the 30730000 of its 10000 records"]) {
            _ = try DatasetFormat.cifar10.load(extracted)
        }
    }

    /// Downloaded, verified, cached and read offline as MNIST is, through a file:// mirror.
    func testCatalogueDownloadsVerifiesAndCaches() throws {
        let root = try makeTemporaryDirectory(self)
        let mirror = root + "/mirror/", cache = root + "/cache/cifar10"
        try FileBytes.makeDirectories(mirror)
        let archive = try Self.cifar10Archive()
        try FileBytes.write(archive, to: mirror + "cifar-10-binary.tar.gz")
        assertDescentError(["CIFAR-10 not found", cache]) {
            _ = try DatasetLoader.load(.cifar10, dataDirectory: nil, cacheDirectory: cache, allowDownload: false,
                                       mirrors: ["file://" + mirror], sha256: { _ in SHA256.hex(of: archive) })
        }
        // The catalogue's digest is not that of this archive: refused, nothing left in the cache.
        assertDescentError(["cifar-10-binary.tar.gz", "failed from every mirror", "SHA-256 mismatch",
                            "expected c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"]) {
            _ = try DatasetLoader.load(.cifar10, dataDirectory: nil, cacheDirectory: cache, allowDownload: true,
                                       mirrors: ["file://" + mirror], sha256: { name in DatasetName.cifar10.files.first { $0.fileName == name }!.sha256 })
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache), [])
        let d = try DatasetLoader.load(.cifar10, dataDirectory: nil, cacheDirectory: cache, allowDownload: true,
                                       mirrors: ["file://" + root + "/empty/", "file://" + mirror], sha256: { _ in SHA256.hex(of: archive) })
        XCTAssertEqual(d.train.count, 15)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache), ["cifar-10-binary.tar.gz"])
        // Cached: read offline.
        let again = try DatasetLoader.loadSplits(.cifar10, cacheDirectory: cache)
        XCTAssertEqual(again.train.pixels, d.train.pixels)
        XCTAssertEqual(again.classNames, DatasetName.cifar10.classNames)
        XCTAssertTrue(DatasetLoader.holdsCatalogueFiles(.cifar10, in: cache) == false, "not the official archive")
        XCTAssertEqual(DatasetName.cifar10.files.map(\.largestDownload), [170_052_171])
        XCTAssertEqual(DatasetName.cifar100.imageShape, [3, 32, 32])
    }
}
