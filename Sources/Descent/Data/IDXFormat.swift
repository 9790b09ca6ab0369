/// The IDX format of the MNIST family as a dataset format: a folder of four IDX files with
/// the standard names of `DatasetFile` (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`), each gzip'd (`.gz`) or not.
///
/// Image files hold N×H×W bytes (magic 0x00000803, one channel) or N×C×H×W bytes (magic
/// 0x00000804, C channels, the N×C×H×W layout of `ImageSet`); label files N bytes.
extension DatasetFormat {
    public static let idx = DatasetFormat(
        name: "idx",
        summary: "four IDX files, train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each gzipped or not)",
        holdsData: { IDXFolder.missingFiles(in: $0).isEmpty },
        read: { directory, _ in try IDXFolder.read(directory) })
}

/// Reading a folder of the four IDX files (see `DatasetFormat.idx`).
enum IDXFolder {
    /// The files absent from `directory`.
    static func missingFiles(in directory: String) -> [DatasetFile] { DatasetLoader.missingFiles(in: directory) }

    static func read(_ directory: String) throws -> DatasetSplits {
        let missing = missingFiles(in: directory)
        if !missing.isEmpty {
            let names = missing.map { "\($0.fileName) (or \($0.uncompressedName))" }
            throw DescentError("\(directory): missing \(names.joined(separator: ", "))")
        }
        let files = DatasetFile.allCases.map { DatasetLoader.path(of: $0, in: directory)! }
        // The four files are independent: inflate them concurrently.
        let arrays = try concurrentMap(4) { i in
            i == 0 || i == 2 ? try readImages(files[i]) : try IDX.read(path: files[i], expectedDimensions: 1, elementName: "label")
        }
        let train = try makeSet(images: arrays[0], imagesPath: files[0], labels: arrays[1], labelsPath: files[1])
        let test = try makeSet(images: arrays[2], imagesPath: files[2], labels: arrays[3], labelsPath: files[3])
        if train.shape != test.shape {
            throw DescentError("\(files[2]): test images are \(DatasetFormat.text(test.shape)), training images \(DatasetFormat.text(train.shape))")
        }
        return DatasetSplits(train: train, test: test)
    }

    /// One split from an image file and a label file.
    static func loadSplit(imagesPath: String, labelsPath: String) throws -> ImageSet {
        let images = try readImages(imagesPath)
        let labels = try IDX.read(path: labelsPath, expectedDimensions: 1, elementName: "label")
        return try makeSet(images: images, imagesPath: imagesPath, labels: labels, labelsPath: labelsPath)
    }

    /// An image file: 3 dimensions (N×H×W), or 4 (N×C×H×W).
    static func readImages(_ path: String) throws -> IDXArray {
        let a = try IDX.read(path: path, elementName: "pixel")
        guard a.dimensions.count == 3 || a.dimensions.count == 4 else {
            throw DescentError("\(path): wrong number of dimensions: \(a.dimensions.count), expected 3 (images × rows × columns) or 4 (images × channels × rows × columns)")
        }
        return a
    }

    static func makeSet(images: IDXArray, imagesPath: String, labels: IDXArray, labelsPath: String) throws -> ImageSet {
        let d = images.dimensions
        let (count, channels, height, width) = d.count == 4 ? (d[0], d[1], d[2], d[3]) : (d[0], 1, d[1], d[2])
        let size = (d.count == 4 ? [channels, height, width] : [height, width]).map(String.init).joined(separator: "×")
        if count == 0 { throw DescentError("\(imagesPath): contains no images (header says 0×\(size))") }
        if channels == 0 || height == 0 || width == 0 {
            throw DescentError("\(imagesPath): images of \(size) pixels; need at least 1×1")
        }
        if labels.dimensions[0] != count {
            throw DescentError("\(labelsPath): \(labels.dimensions[0]) labels, but \(imagesPath) has \(count) images")
        }
        return try ImageSet(count: count, channels: channels, height: height, width: width, pixels: images.bytes, labels: labels.bytes)
    }
}
