import XCTest
@testable import Descent

final class ResultsStoreTests: XCTestCase {
    var fixture: String { Support.fixtures.appendingPathComponent("results/results.jsonl").path }

    func testTornLastLineIsIgnored() throws {
        let c = try ResultsStore(path: fixture).read()
        XCTAssertEqual(c.records.count, 7)
        XCTAssertEqual(c.skippedLines, 1)
    }

    func testAppendCutsATornTailAndKeepsEveryRecord() throws {
        let dir = Support.temporaryFolder()
        let path = dir + "/results.jsonl"
        try FileManager.default.copyItem(atPath: fixture, toPath: path)
        let store = ResultsStore(path: path)
        var record = try store.read().records[0]
        record.seed = 42
        record.key = RunSpec(config: record.config, seed: 42).key
        try store.append(record)
        let after = try store.read()
        XCTAssertEqual(after.records.count, 8)
        XCTAssertEqual(after.skippedLines, 0, "the torn fragment must be gone, not glued to the new line")
        XCTAssertEqual(after.records.last?.key, record.key)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n"))
    }

    func testMergeDropsDuplicateKeys() throws {
        let c = try ResultsStore.merge([fixture, fixture])
        XCTAssertEqual(c.records.count, 7)
        XCTAssertThrowsError(try ResultsStore.merge(["/nonexistent/folder"])) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/folder"))
        }
    }

    func testRecordRoundTripHasNoNaN() throws {
        let r = try ResultsStore(path: fixture).read().records[0]
        let data = try JSONEncoder().encode(r)
        XCTAssertEqual(try JSONDecoder().decode(RunRecord.self, from: data), r)
        XCTAssertFalse(String(decoding: data, as: UTF8.self).lowercased().contains("nan"))
    }
}
