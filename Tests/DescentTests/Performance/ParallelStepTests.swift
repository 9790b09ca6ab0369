import XCTest
@testable import Descent

/// The fork-join pool, the optimizer step split over it, the fused finiteness check and
/// lazily zeroed gradients: each must leave results exactly as the plain serial code does.
final class ParallelStepTests: XCTestCase {
    override func tearDown() { Parallel.setThreads(1) }

    func testEveryPartRunsExactlyOnceAndNestedJobsRunInline() {
        Parallel.setThreads(3)
        XCTAssertEqual(Parallel.threads, 3)
        for requested in [1, 2, 3, 7] {
            var hits = [Int](repeating: 0, count: 8)
            var seenParts = Set<Int>()
            let lock = NSLock()
            Parallel.run(parts: requested) { part, parts in
                lock.lock(); hits[part] += 1; seenParts.insert(parts); lock.unlock()
                // A job started from inside a job cannot use the pool: it runs inline.
                var inner = 0
                Parallel.run(parts: 2) { _, _ in inner += 1 }
                XCTAssertEqual(inner, 2)
            }
            let used = min(requested, 3)
            XCTAssertEqual(seenParts, [used])
            XCTAssertEqual(Array(hits[0..<used]), [Int](repeating: 1, count: used), "requested \(requested)")
            XCTAssertEqual(hits[used...].reduce(0, +), 0)
        }
        Parallel.setThreads(1)
        var count = 0
        Parallel.run(parts: 4) { part, parts in XCTAssertEqual(parts, 1); count += 1 }
        XCTAssertEqual(count, 1)
    }

    /// Row-split passes (bias + activation, dropout and masking draws, byte conversion,
    /// products) give the same bits on any thread count.
    func testSplitElementwisePassesMatchOneThread() {
        let n = 100_003  // above Parallel.minimumElements, not a multiple of 64
        let x = GradientCheck.random([n], seed: 21)
        let bias = GradientCheck.random([1001], seed: 22)
        var outputs: [[[Float]]] = []
        for threads in [1, 3] {
            Parallel.setThreads(threads)
            var g = RandomGenerator(seed: 23)
            let y = Tensor(shape: [n]), mask = Tensor(shape: [n]), noisy = Tensor(shape: [n]), prod = Tensor(shape: [n])
            Kernels.dropout(x.data, into: y.data, mask: mask.data, count: n, probability: 0.5, generator: &g)
            Kernels.maskingNoise(x.data, into: noisy.data, count: n, probability: 0.3, generator: &g)
            Kernels.multiply(y.data, mask.data, into: prod.data, count: n)
            let act = Tensor(shape: [99, 1001])
            act.data.update(from: x.data, count: act.count)
            Activation.sigmoid.applyWithBias(act.data, bias: bias.data, rows: 99, columns: 1001)
            let gz = Tensor(shape: [99, 1001]), gb = Tensor(shape: [1001], value: 0.5)
            Activation.sigmoid.backwardWithBiasGradient(output: act.data, gradient: x.data, into: gz.data,
                                                        biasGradient: gb.data, overwrite: false, rows: 99, columns: 1001)
            let mse = MeanSquaredError()(y, target: noisy, computeGradient: true)
            outputs.append([y.toArray(), mask.toArray(), noisy.toArray(), prod.toArray(), act.toArray(),
                            gz.toArray(), gb.toArray(), mse.gradient!.toArray(), [Float(mse.loss)]])
            // Sums in row order, starting from the old value (0.5 + Σ).
            if threads == 1 {
                var sum = 0.5 as Float
                for r in 0..<99 { sum += gz[r * 1001 + 7] }
                XCTAssertEqual(gb[7], sum)
            }
        }
        for (k, name) in ["dropout", "mask", "masking noise", "multiply", "bias+sigmoid", "sigmoid backward",
                          "bias gradient", "MSE gradient", "MSE loss"].enumerated() {
            XCTAssertTrue(outputs[0][k] == outputs[1][k], "\(name) differs between 1 and 3 threads")
        }
        // The split dropout still drops about half.
        let dropped = outputs[1][1].filter { $0 == 0 }.count
        XCTAssertEqual(Double(dropped) / Double(n), 0.5, accuracy: 0.01)
    }

