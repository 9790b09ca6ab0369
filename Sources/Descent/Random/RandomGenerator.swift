/// The only source of randomness in Descent: an explicit, seedable generator.
///
/// xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
/// 2018), seeded through SplitMix64 so that any 64-bit seed gives a well-mixed state.
/// Same seed ⇒ same stream on every platform. Nothing in training touches the system RNG.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        var sm = seed
        func splitmix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitmix(&sm); s1 = splitmix(&sm); s2 = splitmix(&sm); s3 = splitmix(&sm)
    }

    /// An independent generator derived from this seed and a stream label, e.g. one per
    /// purpose (initialisation, shuffling, dropout) so that changing one does not shift another.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03) &+ stream)
    }

    @inlinable static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = RandomGenerator.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = RandomGenerator.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inlinable public mutating func uniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [low, high).
    @inlinable public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * uniform()
    }

    /// Uniform in [0, 1) as Double with 53 random bits.
    @inlinable public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Standard normal draw (Box–Muller, one value per call; deterministic).
    public mutating func normal(mean: Float = 0, standardDeviation: Float = 1) -> Float {
        var u1 = uniformDouble()
        while u1 <= 0 { u1 = uniformDouble() }
        let u2 = uniformDouble()
        let z = (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
        return mean + standardDeviation * Float(z)
    }

    /// `true` with probability `p`.
    @inlinable public mutating func bernoulli(_ p: Float) -> Bool { uniform() < p }

    /// Uniform integer in 0..<n (Lemire's nearly-divisionless method, unbiased); n ≤ 0
    /// is a programming error and traps, as `Int.random(in: 0..<0)` does.
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let t = (0 &- bound) % bound
            while m.low < t { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Shuffles `array` in place (Fisher–Yates).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, below(i + 1))
        }
    }

    /// A random permutation of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        shuffle(&p)
        return p
    }

    /// Fills `x` with uniform draws in [low, high).
    public mutating func fillUniform(_ x: Tensor, low: Float, high: Float) {
        let p = x.data
        for i in 0..<x.count { p[i] = uniform(low, high) }
    }

    /// Fills `x` with normal draws.
    public mutating func fillNormal(_ x: Tensor, mean: Float = 0, standardDeviation: Float = 1) {
        let p = x.data
        for i in 0..<x.count { p[i] = normal(mean: mean, standardDeviation: standardDeviation) }
    }
}

#if canImport(Glibc)
import Glibc
@usableFromInline func _log(_ x: Double) -> Double { Glibc.log(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@usableFromInline func _log(_ x: Double) -> Double { Darwin.log(x) }
@usableFromInline func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
