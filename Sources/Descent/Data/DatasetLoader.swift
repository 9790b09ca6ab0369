import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds, downloads (optionally) and loads a catalogue dataset into two `ImageSet`s, read
/// by the dataset's format (`DatasetName.format`).
///
/// Where the files (`DatasetName.files`: the MNIST family's four IDX files, each gzip'd or
/// not, e.g. `train-images-idx3-ubyte.gz` or `train-images-idx3-ubyte`; CIFAR's archive) are
/// looked for:
/// 1. `dataDirectory`, if given — and nowhere else (a clear error lists what is missing);
/// 2. the cache directory: `cacheDirectory`, else `locations.cacheDirectory(for:)`
///    (`~/.cache/descent/<name>` by default);
/// 3. `<locations.searchRoot>/<name>`, if set (the CLI sets it from `$DESCENT_DATA_DIR`);
/// 4. the dataset's system directories (Debian: `/usr/share/datasets/fashion-mnist`);
/// 5. if `allowDownload`, the missing files are downloaded into the cache directory from the
///    dataset's mirrors, each to a temporary name, bounded in size (`CatalogueFile.largestDownload`)
///    and time (`Downloader`), verified against its SHA-256 and renamed into place atomically.
public enum DatasetLoader {
    /// Loads the training and test sets of `name`.
    public static func load(_ name: DatasetName, dataDirectory: String? = nil, cacheDirectory: String? = nil,
                            allowDownload: Bool = false,
                            locations: DatasetLocations = DatasetLocations()) throws -> (train: ImageSet, test: ImageSet) {
        let d = try loadSplits(name, dataDirectory: dataDirectory, cacheDirectory: cacheDirectory, allowDownload: allowDownload,
                               locations: locations)
        return (d.train, d.test)
    }

    /// `load`, with the reader's `options` (CIFAR-100's `label`), and the class names.
    public static func loadSplits(_ name: DatasetName, dataDirectory: String? = nil, cacheDirectory: String? = nil,
                                  allowDownload: Bool = false, options: DatasetReadOptions = DatasetReadOptions(),
                                  locations: DatasetLocations = DatasetLocations()) throws -> DatasetSplits {
        var d = try load(name, dataDirectory: dataDirectory, cacheDirectory: cacheDirectory, allowDownload: allowDownload,
                         options: options, locations: locations, mirrors: locations.mirrors(of: name),
                         sha256: { file in name.files.first { $0.fileName == file }!.sha256 })
        if d.classNames == nil { d.classNames = name.classNames(label: options.label) }
        return d
    }

    /// `load` with the download source made explicit (tests use `file://` mirrors); `sha256`
    /// gives the digest of each of `name.files` by its file name.
    static func load(_ name: DatasetName, dataDirectory: String?, cacheDirectory: String?, allowDownload: Bool,
                     options: DatasetReadOptions = DatasetReadOptions(),
                     locations: DatasetLocations = DatasetLocations(),
                     mirrors: [String], sha256: (String) -> String) throws -> DatasetSplits {
        if let directory = localDirectory(of: name, dataDirectory: dataDirectory, cacheDirectory: cacheDirectory, locations: locations) {
            return try name.format.load(directory, options: options)
        }
        let cache = cacheDirectory ?? locations.cacheDirectory(for: name)
        let candidates = searchPath(of: name, cacheDirectory: cacheDirectory, locations: locations)
        guard allowDownload else {
            throw DescentError("\(name.displayName) not found: looked in \(candidates.joined(separator: ", ")); pass a data directory or allow downloading")
        }
        try FileBytes.makeDirectories(cache)
        for file in name.files where !isPresent(file, in: cache) {
            try download(file.fileName, largestDownload: file.largestDownload, mirrors: mirrors, sha256: sha256(file.fileName), into: cache)
        }
        return try name.format.load(cache, options: options)
    }

    /// Whether `directory` holds `file` (for a `.gz` IDX file, also its uncompressed form).
    static func isPresent(_ file: CatalogueFile, in directory: String) -> Bool {
        if let idx = DatasetFile(rawValue: file.fileName) { return path(of: idx, in: directory) != nil }
        var st = stat()
        return lstat(join(directory, file.fileName), &st) == 0
    }

