// Provisional (replaced by the report branch).
import Foundation
public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
    let tmp = path + ".tmp-\(getpid())"
    guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else { throw DescentError("\(path): cannot write") }
    guard rename(tmp, path) == 0 else { throw DescentError("\(path): cannot rename") }
}
public func writeAtomically(_ text: String, to path: String) throws { try writeAtomically(Array(text.utf8), to: path) }
