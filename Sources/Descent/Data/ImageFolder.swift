import CImageCodecs
import Foundation

/// Folders of PNG and JPEG images, one subfolder per class, as torchvision's `ImageFolder`:
/// the format `image-folder`.
///
/// ```
/// DIR/train/airplane/0001.png      DIR/test/airplane/0042.jpg
/// DIR/train/automobile/…           DIR/test/automobile/…
/// ```
/// **Classes** are the subfolders of `train/`, sorted by name (Unicode code points, as
/// Python's `sorted`), labelled 0, 1, … in that order; `test/` must have the same ones.
/// **Images** of a class are its files ending in `.png`, `.jpg` or `.jpeg` (any case), in
/// its subfolders too, in the order of torchvision's `make_dataset` (folders by path, then
/// files by name); other files are skipped, except other image formats (`.bmp`, `.gif`,
/// `.webp`, `.tif`, `.tiff`, `.ppm`, `.pgm`), which are refused. A class without images is an
/// error, as in torchvision.
/// **Decoding**: PNG through libpng (its simplified API; 16-bit images are reduced to 8 bits
/// by it), JPEG through libjpeg-turbo (its default, accurate integer DCT), as Pillow decodes
/// them. The header of every image is read first; each image is then decoded once.
/// **Channels, one rule**: a set whose images (training and test) are all grey (grey, or
/// grey with alpha) has 1 channel; otherwise 3 (red, green, blue), grey images repeating
/// their grey in all three. Alpha is dropped, not composited, as Pillow's `convert("RGB")`.
/// **Size**: every image of a set has the size of the first training image; another size is
/// an error naming both files — unless a size is given (`DatasetReadOptions.resize`,
/// `--resize H×W`), to which every image is resized as torchvision's `Resize((H, W))` does
/// to a Pillow image (bilinear, antialiased: `BilinearResize`), after the channel rule.
/// Every problem (an unreadable or corrupt image, a size beyond 16384 pixels, more than 256
/// classes) is a `DescentError` naming the file or folder.
public enum ImageFolder {
    public static let format = DatasetFormat(
        name: "image-folder",
        summary: "train/ and test/, one subfolder of PNG or JPEG images per class, classes sorted by name (torchvision's ImageFolder)",
        holdsData: { FileBytes.isDirectory($0 + "/train") && FileBytes.isDirectory($0 + "/test") },
        read: { directory, options in try read(directory, resize: options.resize) })

    /// Image extensions read, and those refused.
    static let readable = ["png", "jpg", "jpeg"]
    static let refused = ["bmp", "gif", "webp", "tif", "tiff", "ppm", "pgm"]

    /// One image file's header.
    struct Header: Sendable {
        let path: String
        let bytes: [UInt8]
        let isPNG: Bool
        let width: Int
        let height: Int
        let colour: Bool
    }

    static func read(_ directory: String, resize: ImageSize? = nil) throws -> DatasetSplits {
        let trainDir = directory + "/train", testDir = directory + "/test"
        for d in [trainDir, testDir] where !FileBytes.isDirectory(d) {
            throw DescentError("\(directory): no \((d as NSString).lastPathComponent)/ folder (an image folder holds train/ and test/, one subfolder per class)")
        }
        let classes = try subfolders(trainDir)
        guard !classes.isEmpty else { throw DescentError("\(trainDir): no class folders") }
        guard classes.count <= 256 else { throw DescentError("\(trainDir): \(classes.count) class folders, more than the 256 labels a byte holds") }
        let testClasses = try subfolders(testDir)
        guard testClasses == classes else {
            let missing = classes.filter { !testClasses.contains($0) }, extra = testClasses.filter { !classes.contains($0) }
            throw DescentError("\(testDir): its class folders differ from train/'s" + (missing.isEmpty ? "" : "; missing \(missing.joined(separator: ", "))")
                               + (extra.isEmpty ? "" : "; not in train/: \(extra.joined(separator: ", "))"))
        }
        let trainFiles = try files(trainDir, classes), testFiles = try files(testDir, classes)
        let all = trainFiles + testFiles
        let headers = try concurrentMap(all.count) { try header(all[$0].path) }
        let first = headers[0]
        let (width, height) = resize.map { ($0.width, $0.height) } ?? (first.width, first.height)
        if resize == nil, let other = headers.first(where: { ($0.width, $0.height) != (first.width, first.height) }) {
            throw DescentError("\(other.path): \(other.width)×\(other.height) pixels, but \(first.path) has \(first.width)×\(first.height) (one size per set)")
        }
        let channels = headers.contains { $0.colour } ? 3 : 1
        let perImage = channels * width * height
        try MachineMemory.check(all.count * perImage, "\(directory): \(all.count) images of \(channels)×\(height)×\(width) bytes")
        let planes = try concurrentMap(all.count) { i in
            let planes = try decode(headers[i], channels: channels)
            guard let resize else { return planes }
            let (w, h) = (headers[i].width, headers[i].height), area = w * h
            return (0..<channels).flatMap { c in
                BilinearResize.resize(planes[(c * area)..<((c + 1) * area)], width: w, height: h, toWidth: resize.width, toHeight: resize.height)
            }
        }
        func set(_ range: Range<Int>) throws -> ImageSet {
            var pixels: [UInt8] = []
            pixels.reserveCapacity(range.count * perImage)
            for i in range { pixels += planes[i] }
            return try ImageSet(count: range.count, channels: channels, height: height, width: width,
                                pixels: pixels, labels: all[range].map { UInt8($0.label) })
        }
        return DatasetSplits(train: try set(0..<trainFiles.count), test: try set(trainFiles.count..<all.count), classNames: classes)
    }

