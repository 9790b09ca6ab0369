import CImageCodecs
import Foundation
import XCTest
@testable import Descent
import DescentReport

/// Writes `pixels` (height × width × channels, interleaved) as a JPEG of `quality`.
func writeJPEG(_ pixels: [UInt8], width: Int, height: Int, channels: Int, quality: Int = 95, to path: String) throws {
    var out: UnsafeMutablePointer<UInt8>?
    var size: UInt = 0
    var error = [CChar](repeating: 0, count: Int(DESCENT_CODEC_ERROR_SIZE))
    guard descent_jpeg_encode(pixels, Int32(width), Int32(height), Int32(channels), Int32(quality), &out, &size, &error) == 0, let out else {
        throw DescentError("jpeg encode failed")
    }
    defer { free(out) }
    try FileBytes.write(Array(UnsafeBufferPointer(start: out, count: Int(size))), to: path)
}

/// Image folders (`ImageFolder`): classes, order, channels rule, sizes and errors, on
/// folders of PNG and JPEG files written here; and Fashion-MNIST written out as PNG files.
final class DataImageFolderTests: XCTestCase {
    func png(_ pixels: [UInt8], _ width: Int, _ height: Int, _ channels: Int, to path: String) throws {
        try FileBytes.makeDirectories((path as NSString).deletingLastPathComponent)
        try PNG.write(try PixelImage(width: width, height: height, channels: channels, pixels: pixels), to: path)
    }

    func testGreyFolderClassesAndOrder() throws {
        let dir = try makeTemporaryDirectory(self)
        // Classes b, a, C (code points: C < a < b); class a has a nested folder and a text file.
        for (split, value) in [("train", UInt8(10)), ("test", UInt8(20))] {
            try png([value, 1, 2, 3, 4, 5], 3, 2, 1, to: "\(dir)/\(split)/b/x.png")
            try png([value + 1, 1, 2, 3, 4, 5], 3, 2, 1, to: "\(dir)/\(split)/a/z.png")
            try png([value + 2, 1, 2, 3, 4, 5], 3, 2, 1, to: "\(dir)/\(split)/a/sub/a.png")
            try png([value + 3, 1, 2, 3, 4, 5, 9, 9, 9, 9, 9, 9], 3, 2, 2, to: "\(dir)/\(split)/a/y.PNG")  // grey + alpha
            try png([value + 4, 1, 2, 3, 4, 5], 3, 2, 1, to: "\(dir)/\(split)/C/k.png")
            try FileBytes.write(Array("notes".utf8), to: "\(dir)/\(split)/a/readme.txt")
        }
        let d = try DatasetFormat.imageFolder.load(dir)
        XCTAssertEqual(d.classNames, ["C", "a", "b"])
        XCTAssertEqual(d.train.shape, [1, 2, 3])
        XCTAssertEqual(d.train.labels, [0, 1, 1, 1, 2])
        // Class a: its own files by name (y.PNG, z.png), then its subfolder's (sorted(os.walk)).
        XCTAssertEqual(stride(from: 0, to: 30, by: 6).map { d.train.pixels[$0] }, [14, 13, 11, 12, 10])
        XCTAssertEqual(Array(d.train.pixels[6..<12]), [13, 2, 4, 9, 9, 9], "alpha dropped")
        XCTAssertEqual(d.test.pixels[0], 24)
    }

    func testColourRuleRGBAndJPEG() throws {
        let dir = try makeTemporaryDirectory(self)
        // train: an RGB PNG, a grey JPEG; test: an RGBA PNG, a colour JPEG. Colour anywhere: 3 channels.
        try png([200, 100, 50, 1, 2, 3], 2, 1, 3, to: "\(dir)/train/one/rgb.png")
        try FileBytes.makeDirectories("\(dir)/train/two")
        try writeJPEG([77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77, 77].prefix(2).map { $0 }, width: 2, height: 1, channels: 1, quality: 100,
                      to: "\(dir)/train/two/grey.jpg")
        try png([9, 8, 7, 0, 6, 5, 4, 255], 2, 1, 4, to: "\(dir)/test/one/rgba.png")
        try FileBytes.makeDirectories("\(dir)/test/two")
        try writeJPEG([200, 100, 50, 200, 100, 50], width: 2, height: 1, channels: 3, quality: 100, to: "\(dir)/test/two/colour.jpeg")
        let d = try DatasetFormat.imageFolder.load(dir)
        XCTAssertEqual(d.train.shape, [3, 1, 2])
        XCTAssertEqual(Array(d.train.pixels[0..<6]), [200, 1, 100, 2, 50, 3], "R, G, B planes")
        XCTAssertEqual(Array(d.train.pixels[6..<12]), [77, 77, 77, 77, 77, 77], "grey repeated in each plane")
        XCTAssertEqual(Array(d.test.pixels[0..<6]), [9, 6, 8, 5, 7, 4], "alpha dropped, not composited")
        let jpeg = Array(d.test.pixels[6..<12])
        for (value, expected) in zip(jpeg, [200, 200, 100, 100, 50, 50] as [Int]) { XCTAssertLessThanOrEqual(abs(Int(value) - expected), 3, "\(jpeg)") }
    }

