/// The scrambled Halton sequence (Halton 1960), scrambled by random digit permutations
/// (Matoušek 1998; Owen 2017, "A randomized Halton algorithm in R"): point k in [0, 1)^d has
/// as coordinate j the radical inverse of k + 1 in the j-th prime base b, Σᵢ πⱼᵢ(aᵢ) b⁻ⁱ over
/// the first D digits aᵢ of k + 1 (bᴰ ≥ 2⁴⁰), where every digit position i of every
/// coordinate j has its own permutation πⱼᵢ of all b digits, 0 included, drawn from a
/// `RandomGenerator` seeded by `seed`.
///
/// Each permutation maps the b-adic intervals of a coordinate one to one, so any n points
/// stay as stratified as the textbook sequence's; and because every digit of every
/// coordinate moves with the seed, two seeds give two independent draws in every
/// coordinate. (Permuting only the digits 1…b−1 with one permutation per base would leave
/// base 2, the first coordinate, unscrambled: the same values for every seed.) Point k
/// depends only on (k, d, seed): trial k of a study is the same point on every machine, in
/// every process and shard.
public struct Halton: Sendable {
    public let dimensions: Int
    public let seed: UInt64
    /// permutations[j][i]: the permutation of digit position i + 1 of coordinate j.
    private let permutations: [[[Int]]]

    /// The first primes, one per dimension (at most 16).
    public static let primes = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53]

    /// The digits scrambled in base b: the fewest D with bᴰ ≥ 2⁴⁰ (a resolution of 10⁻¹²).
    static func digitCount(base: Int) -> Int {
        var d = 0, reach = 1.0
        while reach < 0x1p40 { reach *= Double(base); d += 1 }
        return d
    }

    public init(dimensions: Int, seed: UInt64) throws {
        guard (1...Halton.primes.count).contains(dimensions) else {
            throw DescentError("Halton: dimensions must be in 1...\(Halton.primes.count), got \(dimensions)")
        }
        self.dimensions = dimensions
        self.seed = seed
        var g = RandomGenerator(seed: seed, stream: 0x4841_4c54)   // "HALT"
        permutations = Halton.primes.prefix(dimensions).map { base in
            (0..<Halton.digitCount(base: base)).map { _ in
                var digits = Array(0..<base)
                for i in stride(from: base - 1, to: 0, by: -1) { digits.swapAt(i, g.below(i + 1)) }
                return digits
            }
        }
    }

    /// Point `index` (0-based, below 2⁴⁰ − 1).
    public func point(_ index: Int) -> [Double] {
        precondition((0..<(1 << 40) - 1).contains(index), "Halton: index must be in 0..<2⁴⁰ − 1")
        return (0..<dimensions).map { j in
            let base = Halton.primes[j]
            var k = index + 1, scale = 1.0 / Double(base), x = 0.0
            for permutation in permutations[j] {
                x += Double(permutation[k % base]) * scale
                k /= base
                scale /= Double(base)
            }
            return x
        }
    }
}