    /// The subfolders of `directory`, sorted by Unicode code points (hidden ones skipped).
    static func subfolders(_ directory: String) throws -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory) } catch {
            throw DescentError("\(directory): cannot be listed")
        }
        return sortedByCodePoints(names.filter { !$0.hasPrefix(".") && FileBytes.isDirectory(directory + "/" + $0) })
    }

    static func sortedByCodePoints(_ names: [String]) -> [String] {
        names.sorted { $0.unicodeScalars.map(\.value).lexicographicallyPrecedes($1.unicodeScalars.map(\.value)) }
    }

    /// Every image of each class folder, labelled by the class's index.
    static func files(_ split: String, _ classes: [String]) throws -> [(path: String, label: Int)] {
        var out: [(String, Int)] = []
        for (label, name) in classes.enumerated() {
            let folder = split + "/" + name
            var found: [String] = []
            var folders = [folder]
            var walked: [(String, [String])] = []
            while let dir = folders.popLast() {
                let entries: [String]
                do { entries = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
                    throw DescentError("\(dir): cannot be listed")
                }
                var names: [String] = []
                for e in entries where !e.hasPrefix(".") {
                    let path = dir + "/" + e
                    if FileBytes.isDirectory(path) { folders.append(path); continue }
                    let ext = (e as NSString).pathExtension.lowercased()
                    if refused.contains(ext) { throw DescentError("\(path): a .\(ext) image; image folders hold PNG and JPEG images") }
                    if readable.contains(ext) { names.append(e) }
                }
                walked.append((dir, sortedByCodePoints(names)))
            }
            // torchvision: sorted(os.walk(folder)), i.e. folders by path, then files by name.
            let order = sortedByCodePoints(walked.map(\.0))
            let byFolder = Dictionary(uniqueKeysWithValues: walked)
            for dir in order { found += byFolder[dir]!.map { dir + "/" + $0 } }
            guard !found.isEmpty else { throw DescentError("\(folder): no PNG or JPEG images (an empty class)") }
            out += found.map { ($0, label) }
        }
        return out
    }

    /// Reads `path` and its image header.
    static func header(_ path: String) throws -> Header {
        let bytes = try FileBytes.read(path)
        let isPNG = bytes.starts(with: [0x89, 0x50, 0x4E, 0x47])
        var width: Int32 = 0, height: Int32 = 0, colour: Int32 = 0
        var error = [CChar](repeating: 0, count: Int(DESCENT_CODEC_ERROR_SIZE))
        let failed = bytes.withUnsafeBufferPointer { b in
            isPNG ? descent_png_info(b.baseAddress, b.count, &width, &height, &colour, &error)
                  : descent_jpeg_info(b.baseAddress, b.count, &width, &height, &colour, &error)
        }
        if failed != 0 {
            let kind = bytes.starts(with: [0xFF, 0xD8]) || isPNG ? "" : "neither a PNG nor a JPEG file: "
            throw DescentError("\(path): \(kind)\(text(error))")
        }
        guard (1...16384).contains(Int(width)), (1...16384).contains(Int(height)) else {
            throw DescentError("\(path): \(width)×\(height) pixels; images of 1 to 16384 pixels a side are read")
        }
        return Header(path: path, bytes: bytes, isPNG: isPNG, width: Int(width), height: Int(height), colour: colour != 0)
    }

    /// The NUL-terminated message a codec wrote.
    static func text(_ error: [CChar]) -> String {
        String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The image as `channels` planes (the rule above).
    static func decode(_ h: Header, channels: Int) throws -> [UInt8] {
        // PNG: grey+alpha or RGBA; JPEG: grey or RGB. Then alpha is dropped and grey repeated.
        let decoded = h.isPNG ? (h.colour ? 4 : 2) : (h.colour ? 3 : 1)
        let area = h.width * h.height
        var raw = [UInt8](repeating: 0, count: area * decoded)
        var error = [CChar](repeating: 0, count: Int(DESCENT_CODEC_ERROR_SIZE))
        let failed = h.bytes.withUnsafeBufferPointer { b in
            raw.withUnsafeMutableBufferPointer { o in
                h.isPNG ? descent_png_decode(b.baseAddress, b.count, Int32(decoded), o.baseAddress, o.count, &error)
                        : descent_jpeg_decode(b.baseAddress, b.count, Int32(decoded), o.baseAddress, o.count, &error)
            }
        }
        if failed != 0 { throw DescentError("\(h.path): \(text(error))") }
        var planes = [UInt8](repeating: 0, count: area * channels)
        for c in 0..<channels {
            let source = h.colour ? c : 0  // grey repeats in every plane
            for p in 0..<area { planes[c * area + p] = raw[p * decoded + source] }
        }
        return planes
    }
}

extension DatasetFormat {
    /// Folders of PNG and JPEG images, one per class (`ImageFolder`).
    public static let imageFolder = ImageFolder.format
}
