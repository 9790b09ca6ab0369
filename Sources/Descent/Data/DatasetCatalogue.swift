/// The datasets Descent knows how to find, download and verify: the MNIST family and
/// CIFAR-10/100.
///
/// **MNIST family.** Each dataset is four gzip'd IDX files with the canonical names of
/// `DatasetFile` (60,000 training and 10,000 test images of 28 × 28 pixels, labels 0…9). The
/// digests are those of the official `.gz` files as published by their distributors:
/// - SHA-256 (what downloads are verified against): each value is listed identically by
///   several unrelated public dataset loaders (for KMNIST including TensorFlow Datasets'
///   checksums); none could be recomputed here, as this machine has no copy of the official files.
/// - MD5 (kept for cross-reference only, not checked): torchvision's `datasets/mnist.py`.
/// Mirrors follow torchvision (MNIST's S3 mirror, KMNIST's CODH server, Fashion-MNIST's S3
/// website) plus the GitHub-hosted Fashion-MNIST files and TensorFlow's MNIST mirror.
/// Debian's `dataset-fashion-mnist` package recompresses the files (its `.gz` digests differ
/// from upstream), so files found in a system directory, a data directory or the cache are
/// not checked against these digests; only the structure is validated by the IDX reader.
/// What the data are is recorded with every run instead (`DataFingerprint`, from the
/// uncompressed files, whose digests `uncompressedSHA256` lists where known).
///
/// **CIFAR-10 and CIFAR-100** (Krizhevsky 2009), the "binary version" archives of the
/// authors' page: `cifar-10-binary.tar.gz` (170,052,171 bytes) and `cifar-100-binary.tar.gz`
/// (168,513,733 bytes), read by `DatasetFormat.cifar10` / `.cifar100` (`CIFARBinary`). SHA-256
/// and sizes: TensorFlow Datasets' `url_checksums` (listed identically by other public
/// loaders); MD5: the authors' page (CIFAR-10) and public loaders (CIFAR-100), not checked.
/// No copy of either archive was available here, so neither digest could be recomputed.
public enum DatasetName: String, CaseIterable, Codable, Sendable {
    case mnist
    case fashionMNIST = "fashion-mnist"
    case kmnist
    case cifar10
    case cifar100

    /// Human-readable name.
    public var displayName: String {
        switch self {
        case .mnist: return "MNIST"
        case .fashionMNIST: return "Fashion-MNIST"
        case .kmnist: return "Kuzushiji-MNIST"
        case .cifar10: return "CIFAR-10"
        case .cifar100: return "CIFAR-100"
        }
    }

