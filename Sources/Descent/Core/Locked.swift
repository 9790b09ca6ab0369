import Foundation

/// A value shared by every thread of the process, read and written under a lock: how the
/// library's few process-wide settings (`Parallel.splitsProducts`, `BLAS` call recording)
/// stay safe under Swift 6's data-race checking. An uncontended read costs a few
/// nanoseconds, next to the microseconds of the products that read them.
@usableFromInline
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    @usableFromInline init(_ value: Value) { self.value = value }

    /// The current value.
    @usableFromInline var current: Value {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    /// Changes the value under the lock; returns what `body` returns.
    @usableFromInline @discardableResult
    func update<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
