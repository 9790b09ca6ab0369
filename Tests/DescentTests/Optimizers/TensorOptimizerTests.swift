import XCTest
@testable import Descent

/// The per-tensor path (`TensorOptimizer`) through Muon: which parameters it takes, the state
/// it keeps and checkpoints, and how it checks a loaded state. (Resuming bit for bit is
/// `testStateSaveAndLoadResumesExactly`, trajectories `OptimizerFixtureTests`.)
extension OptimizerTests {
    /// A 3 × 4 weight, a 2 × 1 × 2 × 2 convolution weight and a bias, with gradients for step t.
    func tensorRuleParameters() -> [Parameter] {
        [Parameter(name: "fc.weight", value: Tensor(shape: [3, 4], values: (0..<12).map { Float($0 % 5) / 4 - 0.5 })),
         Parameter(name: "conv.weight", value: Tensor(shape: [2, 1, 2, 2], values: (0..<8).map { Float($0 % 3) / 3 - 0.3 })),
         Parameter(name: "fc.bias", value: Tensor(shape: [3], values: [0.1, -0.2, 0.3]))]
    }

    func setTensorRuleGradients(_ ps: [Parameter], _ t: Int) {
        for (k, p) in ps.enumerated() { for i in 0..<p.count { p.grad[i] = Float(((i + 2 * k + 3 * t) * 7) % 11) / 5 - 1 } }
    }

    func testMuonKeepsAMomentumBufferPerMatrixAndAdamWStateForTheRest() throws {
        let muon = try Muon(learningRate: 0.02)
        let ps = tensorRuleParameters()
        setTensorRuleGradients(ps, 0)
        muon.step(ps)
        XCTAssertEqual(muon.stepTensorKeys(ps), ["conv.weight.momentum_buffer", "conv.weight.step", "fc.bias.exp_avg",
                                                 "fc.bias.exp_avg_sq", "fc.bias.step", "fc.weight.momentum_buffer",
                                                 "fc.weight.step", "optimizer.step"])
        XCTAssertEqual(muon.stateTensors(of: ps[1])?["momentum_buffer"]?.shape, [2, 1, 2, 2])
        XCTAssertNil(muon.stateTensors(of: ps[2]), "the bias is AdamW's")
        XCTAssertEqual(muon.others?.stepCount, 1)
        // A second step reuses the buffers.
        let before = muon.stateTensors(of: ps[0])?["momentum_buffer"]
        setTensorRuleGradients(ps, 1)
        muon.step(ps)
        XCTAssertTrue(muon.stateTensors(of: ps[0])?["momentum_buffer"] === before)
    }

    /// A convolution weight is orthogonalised as the out × in·k·k matrix it is in memory.
    func testMuonTreatsAConvolutionWeightAsOutTimesRest() throws {
        let conv = Parameter(name: "w", value: Tensor(shape: [2, 1, 2, 2], values: (0..<8).map { Float($0 % 3) / 3 - 0.3 }))
        let flat = Parameter(name: "w", value: Tensor(shape: [2, 4], values: conv.value.toArray()))
        let a = try Muon(learningRate: 0.05), b = try Muon(learningRate: 0.05)
        for t in 0..<4 {
            setTensorRuleGradients([conv], t)
            setTensorRuleGradients([flat], t)
            a.step([conv])
            b.step([flat])
        }
        XCTAssertEqual(conv.value.toArray(), flat.value.toArray())
        XCTAssertNotEqual(conv.value.toArray(), (0..<8).map { Float($0 % 3) / 3 - 0.3 })
    }

    /// A schedule scales the AdamW part's rate by the same factor as Muon's.
    func testMuonsAdamWRateFollowsTheSchedule() throws {
        let muon = try Muon(learningRate: 0.02, adamLearningRate: 0.004)
        let scheduled = try ScheduledOptimizer(muon, schedule: .step(every: 1, factor: 0.5))
        let ps = tensorRuleParameters()
        for t in 0..<3 { setTensorRuleGradients(ps, t); scheduled.step(ps) }
        XCTAssertEqual(muon.learningRate, 0.005)      // the third step ran at 0.02·0.5²
        XCTAssertEqual(muon.others?.learningRate, 0.001)
    }