    /// Base URLs (ending in `/`) tried in order; a file's URL is base + canonical file name.
    public var mirrors: [String] {
        switch self {
        case .mnist:
            return ["https://ossci-datasets.s3.amazonaws.com/mnist/",
                    "https://storage.googleapis.com/cvdf-datasets/mnist/",
                    "http://yann.lecun.com/exdb/mnist/"]
        case .fashionMNIST:
            return ["https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
                    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
        case .kmnist:
            return ["https://codh.rois.ac.jp/kmnist/dataset/kmnist/",
                    "http://codh.rois.ac.jp/kmnist/dataset/kmnist/"]
        case .cifar10, .cifar100:
            return ["https://www.cs.toronto.edu/~kriz/"]
        }
    }

    /// What is downloaded into the cache: the four `.gz` files of the MNIST family, or the
    /// one archive of CIFAR; each with its SHA-256 and the most bytes a download may bring.
    public var files: [CatalogueFile] {
        switch self {
        case .mnist, .fashionMNIST, .kmnist:
            return DatasetFile.allCases.map {
                CatalogueFile(fileName: $0.fileName, sha256: sha256($0)!, largestDownload: $0.largestDownload)
            }
        case .cifar10:
            return [CatalogueFile(fileName: CIFARBinary.cifar10.archive, sha256: "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
                                  largestDownload: 170_052_171)]
        case .cifar100:
            return [CatalogueFile(fileName: CIFARBinary.cifar100.archive, sha256: "58a81ae192c23a4be8b1804d68e518ed807d710a4eb253b1f2a199162a40d8ec",
                                  largestDownload: 168_513_733)]
        }
    }

    /// MD5 (lowercase hex) of each of `files` (cross-reference only): torchvision's for the
    /// MNIST family, the authors' page for CIFAR-10, public loaders for CIFAR-100.
    public var md5: [String] {
        switch self {
        case .mnist, .fashionMNIST, .kmnist: return DatasetFile.allCases.map { md5($0)! }
        case .cifar10: return ["c32a1d4ab5d03f1284b67883e8d87530"]
        case .cifar100: return ["03b5dce01913d631647c71ecec9e9cb8"]
        }
    }

    /// SHA-256 (lowercase hex) of the official `.gz` file of an MNIST-family dataset (nil for CIFAR).
    public func sha256(_ file: DatasetFile) -> String? {
        switch (self, file) {
        case (.cifar10, _), (.cifar100, _): return nil
        case (.mnist, .trainImages): return "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        case (.mnist, .trainLabels): return "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
        case (.mnist, .testImages): return "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        case (.mnist, .testLabels): return "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
        case (.fashionMNIST, .trainImages): return "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
        case (.fashionMNIST, .trainLabels): return "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
        case (.fashionMNIST, .testImages): return "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
        case (.fashionMNIST, .testLabels): return "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
        case (.kmnist, .trainImages): return "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4"
        case (.kmnist, .trainLabels): return "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17"
        case (.kmnist, .testImages): return "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5"
        case (.kmnist, .testLabels): return "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c"
        }
    }

    /// SHA-256 (lowercase hex) of the official file uncompressed (`gunzip -c FILE.gz |
    /// sha256sum`), nil where unknown. Whatever compresses the files, these stay the same:
    /// Debian's recompressed Fashion-MNIST gives exactly these. `DataFingerprint` recognises
    /// the catalogue's data by them. Fashion-MNIST: computed here from Debian's
    /// `dataset-fashion-mnist` and listed identically by several public loaders; MNIST: listed
    /// by public loaders beside the `.gz` digests above; Kuzushiji-MNIST: none known, so its
    /// files are recognised by their `.gz` digests (`DatasetLoader.holdsCatalogueFiles`).
    public func uncompressedSHA256(_ file: DatasetFile) -> String? {
        switch (self, file) {
        case (.mnist, .trainImages): return "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
        case (.mnist, .trainLabels): return "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
        case (.mnist, .testImages): return "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
        case (.mnist, .testLabels): return "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
        case (.fashionMNIST, .trainImages): return "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
        case (.fashionMNIST, .trainLabels): return "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
        case (.fashionMNIST, .testImages): return "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
        case (.fashionMNIST, .testLabels): return "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
        case (.kmnist, _), (.cifar10, _), (.cifar100, _): return nil
        }
    }

    /// MD5 (lowercase hex) of the official `.gz` file, as listed by torchvision (nil for CIFAR).
    func md5(_ file: DatasetFile) -> String? {
        switch (self, file) {
        case (.cifar10, _), (.cifar100, _): return nil
        case (.mnist, .trainImages): return "f68b3c2dcbeaaa9fbdd348bbdeb94873"
        case (.mnist, .trainLabels): return "d53e105ee54ea40749a09fcbcd1e9432"
        case (.mnist, .testImages): return "9fb629c4189551a2d022fa330f9573f3"
        case (.mnist, .testLabels): return "ec29112dd5afa0611ce80d1b7f02629c"
        case (.fashionMNIST, .trainImages): return "8d4fb7e6c68d591d4c3dfef9ec88bf0d"
        case (.fashionMNIST, .trainLabels): return "25c81989df183df01b3e8a0aad5dffbe"
        case (.fashionMNIST, .testImages): return "bef4ecab320f06d8554ea6380940ec79"
        case (.fashionMNIST, .testLabels): return "bb300cfdad3c16e7a12a480ee83cd310"
        case (.kmnist, .trainImages): return "bdb82020997e1d708af4cf47b453dcf7"
        case (.kmnist, .trainLabels): return "e144d726b3acfaa3e44228e80efcd344"
        case (.kmnist, .testImages): return "5c965bf0a639b31b8f53240b1b52f4d7"
        case (.kmnist, .testLabels): return "7320c461ea6c1c855c0b718fb2a4b134"
        }
    }

    /// Directories where a distribution package installs the files, if any:
    /// Debian's `dataset-fashion-mnist` puts them in `/usr/share/datasets/fashion-mnist`.
    public var systemDirectories: [String] {
        switch self {
        case .fashionMNIST: return ["/usr/share/datasets/fashion-mnist"]
        case .mnist, .kmnist, .cifar10, .cifar100: return []
        }
    }

    /// The format its files are in (`DatasetFormat.idx` for the MNIST family).
    public var format: DatasetFormat {
        switch self {
        case .mnist, .fashionMNIST, .kmnist: return .idx
        case .cifar10: return .cifar10
        case .cifar100: return .cifar100
        }
    }

    /// The shape of one image, `[C, H, W]`, as the catalogue's files hold it.
    public var imageShape: [Int] {
        switch self {
        case .mnist, .fashionMNIST, .kmnist: return [1, 28, 28]
        case .cifar10, .cifar100: return [3, 32, 32]
        }
    }

    /// Number of classes (with the default labels).
    public var classCount: Int { classNames.count }

    /// Class names, label order, of the default labels.
    public var classNames: [String] { classNames(label: nil) }

    /// Class names, label order, of the labels `label` names (CIFAR-100: "fine", the default,
    /// or "coarse"; the others have one kind of label).
    public func classNames(label: String?) -> [String] {
        switch self {
        case .cifar10: return CIFARBinary.cifar10.classNames(label: label)
        case .cifar100: return CIFARBinary.cifar100.classNames(label: label)
        case .mnist: return (0..<10).map(String.init)
        case .fashionMNIST:
            return ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
        case .kmnist: return ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
        }
    }
}

/// A file the catalogue downloads: its name (on the mirrors and in the cache), its SHA-256
/// (lowercase hex; downloads are verified against it), and the most bytes a download of it
/// may bring.
public struct CatalogueFile: Sendable, Hashable {
    public let fileName: String
    public let sha256: String
    public let largestDownload: Int64