    /// The folder `load` reads `name` from without downloading: `dataDirectory` if given, else
    /// the first folder of the search path (cache, `$DESCENT_DATA_DIR/<name>`, system
    /// directories) that holds its files (`DatasetFormat.holdsData`); nil if none does.
    public static func localDirectory(of name: DatasetName, dataDirectory: String? = nil, cacheDirectory: String? = nil,
                                      locations: DatasetLocations = DatasetLocations()) -> String? {
        if let dataDirectory { return dataDirectory }
        return searchPath(of: name, cacheDirectory: cacheDirectory, locations: locations).first { name.format.holdsData($0) }
    }

    static func searchPath(of name: DatasetName, cacheDirectory: String?, locations: DatasetLocations) -> [String] {
        var candidates = [cacheDirectory ?? locations.cacheDirectory(for: name)]
        if let root = locations.searchRoot { candidates.append(join(root, name.rawValue)) }
        return candidates + name.systemDirectories
    }

    /// Whether `directory` holds the catalogue's own files of `name` (each file's SHA-256
    /// equal to `name.files`'): how the catalogue's data are recognised where their
    /// uncompressed digests are not known (`DatasetName.uncompressedSHA256`). Hashes the
    /// compressed files, so it is called only when needed.
    public static func holdsCatalogueFiles(_ name: DatasetName, in directory: String) -> Bool {
        name.files.allSatisfy { file in
            let p = join(directory, file.fileName)
            return FileBytes.exists(p) && (try? SHA256.hex(ofFile: p)) == file.sha256
        }
    }

    /// The path of `file` in `directory`: the `.gz` name if present, else the uncompressed
    /// name, else nil.
    public static func path(of file: DatasetFile, in directory: String) -> String? {
        for candidate in [file.fileName, file.uncompressedName] {
            let p = join(directory, candidate)
            var st = stat()
            // lstat: a dangling or looping symlink is reported by the read, not as "missing".
            if lstat(p, &st) == 0 { return p }
        }
        return nil
    }

    /// The files absent from `directory`.
    public static func missingFiles(in directory: String) -> [DatasetFile] {
        DatasetFile.allCases.filter { path(of: $0, in: directory) == nil }
    }

    /// Loads the four standard IDX files from `directory` (`DatasetFormat.idx`).
    public static func load(directory: String) throws -> (train: ImageSet, test: ImageSet) {
        let d = try DatasetFormat.idx.load(directory)
        return (d.train, d.test)
    }

    /// One split from an image file and a label file.
    public static func loadSplit(imagesPath: String, labelsPath: String) throws -> ImageSet {
        try IDXFolder.loadSplit(imagesPath: imagesPath, labelsPath: labelsPath)
    }

    // MARK: - Downloading

    /// Downloads `file` of `name` into `directory`, trying each mirror in turn, and verifies it.
    public static func download(_ file: CatalogueFile, of name: DatasetName, into directory: String,
                                locations: DatasetLocations = DatasetLocations()) throws {
        try download(file.fileName, largestDownload: file.largestDownload, mirrors: locations.mirrors(of: name),
                     sha256: file.sha256, into: directory)
    }

    /// Each mirror's transfer is bounded by `file.largestDownload` bytes, `timeout` seconds
    /// without data and `totalTimeout` seconds in all.
    static func download(_ file: DatasetFile, mirrors: [String], sha256: String, into directory: String,
                         timeout: TimeInterval = Downloader.defaultTimeout,
                         totalTimeout: TimeInterval = Downloader.totalTimeout) throws {
        try download(file.fileName, largestDownload: file.largestDownload, mirrors: mirrors, sha256: sha256, into: directory,
                     timeout: timeout, totalTimeout: totalTimeout)
    }

    static func download(_ fileName: String, largestDownload: Int64, mirrors: [String], sha256: String, into directory: String,
                         timeout: TimeInterval = Downloader.defaultTimeout,
                         totalTimeout: TimeInterval = Downloader.totalTimeout) throws {
        var failures = [String]()
        let destination = join(directory, fileName)
        for mirror in mirrors {
            do {
                try Downloader.fetch(url: mirror + fileName, to: destination, sha256: sha256,
                                     maximumSize: largestDownload, timeout: timeout, totalTimeout: totalTimeout)
                return
            } catch let error as DescentError {
                let prefix = destination + ": "
                failures.append(error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message)
            }
        }
        throw DescentError("\(fileName): download into \(directory) failed from every mirror: \(failures.joined(separator: "; "))")
    }

    static func join(_ a: String, _ b: String) -> String {
        a.hasSuffix("/") ? a + b : a + "/" + b
    }
}
