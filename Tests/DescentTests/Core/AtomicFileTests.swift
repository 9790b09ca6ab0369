import XCTest
import Foundation
import Descent

final class AtomicFileTests: XCTestCase {
    func scratch(_ name: String) -> String { Support.temporaryFolder() + "/" + name }

    func testAtomicWriteReplacesAndLeavesOldFileOnFailure() throws {
        let path = scratch("atomic.txt")
        try writeAtomically("old content", to: path)
        try writeAtomically([UInt8]("new content".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "new content")
        try writeAtomically(Data("newer".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "newer")
        // No temporary files remain.
        let dir = (path as NSString).deletingLastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])

        // A failing write (the target's folder is a regular file) throws and keeps the old file.
        let blocker = scratch("blocker")
        try writeAtomically("I am a file", to: blocker)
        XCTAssertThrowsError(try writeAtomically("replacement", to: blocker + "/inner.txt"))
        XCTAssertEqual(try String(contentsOfFile: blocker, encoding: .utf8), "I am a file")
        // Renaming onto a directory fails too: the directory is untouched.
        let folder = scratch("a-folder")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try writeAtomically("inside", to: folder + "/keep.txt")
        XCTAssertThrowsError(try writeAtomically("clobber", to: folder)) { error in
            XCTAssertTrue("\(error)".contains(folder), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: folder + "/keep.txt", encoding: .utf8), "inside")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + ".tmp-\(getpid())"))
    }
}