    public init(fileName: String, sha256: String, largestDownload: Int64) {
        self.fileName = fileName
        self.sha256 = sha256
        self.largestDownload = largestDownload
    }
}

/// The four files of an MNIST-family dataset, by canonical (gzip'd) file name.
public enum DatasetFile: String, CaseIterable, Sendable {
    case trainImages = "train-images-idx3-ubyte.gz"
    case trainLabels = "train-labels-idx1-ubyte.gz"
    case testImages = "t10k-images-idx3-ubyte.gz"
    case testLabels = "t10k-labels-idx1-ubyte.gz"

    /// The canonical name.
    public var fileName: String { rawValue }
    /// The name without `.gz`, as left by `gunzip`.
    public var uncompressedName: String { String(rawValue.dropLast(3)) }

    /// Its size uncompressed, the same in every catalogue dataset: the IDX header (16 bytes
    /// for images, 8 for labels) and 60,000 (training) or 10,000 (test) images of 28 × 28
    /// pixels, or as many one-byte labels.
    public var uncompressedSize: Int64 {
        switch self {
        case .trainImages: return 16 + 60_000 * 784
        case .trainLabels: return 8 + 60_000
        case .testImages: return 16 + 10_000 * 784
        case .testLabels: return 8 + 10_000
        }
    }

    /// The most bytes a download of the `.gz` file may bring: the uncompressed size plus an
    /// eighth plus 64 KiB. gzip can never make the file that large (deflate's worst case,
    /// stored blocks, adds 5 bytes per block of up to 64 KiB, and the gzip header and trailer
    /// a few more; zlib's `deflateBound`), so a mirror sending more is not sending this file.
    public var largestDownload: Int64 { uncompressedSize + uncompressedSize / 8 + 65_536 }
}
