import Foundation

/// Where `DatasetLoader` keeps and looks for datasets, and where it downloads them from.
///
/// The library reads no environment variables: the command-line tool builds its locations
/// from the process's environment with `init(environment:)`; a program that embeds Descent
/// passes what it wants.
///
/// ```swift
/// let here = DatasetLocations(cacheRoot: "/data/cache", mirrors: ["https://example.org/mnist/"])
/// let data = try DatasetLoader.load(.mnist, allowDownload: true, locations: here)
/// ```
public struct DatasetLocations: Sendable, Equatable {
    /// The cache root: a dataset is cached in `<cacheRoot>/descent/<name>`.
    public var cacheRoot: String
    /// A further root searched after the cache, as `<searchRoot>/<name>` (nil: none).
    public var searchRoot: String?
    /// Base URLs (ending in `/`) to download from instead of the catalogue's mirrors.
    public var mirrors: [String]?

    /// `cacheRoot` defaults to `~/.cache`.
    public init(cacheRoot: String? = nil, searchRoot: String? = nil, mirrors: [String]? = nil) {
        self.cacheRoot = cacheRoot ?? DatasetLocations.join(NSHomeDirectory(), ".cache")
        self.searchRoot = searchRoot
        self.mirrors = mirrors.map { $0.map { $0.hasSuffix("/") ? $0 : $0 + "/" } }
    }

    /// The locations an environment names: `XDG_CACHE_HOME` (if absolute, else `$HOME/.cache`)
    /// for the cache, `DESCENT_DATA_DIR` for the further root, `DESCENT_MIRRORS`
    /// (comma-separated base URLs, e.g. a local mirror for machines without internet access)
    /// for the mirrors; empty values count as unset.
    public init(environment: [String: String]) {
        func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        let cache = value("XDG_CACHE_HOME").flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? value("HOME").map { DatasetLocations.join($0, ".cache") }
        self.init(cacheRoot: cache, searchRoot: value("DESCENT_DATA_DIR"),
                  mirrors: value("DESCENT_MIRRORS").map { $0.split(separator: ",").map(String.init) })
    }

    /// `<cacheRoot>/descent/<name>`.
    public func cacheDirectory(for name: DatasetName) -> String {
        DatasetLocations.join(DatasetLocations.join(cacheRoot, "descent"), name.rawValue)
    }

    /// Where `name` is downloaded from: `mirrors` if set, else the catalogue's. Downloads
    /// are verified against the catalogue's SHA-256 either way.
    public func mirrors(of name: DatasetName) -> [String] { mirrors ?? name.mirrors }

    static func join(_ a: String, _ b: String) -> String { a.hasSuffix("/") ? a + b : a + "/" + b }
}
