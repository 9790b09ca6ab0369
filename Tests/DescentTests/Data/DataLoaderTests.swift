import Foundation
import XCTest
@testable import Descent

final class DataLoaderTests: XCTestCase {
    func testLoadFromDataDirectoryGzAndRaw() throws {
        let train = syntheticSet(count: 30), test = syntheticSet(count: 11)
        for gzip in [true, false] {
            let dir = try makeTemporaryDirectory(self)
            try writeDataset(train: train, test: test, to: dir, gzip: gzip)
            let (tr, te) = try DatasetLoader.load(.mnist, dataDirectory: dir, cacheDirectory: nil, allowDownload: false)
            XCTAssertEqual(tr.count, 30); XCTAssertEqual(te.count, 11)
            XCTAssertEqual(tr.pixels, train.pixels); XCTAssertEqual(te.labels, test.labels)
            XCTAssertEqual(tr.height, 4); XCTAssertEqual(tr.width, 3)
        }
    }

    func testCacheDirectoryIsUsed() throws {
        let dir = try makeTemporaryDirectory(self)
        try writeDataset(train: syntheticSet(count: 3), test: syntheticSet(count: 2), to: dir, gzip: true)
        let (tr, te) = try DatasetLoader.load(.kmnist, dataDirectory: nil, cacheDirectory: dir, allowDownload: false)
        XCTAssertEqual(tr.count, 3); XCTAssertEqual(te.count, 2)
    }

    func testMissingFilesAreListed() throws {
        let dir = try makeTemporaryDirectory(self)
        try writeDataset(train: syntheticSet(count: 3), test: syntheticSet(count: 2), to: dir, gzip: true)
        try FileManager.default.removeItem(atPath: dir + "/t10k-labels-idx1-ubyte.gz")
        assertDescentError([dir, "missing t10k-labels-idx1-ubyte.gz (or t10k-labels-idx1-ubyte)"]) {
            _ = try DatasetLoader.load(.mnist, dataDirectory: dir, cacheDirectory: nil, allowDownload: false)
        }
        assertDescentError([dir + "/nope", "no such directory"]) {
            _ = try DatasetLoader.load(.mnist, dataDirectory: dir + "/nope", cacheDirectory: nil, allowDownload: false)
        }
    }

    func testNotFoundWithoutDownloadSaysWhereItLooked() throws {
        let dir = try makeTemporaryDirectory(self)
        assertDescentError(["Kuzushiji-MNIST not found", dir]) {
            _ = try DatasetLoader.load(.kmnist, dataDirectory: nil, cacheDirectory: dir, allowDownload: false)
        }
    }

    func testImageLabelCountMismatch() throws {
        let dir = try makeTemporaryDirectory(self)
        try writeDataset(train: syntheticSet(count: 6), test: syntheticSet(count: 2), to: dir, gzip: true)
        try IDX.write(IDXArray(dimensions: [5], bytes: [0, 1, 2, 3, 4]), to: dir + "/train-labels-idx1-ubyte.gz", gzip: true)
        assertDescentError([dir + "/train-labels-idx1-ubyte.gz", "5 labels", "6 images"]) {
            _ = try DatasetLoader.load(.mnist, dataDirectory: dir, cacheDirectory: nil, allowDownload: false)
        }
    }

    func testCorruptFileInDirectoryNamesIt() throws {
        let dir = try makeTemporaryDirectory(self)
        try writeDataset(train: syntheticSet(count: 6), test: syntheticSet(count: 2), to: dir, gzip: true)
        let path = dir + "/t10k-images-idx3-ubyte.gz"
        let bytes = try FileBytes.read(path)
        try FileBytes.write(Array(bytes[0..<(bytes.count - 5)]), to: path)
        assertDescentError([path, "truncated"]) {
            _ = try DatasetLoader.load(.mnist, dataDirectory: dir, cacheDirectory: nil, allowDownload: false)
        }
    }

