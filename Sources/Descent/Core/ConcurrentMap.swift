import Dispatch
import Foundation

/// `body(0) … body(count − 1)` run concurrently on Dispatch's threads (independent I/O-sized
/// tasks such as inflating four files); the results come back in index order, and the
/// first error (by index) is rethrown after all have finished.
///
/// ```swift
/// let sizes = try concurrentMap(paths.count) { i in try FileBytes.read(paths[i]).count }
/// ```
public func concurrentMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let results = ResultSlots<T>(count)
    DispatchQueue.concurrentPerform(iterations: count) { i in
        results.set(i, Result { try body(i) })
    }
    return try results.values()
}

/// The slots `concurrentMap` fills from several threads, one per index, under a lock.
private final class ResultSlots<T: Sendable>: @unchecked Sendable {
    private var slots: [Result<T, Error>?]
    private let lock = NSLock()

    init(_ count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ result: Result<T, Error>) {
        lock.lock()
        slots[i] = result
        lock.unlock()
    }

    func values() throws -> [T] {
        lock.lock()
        defer { lock.unlock() }
        return try slots.map { try $0!.get() }
    }
}
