import Foundation
import XCTest
@testable import Descent

/// `Parallel.forEach(items:)`: every item exactly once, and a thread that stalls has its
/// share finished by the others (as when the machine preempts it).
final class ParallelForEachTests: XCTestCase {
    override func tearDown() { Parallel.setThreads(1) }

    func testEveryItemRunsExactlyOnceOnAnyThreadCount() {
        for threads in [1, 2, 3] {
            Parallel.setThreads(threads)
            for items in [0, 1, 2, 5, 1000] {
                let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(items, 1))
                hits.initialize(repeating: 0)
                defer { hits.deallocate() }
                let lock = NSLock()
                Parallel.forEach(items: items) { i in
                    lock.lock(); hits[i] += 1; lock.unlock()
                    var inner = 0
                    Parallel.forEach(items: 3) { _ in inner += 1 }  // nested: inline on this thread
                    XCTAssertEqual(inner, 3)
                }
                XCTAssertEqual(Array(hits.prefix(items)), [Int](repeating: 1, count: items), "\(items) items, \(threads) threads")
            }
        }
    }

    /// The caller stalls in the first item it runs (the front of its own share, items
    /// 0..<100, unless the workers have emptied that share before the caller got a core);
    /// the workers finish the rest of that share, taken from its far end, while it waits.
    func testAStalledThreadsShareIsFinishedByTheOthers() {
        Parallel.setThreads(3)
        let items = 300
        let doneBy = UnsafeMutableBufferPointer<Int>.allocate(capacity: items)
        doneBy.initialize(repeating: -1)
        defer { doneBy.deallocate() }
        let lock = NSLock()
        let caller = Thread.current
        var stalled = false
        Parallel.forEach(items: items) { i in
            let onCaller = Thread.current == caller
            lock.lock(); let stall = onCaller && !stalled; if stall { stalled = true }; lock.unlock()
            if stall {
                // Wait (at most 10 s) until a worker has done an item of the caller's share.
                let deadline = Date().addingTimeInterval(10)
                while Date() < deadline {
                    lock.lock(); let helped = (0..<100).contains { doneBy[$0] == 0 }; lock.unlock()
                    if helped { break }
                    usleep(1000)
                }
            }
            lock.lock(); doneBy[i] = onCaller ? 1 : 0; lock.unlock()
        }
        XCTAssertFalse(doneBy.contains(-1))
        XCTAssertTrue((0..<100).contains { doneBy[$0] == 0 }, "no worker helped with the caller's share")
    }
}