    /// Products split over the pool (by rows of C, or by columns when C is wider) agree with
    /// the single-call product to 1e-4 (OpenBLAS may block a smaller product differently, so
    /// not bit for bit), for every transpose combination, with β = 0 and β = 1.
    func testSplitProductsAgreeWithOneCallTo1e4() {
        let shapes = [(m: 128, n: 784, k: 784), (m: 784, n: 100, k: 100), (m: 100, n: 784, k: 100),
                      (m: 33, n: 1000, k: 70), (m: 1000, n: 17, k: 300)]
        for s in shapes {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                let a = GradientCheck.random(ta ? [s.k, s.m] : [s.m, s.k], seed: 31)
                let b = GradientCheck.random(tb ? [s.n, s.k] : [s.k, s.n], seed: 32)
                let start = GradientCheck.random([s.m, s.n], seed: 33)
                var results: [[Float]] = []
                for threads in [1, 3] {
                    Parallel.setThreads(threads)
                    let c = start.clone()
                    BLAS.gemm(a, transposeA: ta, b, transposeB: tb, into: c, alpha: 0.5, beta: 1)
                    let d = Tensor(shape: [s.m, s.n], value: .nan)
                    BLAS.gemm(a, transposeA: ta, b, transposeB: tb, into: d)
                    results.append(c.toArray() + d.toArray())
                }
                let worst = zip(results[0], results[1]).map { abs($0 - $1) }.max()!
                XCTAssertLessThanOrEqual(worst, 1e-4, "\(s) ta \(ta) tb \(tb)")
                XCTAssertFalse(results[1].contains { $0.isNaN }, "β = 0 ignores C")
            }
        }
    }

    /// A ReLU Linear followed by Dropout runs fused inside Sequential; the result (output,
    /// input gradient, parameter gradients) must equal the unfused layers bit for bit.
    func testFusedLinearReLUDropoutEqualsTheSeparateLayers() throws {
        for threads in [1, 2] {
            Parallel.setThreads(threads)
            func network(fused: Bool) throws -> Sequential {
                var g = RandomGenerator(seed: 41)
                let l1 = try Linear(300, 257, activation: .relu, name: "a", generator: &g)
                let l2 = try Linear(257, 10, name: "b", generator: &g)
                let d = try Dropout(0.5, generator: RandomGenerator(seed: 42))
                // An identity activation layer in between prevents the fusion.
                return Sequential(fused ? [l1, d, l2] : [l1, ActivationLayer(.identity), d, l2])
            }
            let x = GradientCheck.random([130, 300], seed: 43)
            let gy = GradientCheck.random([130, 10], seed: 44)
            var results: [[Float]] = []
            for fused in [true, false] {
                let net = try network(fused: fused)
                var out: [Float] = []
                for _ in 0..<2 {   // two steps: fresh masks, lazily zeroed gradients
                    net.parameters.zeroGrad()
                    out += net.forward(x, training: true).toArray()
                    out += net.backward(gy, needsInputGradient: true)!.toArray()
                    out += net.parameters.flatMap { $0.grad.toArray() }
                }
                out += net.forward(x, training: false).toArray()
                results.append(out)
            }
            XCTAssertTrue(results[0] == results[1], "fused and separate layers differ (\(threads) threads)")
        }
    }

    /// Parameters big enough for the step to be split, with random values and gradients.
    func makeParameters(seed: UInt64) -> [Parameter] {
        var g = RandomGenerator(seed: seed)
        return [[300, 301], [301], [77, 1000]].enumerated().map { k, shape in
            let p = Parameter(name: "p\(k)", value: Tensor(shape: shape))
            g.fillUniform(p.value, low: -1, high: 1)
            g.fillUniform(p.grad, low: -0.1, high: 0.1)
            return p
        }
    }

    func testStepIsBitIdenticalOnOneAndThreeThreads() throws {
        for kind in Registry.builtIn.optimizers {
            var results: [[[Float]]] = []
            for threads in [1, 3] {
                Parallel.setThreads(threads)
                let params = makeParameters(seed: 11)
                XCTAssertGreaterThan(params.scalarCount, StatefulOptimizer.parallelThreshold)
                let optimizer = try OptimizerConfig(kind: kind).make()
                for _ in 0..<3 { XCTAssertNil(optimizer.checkedStep(params)) }
                results.append(params.map { $0.value.toArray() })
            }
            XCTAssertTrue(results[0] == results[1], "\(kind): 1 and 3 threads differ")
        }
    }

    func testCheckedStepNamesTheParameterWithANonFiniteGradient() throws {
        for threads in [1, 2] {
            Parallel.setThreads(threads)
            for bad in [Float.nan, .infinity, -.infinity] {
                let params = makeParameters(seed: 3)
                params[2].grad.data[76_999] = bad     // the very last element
                for optimizer in [try Adam(), try ClippedOptimizer(try SGD(), maxNorm: 1) as Optimizer,
                                  try ScheduledOptimizer(try RMSprop(), schedule: .cosine(totalSteps: 10, minimum: 0))] {
                    XCTAssertEqual(optimizer.checkedStep(params)?.name, "p2", "\(optimizer.name) \(bad)")
                }
            }
            let params = makeParameters(seed: 4)
            XCTAssertNil(try Adam().checkedStep(params))
        }
    }

    func testDefaultCheckedStepOfACustomOptimizer() {
        final class Halve: Optimizer {
            var learningRate: Float = 0.5
            func step(_ parameters: [Parameter]) {
                for p in parameters { for i in 0..<p.count { p.value.data[i] -= learningRate * p.grad.data[i] } }
            }
        }
        let p = Parameter(name: "w", value: Tensor(shape: [3], values: [1, 2, 3]))
        p.grad.data.update(repeating: 2, count: 3)
        XCTAssertNil(Halve().checkedStep([p]))
        XCTAssertEqual(p.value.toArray(), [0, 1, 2])
        p.grad.data[1] = .nan
        XCTAssertTrue(Halve().checkedStep([p]) === p)
        XCTAssertEqual(p.value.toArray(), [0, 1, 2], "the default check runs before the update")
    }

    /// A lazily zeroed gradient is overwritten by the next backward (β = 0), and a second
    /// backward adds to it (β = 1). Adding is not doubling in floating point: oneDNN runs β = 0
    /// and β = 1 through different kernels, and the bias pass adds row by row into the value
    /// already there, so the sums may differ from 2× the first in the last bit (whether they do
    /// depends on the values). The comparisons allow 1e-6 relative, far below the garbage
    /// (123, -7) they rule out.
    func testLazyZeroGradReadsZeroAndLayersOverwriteThenAccumulate() throws {
        var g = RandomGenerator(seed: 9)
        let layer = try Linear(5, 4, activation: .tanh, generator: &g)
        let x = GradientCheck.random([6, 5], seed: 1)
        let gy = GradientCheck.random([6, 4], seed: 2)
        func assertClose(_ a: [Float], _ b: [Float], _ message: String, line: UInt = #line) {
            XCTAssertEqual(a.count, b.count, message, line: line)
            for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 1e-6 * max(1, abs(v)), message, line: line) }
        }
        // Reference: explicit zeros, one backward.
        _ = layer.forward(x, training: true)
        layer.weight.grad.fill(0); layer.bias.grad.fill(0)
        _ = layer.backward(gy, needsInputGradient: false)
        let once = (layer.weight.grad.toArray(), layer.bias.grad.toArray())
        // Stale garbage, lazily zeroed: the next backward overwrites it.
        layer.weight.grad.fill(123); layer.bias.grad.fill(-7)
        layer.parameters.zeroGrad()
        _ = layer.backward(gy, needsInputGradient: false)
        assertClose(layer.weight.grad.toArray(), once.0, "overwritten weight gradient")
        assertClose(layer.bias.grad.toArray(), once.1, "overwritten bias gradient")
        // Without zeroGrad a second backward adds.
        _ = layer.backward(gy, needsInputGradient: false)
        assertClose(layer.weight.grad.toArray(), once.0.map { $0 + $0 }, "accumulated weight gradient")
        assertClose(layer.bias.grad.toArray(), once.1.map { $0 + $0 }, "accumulated bias gradient")
        // Reading a zeroed gradient gives zeros.
        layer.parameters.zeroGrad()
        XCTAssertEqual(layer.bias.grad.toArray(), [0, 0, 0, 0])
    }

    /// With the pool active (2 threads) a run is still fixed by its seed; the phases a
    /// profiled epoch reports cover its steps and fit inside the epoch's time. (OpenBLAS may
    /// sum differently on another thread count, so runs are compared at equal counts.)
    func testTrainingWithThePoolIsReproducibleAndPhasesAddUp() throws {
        let train = MalformedInputs.set(count: 384), test = MalformedInputs.set(count: 64)
        Parallel.setThreads(2)
        var weights: [[Float]] = []
        for _ in 0..<2 {
            let net = try Network(try .mlp(sizes: [784, 96, 10], inputDropout: 0.1, hiddenDropout: 0.5), seed: 2)
            let trainer = try Trainer(net, optimizer: try Adam(), loss: SoftmaxCrossEntropy(), batchSize: 64, seed: 2)
            trainer.phases = StepPhases()
            let history = try trainer.fit(train: .images(train), test: .images(test), epochs: 1)
            let p = try XCTUnwrap(trainer.phases)
            XCTAssertEqual(p.steps, 6)
            XCTAssertGreaterThan(p.forward, 0); XCTAssertGreaterThan(p.backward, 0); XCTAssertGreaterThan(p.update, 0)
            XCTAssertLessThanOrEqual(p.total, history[0].seconds * 1.01 + 1e-4)
            weights.append(net.parameters.flatMap { $0.value.toArray() })
        }
        XCTAssertTrue(weights[0] == weights[1], "two runs with the same seed and threads differ")
    }
}
