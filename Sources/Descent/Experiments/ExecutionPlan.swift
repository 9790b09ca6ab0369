/// How many runs go at once and how many BLAS threads each gets.
public struct ExecutionPlan: CustomStringConvertible, Sendable {
    public var jobs: Int
    public var threadsPerJob: Int

    /// One run per core with one BLAS thread when there are enough runs (measured faster
    /// than one run with all threads on 2 cores, see BENCHMARKS.md); otherwise one run on all cores.
    /// Never oversubscribes: jobs × threads ≤ cores.
    public static func choose(pendingRuns: Int, cores: Int, jobs requested: Int?) -> ExecutionPlan {
        let cores = max(1, cores)
        let jobs = max(1, min(requested ?? (pendingRuns >= 2 ? cores : 1), max(pendingRuns, 1)))
        return ExecutionPlan(jobs: jobs, threadsPerJob: max(1, cores / jobs))
    }

    public var description: String { "\(jobs) concurrent run(s) × \(threadsPerJob) thread(s)" }
}