    func testLocationsFromAnEnvironment() {
        XCTAssertTrue(DatasetLocations().cacheDirectory(for: .fashionMNIST).hasSuffix("/.cache/descent/fashion-mnist"))
        let env = DatasetLocations(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/u", "DESCENT_DATA_DIR": "/d",
                                                 "DESCENT_MIRRORS": "file:///m1,https://m2/"])
        XCTAssertEqual(env.cacheDirectory(for: .mnist), "/x/cache/descent/mnist")
        XCTAssertEqual(env.searchRoot, "/d")
        XCTAssertEqual(env.mirrors(of: .mnist), ["file:///m1/", "https://m2/"])
        // A relative XDG_CACHE_HOME is ignored (the XDG rule), empty values count as unset.
        let relative = DatasetLocations(environment: ["XDG_CACHE_HOME": "cache", "HOME": "/home/u", "DESCENT_MIRRORS": ""])
        XCTAssertEqual(relative.cacheDirectory(for: .kmnist), "/home/u/.cache/descent/kmnist")
        XCTAssertEqual(relative.mirrors(of: .kmnist), DatasetName.kmnist.mirrors)
    }

    func testCatalogue() {
        for name in DatasetName.allCases {
            XCTAssertFalse(name.mirrors.isEmpty)
            XCTAssertTrue(name.mirrors.allSatisfy { $0.hasSuffix("/") })
            XCTAssertEqual(name.md5.count, name.files.count)
            for (file, md5) in zip(name.files, name.md5) {
                XCTAssertEqual(file.sha256.count, 64)
                XCTAssertTrue(file.sha256.allSatisfy(\.isHexDigit) && file.sha256 == file.sha256.lowercased())
                XCTAssertEqual(md5.count, 32)
                XCTAssertGreaterThan(file.largestDownload, 0)
            }
            XCTAssertEqual(name.classNames.count, name == .cifar100 ? 100 : 10)
            XCTAssertEqual(name.format.holdsData("/nonexistent"), false)
        }
        XCTAssertEqual(DatasetName(rawValue: "fashion-mnist"), .fashionMNIST)
        XCTAssertEqual(DatasetFile.testLabels.uncompressedName, "t10k-labels-idx1-ubyte")
    }

    // MARK: - Downloading through file:// URLs (no network needed)

    func testDownloadVerifiesAndRenames() throws {
        let dir = try makeTemporaryDirectory(self)
        let source = dir + "/source.gz", destination = dir + "/dest.gz"
        let bytes = try Gzip.compress((0..<10_000).map { UInt8($0 % 7) })
        try FileBytes.write(bytes, to: source)
        try Downloader.fetch(url: "file://" + source, to: destination, sha256: SHA256.hex(of: bytes))
        XCTAssertEqual(try FileBytes.read(destination), bytes)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["dest.gz", "source.gz"])
    }

    func testDownloadDigestMismatchDeletesTemporary() throws {
        let dir = try makeTemporaryDirectory(self)
        let source = dir + "/source.gz", destination = dir + "/dest.gz"
        try FileBytes.write([1, 2, 3], to: source)
        let wrong = String(repeating: "0", count: 64)
        assertDescentError([destination, "SHA-256 mismatch", "expected " + wrong, "got " + SHA256.hex(of: [1, 2, 3] as [UInt8])]) {
            try Downloader.fetch(url: "file://" + source, to: destination, sha256: wrong)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["source.gz"])
    }

    func testDownloadFailureIsReported() throws {
        let dir = try makeTemporaryDirectory(self)
        assertDescentError([dir + "/dest.gz", "failed"]) {
            try Downloader.fetch(url: "file://" + dir + "/absent.gz", to: dir + "/dest.gz", sha256: String(repeating: "0", count: 64))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [])
    }

    func testLoadDownloadsMissingFilesIntoCacheFromMirrors() throws {
        let root = try makeTemporaryDirectory(self)
        let emptyMirror = root + "/empty/", goodMirror = root + "/mirror/", cache = root + "/cache/mnist"
        try FileBytes.makeDirectories(emptyMirror)
        try FileBytes.makeDirectories(goodMirror)
        let train = syntheticSet(count: 9), test = syntheticSet(count: 4)
        try writeDataset(train: train, test: test, to: goodMirror, gzip: true)
        var digests = [String: String]()
        for f in DatasetFile.allCases { digests[f.fileName] = try SHA256.hex(ofFile: goodMirror + f.fileName) }
        // One file already cached: only the other three are fetched.
        try FileBytes.makeDirectories(cache)
        try FileBytes.write(try FileBytes.read(goodMirror + DatasetFile.testLabels.fileName), to: cache + "/t10k-labels-idx1-ubyte.gz")

        assertDescentError(["MNIST not found", cache]) {
            _ = try DatasetLoader.load(.mnist, dataDirectory: nil, cacheDirectory: cache, allowDownload: false,
                                       mirrors: ["file://" + goodMirror], sha256: { digests[$0]! })
        }
        let d = try DatasetLoader.load(.mnist, dataDirectory: nil, cacheDirectory: cache, allowDownload: true,
                                       mirrors: ["file://" + emptyMirror, "file://" + goodMirror],
                                       sha256: { digests[$0]! })
        XCTAssertEqual(d.train.pixels, train.pixels); XCTAssertEqual(d.test.labels, test.labels)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache).sorted(),
                       DatasetFile.allCases.map(\.fileName).sorted())
    }

    func testLoadDownloadWithWrongDigestFailsAndLeavesNoFile() throws {
        let root = try makeTemporaryDirectory(self)
        let mirror = root + "/mirror/", cache = root + "/cache"
        try FileBytes.makeDirectories(mirror)
        try writeDataset(train: syntheticSet(count: 2), test: syntheticSet(count: 2), to: mirror, gzip: true)
        assertDescentError(["train-images-idx3-ubyte.gz", "failed from every mirror", "SHA-256 mismatch",
                            "expected " + DatasetName.mnist.sha256(.trainImages)!]) {
            _ = try DatasetLoader.load(.mnist, dataDirectory: nil, cacheDirectory: cache, allowDownload: true,
                                       mirrors: ["file://" + mirror], sha256: { DatasetFile(rawValue: $0).flatMap(DatasetName.mnist.sha256)! })
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache), [])
    }

    func testSearchRootDataDirectory() throws {
        let root = try makeTemporaryDirectory(self)
        try FileBytes.makeDirectories(root + "/kmnist")
        try writeDataset(train: syntheticSet(count: 7), test: syntheticSet(count: 3), to: root + "/kmnist", gzip: false)
        let (tr, _) = try DatasetLoader.load(.kmnist, dataDirectory: nil, cacheDirectory: root + "/emptycache", allowDownload: false,
                                             locations: DatasetLocations(searchRoot: root))
        XCTAssertEqual(tr.count, 7)
    }
}
