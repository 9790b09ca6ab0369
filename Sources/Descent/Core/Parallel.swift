import CKernels

/// The compute threads of a process: a fork-join pool that runs the matrix products (each
/// split into blocks of rows or columns, one single-threaded oneDNN call per block),
/// the optimizer steps and the large element-wise passes.
///
/// `setThreads(n)` gives the pool `n − 1` workers (the calling thread does one share).
/// The workers wait for work by polling (pause, then sched_yield; asleep after ~50 ms
/// idle) and claim the parts of a job one at a time, as the caller does once its own part
/// is done (see `Sources/CKernels/parallel.c`). Until `setThreads` is called everything runs
/// on the caller. The element-wise work gives the same bits on any `n`; a product split
/// differently may round differently, so a run is fixed by its seed and `n`.
public enum Parallel {
    /// Sets the compute threads of the process to `n` (≥ 1): the pool gets `n − 1` workers,
    /// products are split over the pool by `BLAS.gemm`, one single-threaded oneDNN call per
    /// part (so exactly `n` threads compute, and none of them competes with an idle OpenMP
    /// worker for a core between products); OpenBLAS (LAPACK for PCA) gets 1 thread.
    public static func setThreads(_ n: Int) {
        let n = Swift.max(1, n)
        BLAS.setThreads(1)
        descent_parallel_set_workers(Int32(n - 1))
        splitting.update { $0 = true }
    }

    /// Whether `BLAS.gemm` splits products over the pool (set by `setThreads`; after
    /// `BLAS.setThreads`, oneDNN's own threading is used instead).
    public static var splitsProducts: Bool { splitting.current }
    @usableFromInline static let splitting = Locked(false)

    /// The most threads the pool runs (63 workers and the caller); `setThreads` uses at
    /// most this many.
    public static let maxThreads = 64

    /// How many of `count` more threads the system lets run now, all at once (each is started,
    /// waits for the others, then ends): less than `count` when a limit on processes or
    /// threads (`RLIMIT_NPROC`, `ulimit -u`) is near. A libraries' thread that cannot start
    /// hangs or aborts the process (Foundation's `Process`, GLib), so commands ask first.
    public static func room(forThreads count: Int) -> Int {
        Int(descent_thread_room(Int32(clamping: count)))
    }

    /// Threads available to `run`: the pool's workers plus the caller.
    public static var threads: Int { Int(descent_parallel_workers()) + 1 }

    /// Below this many elements a pass stays on the calling thread (waking a worker and
    /// joining it cost a few microseconds).
    public static let minimumElements = 32_768

    /// Splits `0..<count` (rows, columns or elements of a pass whose items are independent)
    /// into contiguous ranges, one per thread, each starting at a multiple of `alignment`,
    /// and calls `body` on each concurrently, when the work — `count` rounded up to a
    /// multiple of `alignment`, times `elementsPerItem` — reaches `minimumElements`
    /// (otherwise one call with the whole range).
    public static func forRanges(_ count: Int, alignedTo alignment: Int = 1, elementsPerItem: Int = 1,
                                 _ body: (Range<Int>) -> Void) {
        let chunks = (count + alignment - 1) / alignment
        let parts = chunks * alignment * elementsPerItem >= minimumElements ? Swift.min(threads, chunks) : 1
        guard parts > 1 else { body(0..<count); return }
        run(parts: parts) { part, parts in
            body(Swift.min(alignment * (chunks * part / parts), count) ..< Swift.min(alignment * (chunks * (part + 1) / parts), count))
        }
    }

    /// Calls `body(item)` for every `item` in `0..<items`, concurrently, and returns when
    /// all have finished. Each thread takes the items of its own contiguous share first (the
    /// same share on every call, so its memory is still in that thread's cache), then helps
    /// with the others' from their far ends: a thread the machine has preempted is not
    /// waited for. For items that are independent and of about equal cost.
    public static func forEach(items: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var body = body
            withUnsafeMutablePointer(to: &body) { context in
                descent_parallel_for({ context, item in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(item)
                }, context, items)
            }
        }
    }

    /// Calls `body(part, parts)` for every `part` in `0..<parts`, concurrently, and
    /// returns when all have finished; part 0 runs on the calling thread, every other part
    /// on the first thread to claim it (a worker, or the caller once part 0 is done, so a
    /// worker the scheduler has not run yet is not waited for). `parts` is capped at
    /// `threads`; the `parts` passed to `body` is the number actually used. If another
    /// thread is already running a job, the caller runs every part itself.
    public static func run(parts: Int, _ body: (Int, Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var body = body
            withUnsafeMutablePointer(to: &body) { context in
                descent_parallel_run({ context, part, parts in
                    context!.assumingMemoryBound(to: ((Int, Int) -> Void).self).pointee(part, parts)
                }, context, parts)
            }
        }
    }
}
