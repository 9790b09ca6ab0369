/// Performance profiles (Dolan & Moré 2002), as AlgoPerf aggregates training methods over
/// workloads (Dahl et al. 2023): with t(m, w) method m's time (or steps) to reach workload w's
/// target (∞ when it never does), the ratio r(m, w) = t(m, w) / min over methods of t(·, w),
/// and the profile ρ_m(τ) = the fraction of workloads with r(m, w) ≤ τ. A method's benchmark
/// score is the area under ρ_m for τ from 1 to τ_max = 4, divided by τ_max − 1 (1: fastest on
/// every workload; 0: never within 4× of the fastest). A workload no method reaches counts
/// against every method.
public struct PerformanceProfile: Sendable {
    /// The methods, in the order given.
    public let methods: [String]
    /// r(m, w): each method's ratios over the workloads (∞ where it missed the target).
    public let ratios: [[Double]]
    public let maxRatio: Double

    /// `times[m][w]`: method m's time on workload w, nil or ∞ where it missed the target.
    public init(methods: [String], times: [[Double?]], maxRatio: Double = 4) throws {
        guard times.count == methods.count, let n = times.first?.count, times.allSatisfy({ $0.count == n }) else {
            throw DescentError("profile: one row of times per method, each with one time per workload")
        }
        guard maxRatio > 1 else { throw DescentError("profile: τ_max must be > 1, got \(maxRatio)") }
        if let bad = times.joined().compactMap({ $0 }).first(where: { !($0 > 0) }) {
            throw DescentError("profile: times must be > 0, got \(bad)")
        }
        self.methods = methods
        self.maxRatio = maxRatio
        let best = (0..<n).map { w in times.compactMap { $0[w] }.filter(\.isFinite).min() }
        ratios = times.map { row in
            (0..<n).map { w in
                guard let t = row[w], t.isFinite, let b = best[w] else { return .infinity }
                return t / b
            }
        }
    }

    /// ρ_m(τ) for method `m`.
    public func fraction(_ m: Int, within tau: Double) -> Double {
        let r = ratios[m]
        return r.isEmpty ? 0 : Double(r.filter { $0 <= tau }.count) / Double(r.count)
    }

    /// The normalised area under ρ_m from 1 to τ_max (exact: ρ is a step function).
    public func score(_ m: Int) -> Double {
        let r = ratios[m]
        guard !r.isEmpty else { return 0 }
        let area = r.reduce(0.0) { $0 + ($1 <= maxRatio ? maxRatio - $1 : 0) } / Double(r.count)
        return area / (maxRatio - 1)
    }
}
