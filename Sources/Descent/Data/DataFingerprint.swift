import Foundation

/// What identifies the data of a run: the SHA-256 of each of its parts, and one digest of
/// those.
///
/// The parts are any list of files or arrays, in an order fixed by whoever defines them; the
/// fingerprint of decoded data (`init(train:test:)`), whatever format they were read from, has
/// four: the training images, the training labels, the test images and the test labels, each
/// as the unsigned-byte IDX file that holds it (header and payload: N×H×W images, or
/// N×C×H×W when there are several channels; N labels). For IDX data those are exactly the
/// files uncompressed, so a file gives the same digest gzipped or not and however it was
/// compressed: Debian's `dataset-fashion-mnist` recompresses the official files (its `.gz`
/// digests differ from the catalogue's), but its uncompressed files are the official ones,
/// and `isCatalogue(_:)` recognises them by `DatasetName.uncompressedSHA256`. Data of any other
/// format (CIFAR's binary batches, image folders, a registered reader's) get the fingerprint of
/// what they decode to, so two formats holding the same images and labels have one fingerprint.
/// `value` is the SHA-256 of the part digests, each followed by a newline, in order, so in a
/// folder of the four IDX `.gz` files this prints it:
/// ```sh
/// for f in train-images-idx3 train-labels-idx1 t10k-images-idx3 t10k-labels-idx1; do
///     gunzip -c $f-ubyte.gz | sha256sum | cut -c1-64; done | sha256sum
/// ```
/// It is computed from the decoded arrays (the IDX header is rebuilt from their
/// dimensions), the four concurrently; the training images dominate. Fashion-MNIST's
/// 60,000 + 10,000 images (47 + 8 MB) take about 0.1 s in a release build with the CPU's SHA
/// instructions (0.33 s in a debug build): once per process, about 1 % of one epoch of the
/// seed article's network and a sixth of reading the files.
public struct DataFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// SHA-256 (hex) of each part, in order (for decoded data: train images, train labels,
    /// test images, test labels, each as an IDX file).
    public let files: [String]
    /// SHA-256 (hex) of the part digests, each followed by "\n".
    public let value: String

    /// The fingerprint of parts (files, arrays) with these digests, in this order.
    public init(files: [String]) {
        self.files = files
        value = SHA256.hex(of: Array(files.map { $0 + "\n" }.joined().utf8))
    }

    /// The fingerprint of a training and a test set, whatever they were read from: their
    /// four arrays as IDX files (see above).
    public init(train: ImageSet, test: ImageSet) {
        let arrays: [(dimensions: [Int], bytes: [UInt8])] = [
            (DataFingerprint.dimensions(train), train.pixels), ([train.count], train.labels),
            (DataFingerprint.dimensions(test), test.pixels), ([test.count], test.labels),
        ]
        let digests = try! concurrentMap(arrays.count) { i in  // the body cannot throw
            DataFingerprint.idxDigest(dimensions: arrays[i].dimensions, bytes: arrays[i].bytes)
        }
        self.init(files: digests)
    }

    /// Whether these are the catalogue's files of `name` (false when the catalogue does not
    /// know their uncompressed digests; see `DatasetLoader.holdsCatalogueFiles`).
    public func isCatalogue(_ name: DatasetName) -> Bool { self == DataFingerprint.catalogue(name) }

    /// The fingerprint of the catalogue's files of `name`, where their uncompressed digests
    /// are known (`DatasetName.uncompressedSHA256`).
    public static func catalogue(_ name: DatasetName) -> DataFingerprint? {
        let digests = DatasetFile.allCases.compactMap { name.uncompressedSHA256($0) }
        return digests.count == DatasetFile.allCases.count ? DataFingerprint(files: digests) : nil
    }

    /// The fingerprint of the files at `paths` as they are on disk, in this order (e.g. the
    /// archives a dataset is downloaded as).
    public init(contentsOf paths: [String]) throws {
        self.init(files: try concurrentMap(paths.count) { try SHA256.hex(ofFile: paths[$0]) })
    }

    /// The first 12 hex digits, for messages and labels.
    public var description: String { DataFingerprint.short(value) }

    /// The first 12 hex digits of a fingerprint's `value`.
    public static func short(_ value: String) -> String { String(value.prefix(12)) }

    /// IDX dimensions of an image set: count × height × width (× channels when there are several).
    static func dimensions(_ set: ImageSet) -> [Int] {
        set.channels == 1 ? [set.count, set.height, set.width] : [set.count, set.channels, set.height, set.width]
    }

    /// SHA-256 of the unsigned-byte IDX file holding `bytes` with `dimensions` (see `IDXArray`).
    static func idxDigest(dimensions: [Int], bytes: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(IDX.unsignedByteHeader(dimensions))  // an ImageSet's sizes fit a header
        hasher.update(bytes)
        return hasher.hexDigest()
    }
}
