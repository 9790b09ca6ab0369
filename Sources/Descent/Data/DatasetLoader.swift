import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds, downloads (optionally) and loads an MNIST-family dataset into two `ImageSet`s.
///
/// Where the four files (see `DatasetFile`; each may be gzip'd or not, e.g.
/// `train-images-idx3-ubyte.gz` or `train-images-idx3-ubyte`) are looked for:
/// 1. `dataDirectory`, if given — and nowhere else (a clear error lists what is missing);
/// 2. the cache directory: `cacheDirectory`, else `$XDG_CACHE_HOME/descent/<name>`,
///    else `~/.cache/descent/<name>`;
/// 3. `$DESCENT_DATA_DIR/<name>`, if that variable is set;
/// 4. the dataset's system directories (Debian: `/usr/share/datasets/fashion-mnist`);
/// 5. if `allowDownload`, the missing files are downloaded into the cache directory from the
///    dataset's mirrors, each to a temporary name, verified against its SHA-256 and renamed
///    into place atomically.
public enum DatasetLoader {
    /// Loads the training and test sets of `name`.
    public static func load(_ name: DatasetName, dataDirectory: String? = nil, cacheDirectory: String? = nil,
                            allowDownload: Bool = false) throws -> (train: ImageSet, test: ImageSet) {
        try load(name, dataDirectory: dataDirectory, cacheDirectory: cacheDirectory, allowDownload: allowDownload,
                 mirrors: mirrors(of: name), sha256: name.sha256)
    }

    /// `load` with the download source made explicit (tests use `file://` mirrors).
    static func load(_ name: DatasetName, dataDirectory: String?, cacheDirectory: String?, allowDownload: Bool,
                     mirrors: [String], sha256: (DatasetFile) -> String) throws -> (train: ImageSet, test: ImageSet) {
        if let directory = localDirectory(of: name, dataDirectory: dataDirectory, cacheDirectory: cacheDirectory) {
            return try load(directory: directory)
        }
        let cache = cacheDirectory ?? defaultCacheDirectory(for: name)
        let candidates = searchPath(of: name, cacheDirectory: cacheDirectory)
        guard allowDownload else {
            throw DescentError("\(name.displayName) not found: looked in \(candidates.joined(separator: ", ")); pass a data directory or allow downloading")
        }
        try FileBytes.makeDirectories(cache)
        for file in missingFiles(in: cache) {
            try download(file, mirrors: mirrors, sha256: sha256(file), into: cache)
        }
        return try load(directory: cache)
    }

    /// The folder `load` reads `name` from without downloading: `dataDirectory` if given, else
    /// the first folder of the search path (cache, `$DESCENT_DATA_DIR/<name>`, system
    /// directories) that holds all four files; nil if none does.
    public static func localDirectory(of name: DatasetName, dataDirectory: String? = nil, cacheDirectory: String? = nil) -> String? {
        if let dataDirectory { return dataDirectory }
        return searchPath(of: name, cacheDirectory: cacheDirectory).first { missingFiles(in: $0).isEmpty }
    }

    static func searchPath(of name: DatasetName, cacheDirectory: String?) -> [String] {
        var candidates = [cacheDirectory ?? defaultCacheDirectory(for: name)]
        if let root = environment("DESCENT_DATA_DIR"), !root.isEmpty { candidates.append(join(root, name.rawValue)) }
        return candidates + name.systemDirectories
    }

    /// Whether `directory` holds the catalogue's own `.gz` files of `name` (each file's SHA-256
    /// equal to `name.sha256`): how the catalogue's data are recognised where their
    /// uncompressed digests are not known (`DatasetName.uncompressedSHA256`). Hashes the
    /// compressed files, so it is called only when needed.
    public static func holdsCatalogueFiles(_ name: DatasetName, in directory: String) -> Bool {
        DatasetFile.allCases.allSatisfy { file in
            let p = join(directory, file.fileName)
            return FileBytes.exists(p) && (try? SHA256.hex(ofFile: p)) == name.sha256(file)
        }
    }

    /// Where `name` is downloaded from: `$DESCENT_MIRRORS` (comma-separated base URLs ending
    /// in `/`, e.g. a local mirror for machines without internet access) if set, else the
    /// catalogue's mirrors. Downloads are verified against the catalogue's SHA-256 either way.
    public static func mirrors(of name: DatasetName) -> [String] {
        guard let list = environment("DESCENT_MIRRORS"), !list.isEmpty else { return name.mirrors }
        return list.split(separator: ",").map { $0.hasSuffix("/") ? String($0) : $0 + "/" }
    }

