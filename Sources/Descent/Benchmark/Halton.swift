/// The scrambled Halton sequence (Halton 1960; digit scrambling as Owen 1997 / Kocis &
/// Whiten 1997): point k in [0, 1)^d, coordinate j the radical inverse of k in the j-th prime
/// base with each digit permuted by a random permutation of that base's digits (0 stays 0,
/// so the sequence keeps its low discrepancy), the permutations drawn once from a
/// `RandomGenerator` with the given seed. Point k depends only on (k, d, seed): trial k of a
/// study is the same point on every machine, in every process and shard.
public struct Halton: Sendable {
    public let dimensions: Int
    public let seed: UInt64
    private let permutations: [[Int]]

    /// The first primes, one per dimension (at most 16).
    public static let primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53]

    public init(dimensions: Int, seed: UInt64) throws {
        guard (1...Halton.primes.count).contains(dimensions) else {
            throw DescentError("Halton: dimensions must be in 1...\(Halton.primes.count), got \(dimensions)")
        }
        self.dimensions = dimensions
        self.seed = seed
        var g = RandomGenerator(seed: seed, stream: 0x4841_4c54)   // "HALT"
        permutations = Halton.primes.prefix(dimensions).map { base in
            var rest = Array(1..<base)
            for i in stride(from: rest.count - 1, to: 0, by: -1) { rest.swapAt(i, g.below(i + 1)) }
            return [0] + rest
        }
    }

    /// Point `index` (0-based).
    public func point(_ index: Int) -> [Double] {
        precondition(index >= 0, "Halton: index must be ≥ 0")
        return (0..<dimensions).map { j in
            let base = Halton.primes[j]
            var k = index + 1, scale = 1.0 / Double(base), x = 0.0
            while k > 0 {
                x += Double(permutations[j][k % base]) * scale
                k /= base
                scale /= Double(base)
            }
            return x
        }
    }
}