    func testErrorsNameTheFile() throws {
        let dir = try makeTemporaryDirectory(self)
        try png([1, 2, 3, 4], 2, 2, 1, to: "\(dir)/train/a/0.png")
        try png([1, 2, 3, 4], 2, 2, 1, to: "\(dir)/test/a/0.png")
        _ = try DatasetFormat.imageFolder.load(dir)
        // Another size.
        try png([1, 2, 3], 3, 1, 1, to: "\(dir)/test/a/1.png")
        assertDescentError(["\(dir)/test/a/1.png: 3×1 pixels, but \(dir)/train/a/0.png has 2×2"]) { _ = try DatasetFormat.imageFolder.load(dir) }
        // A corrupt (truncated) PNG, and a file that is no image.
        let good = try FileBytes.read("\(dir)/train/a/0.png")
        try FileBytes.write(Array(good.prefix(good.count - 20)), to: "\(dir)/test/a/1.png")
        assertDescentError(["\(dir)/test/a/1.png: ", "PNG"]) { _ = try DatasetFormat.imageFolder.load(dir) }
        try FileBytes.write(Array("hello".utf8), to: "\(dir)/test/a/1.png")
        assertDescentError(["\(dir)/test/a/1.png: neither a PNG nor a JPEG file"]) { _ = try DatasetFormat.imageFolder.load(dir) }
        try FileBytes.write([0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 1, 2], to: "\(dir)/test/a/1.png")
        assertDescentError(["\(dir)/test/a/1.png: corrupt JPEG"]) { _ = try DatasetFormat.imageFolder.load(dir) }
        try FileManager.default.removeItem(atPath: "\(dir)/test/a/1.png")
        // An empty class, a class missing from test/, another format.
        try FileBytes.makeDirectories("\(dir)/train/b")
        assertDescentError(["\(dir)/test: its class folders differ from train/'s; missing b"]) { _ = try DatasetFormat.imageFolder.load(dir) }
        try FileBytes.makeDirectories("\(dir)/test/b")
        assertDescentError(["\(dir)/train/b: no PNG or JPEG images (an empty class)"]) { _ = try DatasetFormat.imageFolder.load(dir) }
        try FileBytes.write([0x42, 0x4D], to: "\(dir)/train/b/x.bmp")
        assertDescentError(["\(dir)/train/b/x.bmp: a .bmp image; image folders hold PNG and JPEG images"]) { _ = try DatasetFormat.imageFolder.load(dir) }
        let bare = try makeTemporaryDirectory(self)
        assertDescentError([bare, "no train/ folder"]) { _ = try DatasetFormat.imageFolder.load(bare) }
    }

    /// Real data: a slice of Fashion-MNIST written as PNG folders reads back as the same
    /// images, in class order, with the same fingerprint as those images in IDX files, and
    /// trains bit for bit as they do.
    func testFashionMNISTAsPNGFoldersTrainsAsIDX() throws {
        let fashion = try Support.requireFashionMNIST()
        let (train, test) = (fashion.train.prefix(1500), fashion.test.prefix(400))
        let root = try makeTemporaryDirectory(self)
        let folders = root + "/png", idx = root + "/idx"
        // Folder names that sort in label order: "0 T-shirt-top", …, "9 Ankle boot".
        let names = DatasetName.fashionMNIST.classNames.enumerated().map { "\($0.offset) \($0.element.replacingOccurrences(of: "/", with: "-"))" }
        var reordered: [ImageSet] = []
        for (split, set) in [("train", train), ("test", test)] {
            for i in 0..<set.count {
                let image = try PixelImage(image: i, of: set)
                try png(image.pixels, 28, 28, 1, to: "\(folders)/\(split)/\(names[Int(set.labels[i])])/\(String(format: "%05d", i)).png")
            }
            // ImageFolder's order: by class, then by file name (the original order).
            reordered.append(try set.subset((0..<set.count).sorted { (set.labels[$0], $0) < (set.labels[$1], $1) }))
        }
        try FileBytes.makeDirectories(idx)
        try writeDataset(train: reordered[0], test: reordered[1], to: idx, gzip: false)
        let d = try DatasetFormat.imageFolder.load(folders)
        XCTAssertEqual(d.train.pixels, reordered[0].pixels); XCTAssertEqual(d.train.labels, reordered[0].labels)
        XCTAssertEqual(d.test.pixels, reordered[1].pixels); XCTAssertEqual(d.test.labels, reordered[1].labels)
        XCTAssertEqual(d.classNames, names)
        XCTAssertEqual(DataFingerprint(train: d.train, test: d.test), DataFingerprint(train: reordered[0], test: reordered[1]))

        let args = ["train", "--model", "784-64-10", "--epochs", "2", "--seed", "4", "--threads", "1", "--json"]
        let fromPNG = try Support.descent(args + ["--format", "image-folder", "--data-dir", folders, "--out", root + "/a"])
        let fromIDX = try Support.descent(args + ["--data-dir", idx, "--out", root + "/b"])
        XCTAssertEqual(fromPNG.status, 0, fromPNG.stderr); XCTAssertEqual(fromIDX.status, 0, fromIDX.stderr)
        func strip(_ s: String) -> [String] { s.split(separator: "\n").map { $0.replacingOccurrences(of: #""seconds":[0-9.e-]+"#, with: "", options: .regularExpression) } }
        XCTAssertEqual(strip(fromPNG.stdout), strip(fromIDX.stdout))
        XCTAssertEqual(strip(fromPNG.stdout).count, 2)
        let a = try Checkpoint.read(root + "/a/model.safetensors"), b = try Checkpoint.read(root + "/b/model.safetensors")
        for (name, tensor) in a.tensors { XCTAssertEqual(tensor.toArray(), b.tensors[name]?.toArray(), name) }
        XCTAssertEqual(a.metadata[Checkpoint.dataFingerprintKey], b.metadata[Checkpoint.dataFingerprintKey])
        // evaluate names the classes by their folders.
        let e = try Support.descent(["evaluate", root + "/a/model.safetensors", "--data-dir", folders, "--json"])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertTrue(e.stdout.contains("\"9 Ankle boot\""), e.stdout)
    }
}
