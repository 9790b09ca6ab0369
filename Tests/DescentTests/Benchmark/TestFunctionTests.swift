import Foundation
import XCTest
@testable import Descent

final class TestFunctionTests: XCTestCase {
    /// Each gradient against central differences of its function, at points across the
    /// drawn region; each minimum has the stated value and a zero gradient.
    func testGradientsAndMinima() {
        var g = RandomGenerator(seed: 4)
        for function in TestFunction.all {
            for _ in 0..<50 {
                let u = Double(g.uniform(Float(function.domain.u.lowerBound), Float(function.domain.u.upperBound)))
                let v = Double(g.uniform(Float(function.domain.v.lowerBound), Float(function.domain.v.upperBound)))
                let (gu, gv) = function.gradient(u, v)
                let h = 1e-5
                let nu = (function.value(u + h, v) - function.value(u - h, v)) / (2 * h)
                let nv = (function.value(u, v + h) - function.value(u, v - h)) / (2 * h)
                XCTAssertEqual(gu, nu, accuracy: 1e-5 * max(1, abs(nu)), "\(function.name) ∂u at (\(u), \(v))")
                XCTAssertEqual(gv, nv, accuracy: 1e-5 * max(1, abs(nv)), "\(function.name) ∂v at (\(u), \(v))")
            }
            for m in function.minima {
                XCTAssertEqual(function.value(m.u, m.v), function.minimum.value, accuracy: 1e-9, "\(function.name) at \(m)")
                let (gu, gv) = function.gradient(m.u, m.v)
                XCTAssertEqual(hypot(gu, gv), 0, accuracy: 1e-6, "\(function.name) at \(m)")
            }
            XCTAssertTrue(function.domain.u.contains(function.start.u) && function.domain.v.contains(function.start.v), function.name)
        }
        XCTAssertEqual(TestFunction.branin.minimum.value, 0.397887, accuracy: 1e-6)
        XCTAssertEqual(TestFunction.branin.minima.count, 3)
    }

    /// Exact gradients: plain SGD on the quadratic follows its closed form,
    /// u_k = u₀(1 − η)^k and v_k = v₀(1 − 25η)^k.
    func testSGDOnTheQuadraticFollowsItsClosedForm() throws {
        let f = TestFunction.quadratic, eta: Float = 0.02
        let path = try OptimizerPath(f, optimizer: try SGD(learningRate: eta), steps: 40, batchSize: nil, seed: 0)
        XCTAssertEqual(path.points.count, 41)
        for (k, p) in path.points.enumerated() {
            XCTAssertEqual(p.u, f.start.u * pow(1 - Double(eta), Double(k)), accuracy: 1e-5 * abs(f.start.u))
            XCTAssertEqual(p.v, f.start.v * pow(1 - 25 * Double(eta), Double(k)), accuracy: 1e-5 * abs(f.start.v))
        }
        XCTAssertFalse(path.diverged)
    }

    /// Schedule-Free's path is its x (the point it evaluates), while its gradients are taken
    /// at y: the same steps by hand, with x read by `endTraining` after each.
    func testScheduleFreePathShowsTheEvaluationPoint() throws {
        let f = TestFunction.rosenbrock, steps = 12
        let path = try OptimizerPath(f, optimizer: try ScheduleFreeAdamW(learningRate: 0.1), steps: steps, batchSize: nil, seed: 0)
        let rule = try ScheduleFreeAdamW(learningRate: 0.1)
        let p = Parameter(name: "uv", value: Tensor(shape: [1, 2], values: [Float(f.start.u), Float(f.start.v)]))
        rule.beginTraining([p])
        for k in 1...steps {
            let (gu, gv) = f.gradient(Double(p.value.data[0]), Double(p.value.data[1]))
            p.zeroGrad()
            let (grad, _) = p.gradientForAccumulation()
            (grad.data[0], grad.data[1]) = (Float(gu), Float(gv))
            rule.step([p])
            let y = p.value.toArray()
            rule.endTraining([p])
            XCTAssertEqual(path.points[k].u, Double(p.value.data[0]), "step \(k)")
            XCTAssertEqual(path.points[k].v, Double(p.value.data[1]), "step \(k)")
            if k > 1 { XCTAssertNotEqual(p.value.toArray(), y, "x and y coincide at step \(k)") }
            rule.beginTraining([p])
            p.value.copy(from: Tensor(shape: [1, 2], values: y))
        }
    }