    func testMuonLoadStateChecksEveryTensor() throws {
        let muon = try Muon()
        let ps = tensorRuleParameters()
        setTensorRuleGradients(ps, 0)
        muon.step(ps)
        let good = muon.state(for: ps)
        func message(_ edit: (inout [String: Tensor]) -> Void) -> String? {
            var state = good
            edit(&state)
            do { try Muon().loadState(state, for: ps); return nil } catch { return (error as? DescentError)?.message }
        }
        XCTAssertNil(message { _ in })
        XCTAssertEqual(message { $0["conv.weight.momentum_buffer"] = Tensor(shape: [2, 4]) },
                       "muon: state 'conv.weight.momentum_buffer' has shape [2, 4], expected [2, 1, 2, 2]")
        XCTAssertEqual(message { $0["fc.weight.momentum_buffer"] = nil }, "muon: state of 'fc.weight' has no 'momentum_buffer'")
        XCTAssertEqual(message { $0["fc.weight.momentum_buffer"] = Tensor(shape: [3, 4], value: .nan) },
                       "muon: state 'fc.weight.momentum_buffer' holds NaN or infinite values")
        XCTAssertEqual(message { $0["fc.weight.step"] = Tensor(shape: [1], value: 1.5) },
                       "muon: state 'fc.weight.step' must be one whole number in 0...16777216, got 1.5")
        XCTAssertEqual(message { $0["fc.bias.exp_avg_sq"] = Tensor(shape: [3], value: -1) },
                       "adamw: state 'fc.bias.exp_avg_sq' holds a negative value (-1.0 at 0), but it accumulates squares")
    }

    /// A non-finite gradient stops the step before any parameter moves.
    func testMuonCheckedStepCatchesANonFiniteGradientFirst() throws {
        let muon = try Muon()
        let ps = tensorRuleParameters()
        setTensorRuleGradients(ps, 0)
        ps[2].grad[1] = .infinity
        let before = ps.map { $0.value.toArray() }
        XCTAssertTrue(muon.checkedStep(ps) === ps[2])
        XCTAssertEqual(ps.map { $0.value.toArray() }, before)
    }
}

extension OptimizerTests {
    /// Shampoo cuts a matrix into blocks of at most `blockSize` per side, each with its own
    /// factors and roots (checkpointed, shape-checked); vectors go to AdamW.
    func testShampooBlocksLargeDimensions() throws {
        let shampoo = try Shampoo(learningRate: 0.01, updateFrequency: 1, blockSize: 2)
        let ps = tensorRuleParameters()   // 3 × 4, 2 × 1 × 2 × 2 (2 × 4), 3
        XCTAssertEqual(shampoo.blocks(rows: 3, columns: 4).map { [$0.r.count, $0.c.count] }, [[2, 2], [2, 2], [1, 2], [1, 2]])
        for t in 0..<3 { setTensorRuleGradients(ps, t); shampoo.step(ps) }
        let state = try XCTUnwrap(shampoo.stateTensors(of: ps[0]))
        XCTAssertEqual(state.count, 2 + 4 * 4)
        XCTAssertEqual(state["L.2"]?.shape, [1, 1])
        XCTAssertEqual(state["R.3.root"]?.shape, [2, 2])
        XCTAssertEqual(shampoo.stateTensors(of: ps[1])?.count, 2 + 2 * 4)
        XCTAssertNil(shampoo.stateTensors(of: ps[2]), "the bias is AdamW's")
        // A root is the inverse 4th root of the bias-corrected factor: (root⁴)·(L/(1 − β2ᵗ) + ε′) = I.
        let l = try XCTUnwrap(state["L.0"]), root = try XCTUnwrap(state["L.0.root"])
        let bc2 = 1 - pow(0.999, 3.0)
        func product(_ a: [Double], _ b: [Double]) -> [Double] {
            [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]]
        }
        let r = root.toArray().map(Double.init)
        let r4 = product(product(r, r), product(r, r))
        let lc = l.toArray().map { Double($0) / bc2 }
        let identity = product(r4, [lc[0] + 1e-12, lc[1], lc[2], lc[3] + 1e-12])
        for (x, e) in zip(identity, [1.0, 0, 0, 1]) { XCTAssertEqual(x, e, accuracy: 1e-3) }
        var saved = shampoo.state(for: ps)
        saved["fc.weight.L.1"] = Tensor(shape: [3, 3])
        XCTAssertThrowsError(try Shampoo(learningRate: 0.01, updateFrequency: 1, blockSize: 2).loadState(saved, for: ps)) { error in
            XCTAssertEqual((error as? DescentError)?.message, "shampoo: state 'fc.weight.L.1' has shape [3, 3], expected [2, 2]")
        }
    }
}

extension Optimizer {
    /// The keys of `state(for:)`, sorted.
    func stepTensorKeys(_ ps: [Parameter]) -> [String] { state(for: ps).keys.sorted() }
}
