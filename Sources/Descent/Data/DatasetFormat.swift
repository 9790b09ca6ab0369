/// A way of storing a labelled image dataset in a folder, and its reader: IDX files
/// (`DatasetFormat.idx`), or any format a program registers.
///
/// A format is a value registered in a `Registry` (`register(_:)`), exactly as Descent
/// registers its own; the catalogue names each dataset's format (`DatasetName.format`), and
/// the command line reads a folder of any registered format with `--format NAME --data-dir DIR`.
/// A new format is one file: a value of this type and the function that reads a folder.
///
/// ```
/// let text = DatasetFormat(name: "pixel-text", summary: "train.txt and test.txt, one image a line",
///                          holdsData: { dir in FileBytes.exists(dir + "/train.txt") }) { dir, _ in
///     DatasetSplits(train: try read(dir + "/train.txt"), test: try read(dir + "/test.txt"))
/// }
/// var registry = Registry.builtIn
/// try registry.register(text)
/// let data = try registry.datasetFormat(named: "pixel-text")!.read("/data/mine", DatasetReadOptions())
/// ```
/// The reader checks everything it reads (sizes, counts, labels) and throws a `DescentError`
/// naming the file; the images it returns are bytes, N×C×H×W (`ImageSet`), training and test
/// images of one shape.
public struct DatasetFormat: Sendable {
    /// The name `--format` and the run records use (lowercase, e.g. "idx").
    public let name: String
    /// What a folder of this format holds, for `--help` and messages.
    public let summary: String
    /// Whether `directory` holds this format's files (the loader's search path skips folders
    /// that do not); reading then says precisely what is wrong with them.
    public let holdsData: @Sendable (_ directory: String) -> Bool
    /// Reads the training and test sets in `directory`.
    public let read: @Sendable (_ directory: String, _ options: DatasetReadOptions) throws -> DatasetSplits

    public init(name: String, summary: String, holdsData: @escaping @Sendable (String) -> Bool,
                read: @escaping @Sendable (String, DatasetReadOptions) throws -> DatasetSplits) {
        self.name = name
        self.summary = summary
        self.holdsData = holdsData
        self.read = read
    }

    /// Reads `directory`, then checks what every format must give: training and test images
    /// of one shape.
    public func load(_ directory: String, options: DatasetReadOptions = DatasetReadOptions()) throws -> DatasetSplits {
        if !FileBytes.exists(directory) { throw DescentError("\(directory): no such directory") }
        if !FileBytes.isDirectory(directory) { throw DescentError("\(directory): not a directory") }
        let splits = try read(directory, options)
        if splits.train.shape != splits.test.shape {
            throw DescentError("\(directory): test images are \(DatasetFormat.text(splits.test.shape)), training images \(DatasetFormat.text(splits.train.shape))")
        }
        if let names = splits.classNames, let top = (splits.train.labels + splits.test.labels).max(), Int(top) >= names.count {
            throw DescentError("\(directory): a label \(top) beyond the \(names.count) class names")
        }
        return splits
    }

    /// "28×28" for one channel, "3×32×32" otherwise.
    static func text(_ shape: [Int]) -> String {
        (shape.first == 1 ? Array(shape.dropFirst()) : shape).map(String.init).joined(separator: "×")
    }
}

/// What a reader may be asked beyond the folder.
public struct DatasetReadOptions: Sendable, Equatable {
    /// Which labels of a dataset that has several kinds (CIFAR-100: "fine" or "coarse");
    /// nil for the format's default.
    public var label: String?
    /// The size every image is resized to (image folders), nil to keep their one size.
    public var resize: ImageSize?

    public init(label: String? = nil, resize: ImageSize? = nil) {
        self.label = label
        self.resize = resize
    }
}

/// An image size, written "H×W" or "HxW" (height first, as in C×H×W), e.g. "32x32".
public struct ImageSize: Sendable, Hashable, CustomStringConvertible {
    public let height: Int
    public let width: Int

    /// Throws unless both sides are in 1…16384.
    public init(height: Int, width: Int) throws {
        guard (1...16384).contains(height), (1...16384).contains(width) else {
            throw DescentError("image size: each side must be 1 to 16384 pixels, got \(height)×\(width)")
        }
        (self.height, self.width) = (height, width)
    }

    /// Reads "H×W" or "HxW".
    public init(parsing text: String) throws {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "x" || $0 == "×" })
        guard parts.count == 2, let h = Int(parts[0]), let w = Int(parts[1]) else {
            throw DescentError("image size: '\(text)' is not H×W (e.g. 32x32)")
        }
        try self.init(height: h, width: w)
    }

    /// "32x32".
    public var description: String { "\(height)x\(width)" }
}

/// The training and test sets a format reads, and the class names if the files give them.
public struct DatasetSplits: Sendable {
    public var train: ImageSet
    public var test: ImageSet
    /// Class names in label order (e.g. an image folder's subfolders); nil when the files
    /// carry none (the catalogue knows those of its datasets).
    public var classNames: [String]?

    public init(train: ImageSet, test: ImageSet, classNames: [String]? = nil) {
        self.train = train
        self.test = test
        self.classNames = classNames
    }
}