    /// The default cache directory of `name`: `$XDG_CACHE_HOME/descent/<name>` or
    /// `~/.cache/descent/<name>`.
    public static func defaultCacheDirectory(for name: DatasetName) -> String {
        if let xdg = environment("XDG_CACHE_HOME"), xdg.hasPrefix("/") {
            return join(join(xdg, "descent"), name.rawValue)
        }
        let home = environment("HOME") ?? NSHomeDirectory()
        return join(join(join(home, ".cache"), "descent"), name.rawValue)
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

    /// Loads the four standard files from `directory`.
    public static func load(directory: String) throws -> (train: ImageSet, test: ImageSet) {
        if !FileBytes.exists(directory) { throw DescentError("\(directory): no such directory") }
        if !FileBytes.isDirectory(directory) { throw DescentError("\(directory): not a directory") }
        let missing = missingFiles(in: directory)
        if !missing.isEmpty {
            let names = missing.map { "\($0.fileName) (or \($0.uncompressedName))" }
            throw DescentError("\(directory): missing \(names.joined(separator: ", "))")
        }
        let files = DatasetFile.allCases.map { path(of: $0, in: directory)! }
        // The four files are independent: inflate them concurrently.
        var images = [IDXArray?](repeating: nil, count: 4)
        var errors = [Error?](repeating: nil, count: 4)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: 4) { i in
            let isImages = i == 0 || i == 2
            do {
                let a = try IDX.read(path: files[i], expectedDimensions: isImages ? 3 : 1,
                                     elementName: isImages ? "pixel" : "label")
                lock.lock(); images[i] = a; lock.unlock()
            } catch {
                lock.lock(); errors[i] = error; lock.unlock()
            }
        }
        if let error = errors.compactMap({ $0 }).first { throw error }
        let train = try makeSet(images: images[0]!, imagesPath: files[0], labels: images[1]!, labelsPath: files[1])
        let test = try makeSet(images: images[2]!, imagesPath: files[2], labels: images[3]!, labelsPath: files[3])
        if (train.height, train.width) != (test.height, test.width) {
            throw DescentError("\(files[2]): test images are \(test.height)×\(test.width), training images \(train.height)×\(train.width)")
        }
        return (train, test)
    }

    /// One split from an image file and a label file.
    public static func loadSplit(imagesPath: String, labelsPath: String) throws -> ImageSet {
        let images = try IDX.read(path: imagesPath, expectedDimensions: 3, elementName: "pixel")
        let labels = try IDX.read(path: labelsPath, expectedDimensions: 1, elementName: "label")
        return try makeSet(images: images, imagesPath: imagesPath, labels: labels, labelsPath: labelsPath)
    }

    static func makeSet(images: IDXArray, imagesPath: String, labels: IDXArray, labelsPath: String) throws -> ImageSet {
        let count = images.dimensions[0]
        if count == 0 { throw DescentError("\(imagesPath): contains no images (header says 0×\(images.dimensions[1])×\(images.dimensions[2]))") }
        if images.dimensions[1] == 0 || images.dimensions[2] == 0 {
            throw DescentError("\(imagesPath): images of \(images.dimensions[1])×\(images.dimensions[2]) pixels; need at least 1×1")
        }
        if labels.dimensions[0] != count {
            throw DescentError("\(labelsPath): \(labels.dimensions[0]) labels, but \(imagesPath) has \(count) images")
        }
        return try ImageSet(count: count, height: images.dimensions[1], width: images.dimensions[2],
                        pixels: images.bytes, labels: labels.bytes)
    }

    // MARK: - Downloading

    /// Downloads `file` of `name` into `directory`, trying each mirror in turn, and verifies it.
    public static func download(_ file: DatasetFile, of name: DatasetName, into directory: String) throws {
        try download(file, mirrors: mirrors(of: name), sha256: name.sha256(file), into: directory)
    }

    static func download(_ file: DatasetFile, mirrors: [String], sha256: String, into directory: String,
                         timeout: TimeInterval = Downloader.defaultTimeout) throws {
        var failures = [String]()
        let destination = join(directory, file.fileName)
        for mirror in mirrors {
            do {
                try Downloader.fetch(url: mirror + file.fileName, to: destination, sha256: sha256, timeout: timeout)
                return
            } catch let error as DescentError {
                let prefix = destination + ": "
                failures.append(error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message)
            }
        }
        throw DescentError("\(file.fileName): download into \(directory) failed from every mirror: \(failures.joined(separator: "; "))")
    }

    static func environment(_ key: String) -> String? {
        getenv(key).map { String(cString: $0) }
    }

    static func join(_ a: String, _ b: String) -> String {
        a.hasSuffix("/") ? a + b : a + "/" + b
    }
}