    /// Minibatch noise: fixed by the seed, and of the stated size (the gradient's noise has
    /// variance 1/B per coordinate).
    func testNoiseIsSeededAndHasTheStatedVariance() throws {
        let f = TestFunction.quadratic
        func path(_ seed: UInt64) throws -> [Double] {
            try OptimizerPath(f, optimizer: try Adam(), steps: 30, batchSize: 16, seed: seed).points.flatMap { [$0.u, $0.v] }
        }
        XCTAssertEqual(try path(3), try path(3))
        XCTAssertNotEqual(try path(3), try path(4))
        // On ½(u² + v²) with lr 1, SGD is u_{k+1} = u_k − (u_k + ξ_k) = −ξ_k: the points are the noise.
        let flat = TestFunction(name: "bowl", displayName: "bowl", start: (0, 0), minimum: (0, 0, 0), domain: (-1...1, -1...1),
                                value: { u, v in (u * u + v * v) / 2 }, gradient: { u, v in (u, v) })
        let noise = try OptimizerPath(flat, optimizer: try SGD(learningRate: 1), steps: 20_000, batchSize: 16, seed: 5).points.dropFirst()
        let values = noise.flatMap { [$0.u, $0.v] }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        XCTAssertEqual(mean, 0, accuracy: 4 * (1.0 / 16 / Double(values.count)).squareRoot())
        XCTAssertEqual(variance, 1.0 / 16, accuracy: 0.003)
    }

    /// The tuned path is the best of the grid, and a rate too large for Rosenbrock diverges
    /// without stopping the search.
    func testTuningPicksTheRateThatEndsNearest() throws {
        let f = TestFunction.rosenbrock
        let (rate, best) = try OptimizerPath.tuned(f, config: OptimizerConfig(kind: .sgd), steps: 200, batchSize: nil, seed: 0)
        XCTAssertTrue(OptimizerPath.learningRates.contains(rate))
        for other in OptimizerPath.learningRates {
            let p = try OptimizerPath(f, optimizer: try SGD(learningRate: other), steps: 200, batchSize: nil, seed: 0)
            XCTAssertGreaterThanOrEqual(p.gap(f), best.gap(f), "lr \(other)")
        }
        let wild = try OptimizerPath(f, optimizer: try SGD(learningRate: 1), steps: 200, batchSize: nil, seed: 0)
        XCTAssertTrue(wild.diverged)
        XCTAssertEqual(wild.gap(f), .infinity)
        XCTAssertLessThan(best.gap(f), f.value(f.start.u, f.start.v) / 10, "SGD at its best rate gets well down the valley")
    }

    /// `descent paths` draws one picture per problem and lists each rule's rate and result.
    func testPathsCommand() throws {
        let out = Support.temporaryFolder("paths")
        let r = try Support.descent(["paths", "--problems", "quadratic,branin", "--optimizers", "sgd,momentum,adam", "--steps", "60", "--out", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        for name in ["quadratic", "branin"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(out)/\(name).svg"), name)
            let png = try Data(contentsOf: URL(fileURLWithPath: "\(out)/\(name).png"))
            XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4e, 0x47], name)
        }
        let csv = try String(contentsOfFile: out + "/paths.csv", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.first, "problem,optimizer,learning_rate,final_gap,diverged")
        XCTAssertEqual(csv.count, 1 + 2 * 3)
        for row in csv.dropFirst() {
            let cells = row.split(separator: ",", omittingEmptySubsequences: false)
            XCTAssertEqual(cells.count, 5, String(row))
            XCTAssertTrue(OptimizerPath.learningRates.contains(Float(cells[2])!), String(row))
            XCTAssertLessThan(Double(cells[3])!, 1, "every rule gets near the minimum of these two in 60 steps: \(row)")
        }
        let bad = try Support.descent(["paths", "--lr", "0.1", "--out", out])
        XCTAssertEqual(bad.status, 2, bad.stderr)
    }
}
