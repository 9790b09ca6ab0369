import Foundation
import XCTest
@testable import Descent

/// A fresh temporary directory, removed when the test case finishes.
func makeTemporaryDirectory(_ testCase: XCTestCase) throws -> String {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("descent-data-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url.path
}

/// Asserts that `body` throws a `DescentError` whose message contains every fragment.
func assertDescentError(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected a DescentError containing \(fragments)", file: file, line: line)
    } catch let error as DescentError {
        for fragment in fragments {
            XCTAssertTrue(error.message.contains(fragment),
                          "message \"\(error.message)\" lacks \"\(fragment)\"", file: file, line: line)
        }
        XCTAssertFalse(error.message.contains("\n"), "message is not one line: \(error.message)", file: file, line: line)
    } catch {
        XCTFail("expected a DescentError, got \(error)", file: file, line: line)
    }
}

/// A small synthetic image set: `count` images of `h × w`, pixel (i, j) = (i * 7 + j) % 256.
func syntheticSet(count: Int, height: Int = 4, width: Int = 3) -> ImageSet {
    let f = height * width
    var pixels = [UInt8](repeating: 0, count: count * f)
    for i in 0..<count { for j in 0..<f { pixels[i * f + j] = UInt8((i * 7 + j) % 256) } }
    let labels = (0..<count).map { UInt8($0 % 10) }
    return try! ImageSet(count: count, height: height, width: width, pixels: pixels, labels: labels)
}

/// Writes the four standard files of `train`/`test` into `directory` (images N×H×W, or N×C×H×W with several channels).
func writeDataset(train: ImageSet, test: ImageSet, to directory: String, gzip: Bool) throws {
    func name(_ f: DatasetFile) -> String { directory + "/" + (gzip ? f.fileName : f.uncompressedName) }
    for (set, images, labels) in [(train, DatasetFile.trainImages, DatasetFile.trainLabels),
                                  (test, .testImages, .testLabels)] {
        let dimensions = set.channels == 1 ? [set.count, set.height, set.width] : [set.count, set.channels, set.height, set.width]
        try IDX.write(IDXArray(dimensions: dimensions, bytes: set.pixels),
                      to: name(images), gzip: gzip)
        try IDX.write(IDXArray(dimensions: [set.count], bytes: set.labels), to: name(labels), gzip: gzip)
    }
}
