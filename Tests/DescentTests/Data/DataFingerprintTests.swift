import XCTest
@testable import Descent

/// Issue #12 item 4: the data are part of every record, by a fingerprint of the uncompressed files.
final class DataFingerprintTests: XCTestCase {
    /// The fingerprint is what the shell pipeline of docs/guide/comparisons.md prints: SHA-256 of each
    /// uncompressed file, then SHA-256 of the four hex digests, one per line — the same for
    /// gzipped and raw files; one changed label changes it.
    func testFingerprintIsTheDigestOfTheUncompressedFiles() throws {
        let gz = Support.temporaryFolder("gz"), raw = Support.temporaryFolder("raw")
        try MalformedInputs.writeValid(gz)
        try MalformedInputs.writeValid(raw, gzip: false)
        let fromGz = try DatasetLoader.load(directory: gz), fromRaw = try DatasetLoader.load(directory: raw)
        let a = DataFingerprint(train: fromGz.train, test: fromGz.test)
        XCTAssertEqual(a, DataFingerprint(train: fromRaw.train, test: fromRaw.test))
        let files = try DatasetFile.allCases.map { SHA256.hex(of: try FileBytes.read(raw + "/" + $0.uncompressedName)) }
        XCTAssertEqual(a.files, files)
        XCTAssertEqual(a.value, SHA256.hex(of: Array(files.map { $0 + "\n" }.joined().utf8)))
        var labels = fromRaw.test.labels
        labels[3] = (labels[3] + 1) % 10
        let changed = try ImageSet(count: fromRaw.test.count, height: 28, width: 28, pixels: fromRaw.test.pixels, labels: labels)
        XCTAssertNotEqual(DataFingerprint(train: fromRaw.train, test: changed), a)
        XCTAssertFalse(a.isCatalogue(.fashionMNIST))
    }

    /// Debian's recompressed Fashion-MNIST is recognised as the catalogue's data (its .gz
    /// digests are not the catalogue's), a slice of it is not; prints how long it takes.
    func testDebianFashionMNISTIsTheCatalogues() throws {
        let d = try Support.requireFashionMNIST()
        let start = Date()
        let fingerprint = DataFingerprint(train: d.train, test: d.test)
        let seconds = Date().timeIntervalSince(start)
        print("data fingerprint of \(d.train.count) + \(d.test.count) images: \(fingerprint) in \(String(format: "%.3f", seconds)) s")
        XCTAssertTrue(fingerprint.isCatalogue(.fashionMNIST))
        XCTAssertFalse(fingerprint.isCatalogue(.mnist))
        XCTAssertEqual(fingerprint, DataFingerprint.catalogue(.fashionMNIST))
        XCTAssertFalse(DataFingerprint(train: d.train.prefix(1000), test: d.test).isCatalogue(.fashionMNIST))
        if let dir = DatasetName.fashionMNIST.systemDirectories.first, FileBytes.exists(dir + "/" + DatasetFile.trainImages.fileName) {
            XCTAssertFalse(DatasetLoader.holdsCatalogueFiles(.fashionMNIST, in: dir), "Debian's .gz files are recompressed")
        }
    }

    /// Only Kuzushiji-MNIST lacks known uncompressed digests; its files are recognised by
    /// their .gz digests, which other files do not have.
    func testCatalogueDigests() throws {
        XCTAssertNotNil(DataFingerprint.catalogue(.mnist))
        XCTAssertNotNil(DataFingerprint.catalogue(.fashionMNIST))
        XCTAssertNil(DataFingerprint.catalogue(.kmnist))
        let dir = Support.temporaryFolder()
        try MalformedInputs.writeValid(dir)
        XCTAssertFalse(DatasetLoader.holdsCatalogueFiles(.kmnist, in: dir))
    }
}
