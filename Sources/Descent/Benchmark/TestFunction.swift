import Foundation

/// A two-dimensional test problem without data, as DeepOBS's `two_d_*` problems (Schneider
/// et al., ICLR 2019): a classical function of (u, v) whose minibatch loss adds
/// `u·x + v·y` with x, y ~ N(0, 1) per example, so a minibatch of B examples gives the
/// gradient ∇f + (x̄, ȳ), with x̄, ȳ ~ N(0, 1/B): a stochastic gradient with exactly known
/// noise. Small enough to draw every step of an optimizer over the function's contours.
///
/// | name | f(u, v) | start | minimum |
/// |---|---|---|---|
/// | `rosenbrock` | (1 − u)² + 100 (v − u²)² | (−0.5, 1.5) | 0 at (1, 1) |
/// | `beale` | (1.5 − u + uv)² + (2.25 − u + uv²)² + (2.625 − u + uv³)² | (−4.5, 4.5) | 0 at (3, 0.5) |
/// | `branin` | (v − b u² + c u − 6)² + 10 (1 − t) cos u + 10; b = 5.1/(4π²), c = 5/π, t = 1/(8π) | (2.5, 12.5) | 0.397887 at (π, 2.275) and two others |
/// | `quadratic` | ½ (u² + 25 v²), condition number 25 | (−4, 1.5) | 0 at (0, 0) |
///
/// Starting points are DeepOBS's (the quadratic, which DeepOBS has in 100 dimensions, is
/// ours: an ill-conditioned bowl where momentum's overshoot shows).
public struct TestFunction: Sendable {
    /// Lower-case name, e.g. `rosenbrock`.
    public let name: String
    /// The name in pictures, e.g. `Rosenbrock`.
    public let displayName: String
    /// Where every optimizer starts.
    public let start: (u: Double, v: Double)
    /// The global minimum's value (and one point where it is reached).
    public let minimum: (u: Double, v: Double, value: Double)
    /// Every point where the global minimum is reached (Branin has three).
    public let minima: [(u: Double, v: Double)]
    /// The region drawn: contains the start and the minimum.
    public let domain: (u: ClosedRange<Double>, v: ClosedRange<Double>)
    /// f(u, v).
    public let value: @Sendable (Double, Double) -> Double
    /// ∇f(u, v).
    public let gradient: @Sendable (Double, Double) -> (Double, Double)

    public init(name: String, displayName: String, start: (u: Double, v: Double), minimum: (u: Double, v: Double, value: Double),
                otherMinima: [(u: Double, v: Double)] = [], domain: (u: ClosedRange<Double>, v: ClosedRange<Double>),
                value: @escaping @Sendable (Double, Double) -> Double, gradient: @escaping @Sendable (Double, Double) -> (Double, Double)) {
        self.name = name
        self.displayName = displayName
        self.start = start
        self.minimum = minimum
        self.minima = [(minimum.u, minimum.v)] + otherMinima
        self.domain = domain
        self.value = value
        self.gradient = gradient
    }

    public static let rosenbrock = TestFunction(
        name: "rosenbrock", displayName: "Rosenbrock", start: (-0.5, 1.5), minimum: (1, 1, 0),
        domain: (-2.0...2.0, -1.0...3.0),
        value: { u, v in (1 - u) * (1 - u) + 100 * (v - u * u) * (v - u * u) },
        gradient: { u, v in (-2 * (1 - u) - 400 * u * (v - u * u), 200 * (v - u * u)) })

    public static let beale = TestFunction(
        name: "beale", displayName: "Beale", start: (-4.5, 4.5), minimum: (3, 0.5, 0),
        domain: (-5.0...5.0, -5.0...5.0),
        value: { u, v in
            let a = 1.5 - u + u * v, b = 2.25 - u + u * v * v, c = 2.625 - u + u * v * v * v
            return a * a + b * b + c * c
        },
        gradient: { u, v in
            let a = 1.5 - u + u * v, b = 2.25 - u + u * v * v, c = 2.625 - u + u * v * v * v
            return (2 * a * (v - 1) + 2 * b * (v * v - 1) + 2 * c * (v * v * v - 1),
                    2 * a * u + 2 * b * 2 * u * v + 2 * c * 3 * u * v * v)
        })

    static let braninB = 5.1 / (4 * Double.pi * Double.pi), braninC = 5 / Double.pi, braninT = 1 / (8 * Double.pi)
    public static let branin = TestFunction(
        name: "branin", displayName: "Branin", start: (2.5, 12.5), minimum: (Double.pi, 2.275, 10 * braninT),
        otherMinima: [(-Double.pi, 12.275), (3 * Double.pi, 2.475)],
        domain: (-5.0...10.0, 0.0...15.0),
        value: { u, v in
            let w = v - braninB * u * u + braninC * u - 6
            return w * w + 10 * (1 - braninT) * cos(u) + 10
        },
        gradient: { u, v in
            let w = v - braninB * u * u + braninC * u - 6
            return (2 * w * (-2 * braninB * u + braninC) - 10 * (1 - braninT) * sin(u), 2 * w)
        })

    public static let quadratic = TestFunction(
        name: "quadratic", displayName: "Noisy quadratic", start: (-4, 1.5), minimum: (0, 0, 0),
        domain: (-5.0...5.0, -2.5...2.5),
        value: { u, v in 0.5 * (u * u + 25 * v * v) },
        gradient: { u, v in (u, 25 * v) })

    /// The four problems, in the order of the pictures.
    public static let all: [TestFunction] = [.rosenbrock, .beale, .branin, .quadratic]

    /// The problem called `name`, if any.
    public static func named(_ name: String) -> TestFunction? { all.first { $0.name == name } }
}
