import CKernels
import Foundation

/// `body(0) … body(count − 1)` run concurrently, each index once (independent I/O-sized
/// tasks such as inflating four files); the results come back in index order, and the
/// first error (by index) is rethrown after all have finished. See `concurrentForEach`.
///
/// ```swift
/// let sizes = try concurrentMap(paths.count) { i in try FileBytes.read(paths[i]).count }
/// ```
public func concurrentMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let results = ResultSlots<T>(count)
    concurrentForEach(count) { i in results.set(i, Result { try body(i) }) }
    return try results.values()
}

/// Calls `body(i)` once for every `i` in `0..<count`, on up to `threads` threads (the caller
/// and threads started for the call), and returns when all calls have finished.
///
/// A thread the system refuses (a process limit, `ulimit -u`) is not waited for: the threads
/// that started, or the caller alone, take its indices (`Sources/CKernels/threads.c`).
/// Dispatch's `concurrentPerform` would instead retry creating it forever, hanging the
/// process. Returns how many threads ran besides the caller.
@discardableResult
public func concurrentForEach(_ count: Int, threads: Int? = nil, _ body: @Sendable (Int) -> Void) -> Int {
    guard count > 0 else { return 0 }
    return withoutActuallyEscaping(body) { body in
        var body = body
        return withUnsafeMutablePointer(to: &body) { context in
            Int(descent_run_threads({ context, item in
                context!.assumingMemoryBound(to: (@Sendable (Int) -> Void).self).pointee(Int(item))
            }, context, count, Int32(clamping: threads ?? count)))
        }
    }
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
