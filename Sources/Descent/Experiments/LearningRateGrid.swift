import Foundation

/// A log-spaced list of learning rates from `low` to `high` (both included):
/// `rate_k = 10^(log₁₀ low + k·(log₁₀ high − log₁₀ low)/(count − 1))`, k = 0…count−1,
/// each rounded to 3 significant digits (so a grid through decades hits 0.001, 0.01, … exactly).
///
/// ```swift
/// try LearningRateGrid.parse("1e-4:1:9").rates   // [0.0001, 0.000316, 0.001, 0.00316, 0.01, 0.0316, 0.1, 0.316, 1]
/// ```
public struct LearningRateGrid: Codable, Equatable, Sendable, CustomStringConvertible {
    public var low: Double
    public var high: Double
    public var count: Int

    /// Throws unless 0 < low ≤ high (both finite) and 1 ≤ count ≤ 1000, count = 1 exactly
    /// when low = high, and the rounded rates are distinct.
    public init(low: Double, high: Double, count: Int) throws {
        guard low.isFinite, high.isFinite, low > 0, high >= low else {
            throw DescentError("a learning-rate grid needs 0 < LOW ≤ HIGH, got \(low) and \(high)")
        }
        guard (1...1000).contains(count), (count == 1) == (high == low) else {
            throw DescentError("a learning-rate grid needs 1 to 1000 points, 1 exactly when LOW = HIGH, got \(count) from \(low) to \(high)")
        }
        (self.low, self.high, self.count) = (low, high, count)
        guard Set(rates).count == count else {
            throw DescentError("a learning-rate grid of \(count) points from \(low) to \(high) repeats rates (rounded to 3 significant digits): use fewer points or a wider range")
        }
    }

    /// Parses `LOW:HIGH:COUNT`, e.g. `1e-5:100:36`.
    public static func parse(_ text: String) throws -> LearningRateGrid {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { String($0) }
        guard parts.count == 3, let low = Double(parts[0]), let high = Double(parts[1]), let count = Int(parts[2]) else {
            throw DescentError("'\(text)' is not of the form LOW:HIGH:COUNT, e.g. 1e-4:1:9")
        }
        return try LearningRateGrid(low: low, high: high, count: count)
    }

    /// The rates, ascending.
    public var rates: [Float] {
        guard count > 1 else { return [Float(LearningRateGrid.round3(low))] }
        let a = log10(low), b = log10(high)
        return (0..<count).map { k in
            Float(LearningRateGrid.round3(pow(10, a + (b - a) * Double(k) / Double(count - 1))))
        }
    }

    static func round3(_ x: Double) -> Double { Double(String(format: "%.3g", x))! }

    public var description: String { "\(low):\(high):\(count)" }
}
