import XCTest
@testable import Descent

/// Records what it is asked to do, to prove that wrappers use the optimizer they are given.
final class SpyOptimizer: Optimizer {
    var learningRate: Float = 1
    var seenLearningRates: [Float] = []
    var seenGradients: [[Float]] = []
    private(set) var stepCount = 0
    var name: String { "spy" }
    func step(_ parameters: [Parameter]) {
        stepCount += 1
        seenLearningRates.append(learningRate)
        seenGradients.append(parameters.flatMap { $0.grad.toArray() })
    }
}

extension OptimizerTests {
    func makeParameters() -> [Parameter] {
        [Parameter(name: "fc.weight", value: Tensor(shape: [3, 4], value: 1)),
         Parameter(name: "fc.bias", value: Tensor(shape: [5], value: 1))]
    }

    // MARK: state counts and shapes

    func testStateCountsShapesAndReuse() throws {
        let cases: [(Optimizer, Int, [String])] = [
            (try SGD(), 0, []),
            (try MomentumSGD(), 1, ["momentum_buffer"]),
            (try AdaGrad(), 1, ["sum"]),
            (try RMSprop(), 1, ["square_avg"]),
            (try RMSprop(momentum: 0.9, centered: true), 3, ["square_avg", "momentum_buffer", "grad_avg"]),
            (try AdaDelta(), 2, ["square_avg", "acc_delta"]),
            (try Adam(), 2, ["exp_avg", "exp_avg_sq"]),
            (try Adam(amsgrad: true), 3, ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"]),
            (try AdamW(), 2, ["exp_avg", "exp_avg_sq"]),
        ]
        for (optimizer, count, slots) in cases {
            let stateful = try XCTUnwrap(optimizer as? StatefulOptimizer)
            let params = makeParameters()
            params.forEach { $0.grad.fill(0.5) }
            XCTAssertEqual(optimizer.stateTensorCount, count, optimizer.name)
            XCTAssertEqual(stateful.slotNames, slots, optimizer.name)
            XCTAssertNil(stateful.stateTensors(of: params[0]), "lazy: no state before the first step")
            optimizer.step(params)
            let first = try params.map { try XCTUnwrap(stateful.stateTensors(of: $0), "\(optimizer.name): state after a step") }
            for (p, tensors) in zip(params, first) {
                XCTAssertEqual(tensors.count, count, optimizer.name)
                for t in tensors { XCTAssertEqual(t.shape, p.value.shape, optimizer.name) }
            }
            optimizer.step(params)
            XCTAssertEqual(optimizer.stepCount, 2)
            for (p, tensors) in zip(params, first) {
                let again = try XCTUnwrap(stateful.stateTensors(of: p))
                for (a, b) in zip(tensors, again) { XCTAssertTrue(a === b, "\(optimizer.name): state reused, not reallocated") }
            }
            let saved = optimizer.state(for: params)
            XCTAssertEqual(saved.count, 1 + params.count * (count + 1), optimizer.name)
        }
    }

    func testStateSaveAndLoadResumesExactly() throws {
        for config in Registry.builtIn.optimizers.map({ OptimizerConfig(kind: $0, learningRate: 0.01) }) {
            let a = try config.make(), b = try config.make()
            let pa = makeParameters(), pb = makeParameters()
            func grads(_ ps: [Parameter], _ t: Int) {
                for (k, p) in ps.enumerated() { for i in 0..<p.count { p.grad[i] = Float((i + k + t) % 5) - 2 } }
            }
            for t in 0..<3 { grads(pa, t); a.step(pa) }
            let saved = a.state(for: pa)
            for (x, y) in zip(pa, pb) { y.value.copy(from: x.value) }
            try b.loadState(saved, for: pb)
            XCTAssertEqual(b.stepCount, 3, config.summary)
            for t in 3..<6 { grads(pa, t); a.step(pa); grads(pb, t); b.step(pb) }
            for (x, y) in zip(pa, pb) { XCTAssertEqual(x.value.toArray(), y.value.toArray(), config.summary) }
        }
    }

    func testLoadStateRejectsMismatches() throws {
        let adam = try Adam()
        let params = makeParameters()
        adam.step(params)
        var state = adam.state(for: params)
        state["fc.bias.exp_avg"] = Tensor(shape: [4])
        XCTAssertThrowsError(try Adam().loadState(state, for: params)) { error in
            XCTAssertEqual((error as? DescentError)?.message,
                           "adam: state 'fc.bias.exp_avg' has shape [4], parameter has [5]")
        }
        state["fc.bias.exp_avg"] = nil
        XCTAssertThrowsError(try Adam().loadState(state, for: params)) { error in
            XCTAssertEqual((error as? DescentError)?.message, "adam: state of 'fc.bias' has no 'exp_avg'")
        }
    }

    // MARK: helpers use the optimizer they are given

    func testClippingUsesTheGivenOptimizer() throws {
        let spy = SpyOptimizer()
        let clipped = try ClippedOptimizer(spy, maxNorm: 1)
        let p = Parameter(name: "p", value: Tensor(shape: [2]))
        p.grad[0] = 3; p.grad[1] = 4                     // norm 5 → scaled by 1/(5 + 1e-6)
        clipped.step([p])
        XCTAssertEqual(spy.stepCount, 1)
        XCTAssertEqual(clipped.stepCount, 1)
        XCTAssertEqual(clipped.lastNorm, 5, accuracy: 1e-6)
        XCTAssertEqual(spy.seenGradients[0][0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(spy.seenGradients[0][1], 0.8, accuracy: 1e-6)
        // below the threshold: untouched
        p.grad[0] = 0.3; p.grad[1] = 0.4
        clipped.step([p])
        XCTAssertEqual(spy.seenGradients[1], [0.3, 0.4])
        // learning rate is forwarded
        clipped.learningRate = 0.25
        XCTAssertEqual(spy.learningRate, 0.25)
        // global norm over several parameters: (3, 4) and (12) → √(9 + 16 + 144) = 13
        let q = Parameter(name: "q", value: Tensor(shape: [1]))
        p.grad[0] = 3; p.grad[1] = 4; q.grad[0] = 12
        XCTAssertEqual(GradientClipping.clipByGlobalNorm([p, q], maxNorm: 1.3), 13, accuracy: 1e-5)
        XCTAssertEqual(q.grad[0], 1.2, accuracy: 1e-5)
    }

    func testScheduleUsesTheGivenOptimizer() throws {
        let spy = SpyOptimizer()
        let scheduled = try ScheduledOptimizer(spy, schedule: .step(every: 2, factor: 0.5))
        let p = Parameter(name: "p", value: Tensor(shape: [1]))
        for _ in 0..<5 { scheduled.step([p]) }
        XCTAssertEqual(spy.seenLearningRates, [1, 1, 0.5, 0.5, 0.25])
        XCTAssertEqual(scheduled.stepCount, 5)
        XCTAssertEqual(scheduled.learningRate, 0.25)   // the rate for the next step (t = 5)
    }

    func testWeightDecayIsUsedByEveryOptimizer() throws {
        for kind in Registry.builtIn.optimizers {
            // zero gradient: only the decay can move θ, towards 0 (a 1 × 1 matrix for Muon, whose
            // --weight-decay is that of the matrices)
            let shape = kind == .muon ? [1, 1] : [1]   // Shampoo's [1] goes to AdamW, which decays it too
            let p = Parameter(name: "p", value: Tensor(shape: shape, values: [1]))
            let q = Parameter(name: "q", value: Tensor(shape: shape, values: [1]))
            let withDecay = try OptimizerConfig(kind: kind, learningRate: 0.1, weightDecay: 0.1).make()
            let without = try OptimizerConfig(kind: kind, learningRate: 0.1, weightDecay: 0).make()
            withDecay.step([p]); without.step([q])
            XCTAssertLessThan(p.value[0], 1, kind.rawValue)
            XCTAssertGreaterThan(p.value[0], 0, kind.rawValue)
            XCTAssertEqual(q.value[0], 1, kind.rawValue)
        }
        // SGD: θ = 1 − 0.1·(0 + 0.1·1) = 0.99; AdamW: θ = 1·(1 − 0.01) = 0.99 and m = 0 → no step
        let p = Parameter(name: "p", value: Tensor(shape: [1], values: [1]))
        try SGD(learningRate: 0.1, weightDecay: 0.1).step([p])
        XCTAssertEqual(p.value[0], 0.99, accuracy: 1e-7)
        let q = Parameter(name: "q", value: Tensor(shape: [1], values: [1]))
        try AdamW(learningRate: 0.1, weightDecay: 0.1).step([q])
        XCTAssertEqual(q.value[0], 0.99, accuracy: 1e-7)
    }

    func testSchedules() {
        let base: Float = 0.1
        XCTAssertEqual(LearningRateSchedule.constant.learningRate(at: 1000, base: base), 0.1)
        XCTAssertEqual(LearningRateSchedule.step(every: 10, factor: 0.1).learningRate(at: 25, base: base), 0.001,
                       accuracy: 1e-9)
        let cosine = LearningRateSchedule.cosine(totalSteps: 100, minimum: 0.01)
        XCTAssertEqual(cosine.learningRate(at: 0, base: base), 0.1, accuracy: 1e-9)
        XCTAssertEqual(cosine.learningRate(at: 50, base: base), 0.055, accuracy: 1e-7)   // 0.01 + 0.09·½
        XCTAssertEqual(cosine.learningRate(at: 100, base: base), 0.01, accuracy: 1e-9)
        XCTAssertEqual(cosine.learningRate(at: 500, base: base), 0.01, accuracy: 1e-9)   // stays at the minimum
        let warm = LearningRateSchedule.linearWarmup(steps: 4, startFactor: 0, then: .constant)
        XCTAssertEqual((0..<6).map { warm.learningRate(at: $0, base: 1) }, [0, 0.25, 0.5, 0.75, 1, 1])
    }

    // MARK: validation

    func testInvalidHyperParametersAreRejected() {
        let cases: [(String, () throws -> Optimizer)] = [
            ("adam: beta1 must be in [0, 1), got 1.5", { try Adam(beta1: 1.5) }),
            ("adam: beta2 must be in [0, 1), got nan", { try Adam(beta2: .nan) }),
            ("adam: eps must be > 0, got 0.0", { try Adam(epsilon: 0) }),
            ("adamw: weightDecay must be a finite number ≥ 0, got -1.0", { try AdamW(weightDecay: -1) }),
            ("sgd: lr must be a finite number ≥ 0, got -0.1", { try SGD(learningRate: -0.1) }),
            ("sgd: lr must be a finite number ≥ 0, got nan", { try SGD(learningRate: .nan) }),
            ("momentum: momentum must be in [0, 1), got 1.0", { try MomentumSGD(momentum: 1) }),
            ("momentum: nesterov needs momentum > 0 and dampening = 0, got momentum 0.0, dampening 0.0",
             { try MomentumSGD(momentum: 0, nesterov: true) }),
            ("adagrad: eps must be > 0, got -1e-10", { try AdaGrad(epsilon: -1e-10) }),
            ("adagrad: lr must be a finite number ≥ 0, got inf", { try AdaGrad(learningRate: .infinity) }),
            ("rmsprop: alpha must be in [0, 1), got 1.0", { try RMSprop(alpha: 1) }),
            ("rmsprop: momentum must be in [0, 1), got -0.5", { try RMSprop(momentum: -0.5) }),
            ("adadelta: rho must be in [0, 1), got 1.1", { try AdaDelta(rho: 1.1) }),
            ("adadelta: eps must be > 0, got 0.0", { try AdaDelta(epsilon: 0) }),
            ("sgd: beta1 does not apply to SGD", { try OptimizerConfig(kind: .sgd, beta1: 0.9).make() }),
            ("adam: clipNorm must be > 0, got 0.0", { try OptimizerConfig(kind: .adam, clipNorm: 0).make() }),
            ("adam: schedule totalSteps must be > 0, got 0",
             { try OptimizerConfig(kind: .adam, schedule: .cosine(totalSteps: 0, minimum: 0)).make() }),
        ]
        for (message, make) in cases {
            XCTAssertThrowsError(try make(), message) { error in
                XCTAssertEqual((error as? DescentError)?.message, message)
            }
        }
    }

    // MARK: config

    func testConfigNamesSummariesAndDefaults() throws {
        XCTAssertEqual(Registry.builtIn.optimizers.map(\.rawValue),
                       ["sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam", "adamw",
                        "nadam", "nadamw", "radam", "adamax", "lion", "muon", "schedulefree", "shampoo"])
        XCTAssertEqual(Registry.builtIn.optimizers.map(\.displayName),
                       ["SGD", "MomentumSGD", "AdaGrad", "RMSprop", "AdaDelta", "Adam", "AdamW",
                        "NAdam", "NAdamW", "RAdam", "Adamax", "Lion", "Muon", "ScheduleFreeAdamW", "Shampoo"])
        XCTAssertEqual(OptimizerConfig.seedDefaults.map(\.summary), [
            "sgd(lr=0.01)",
            "momentum(lr=0.01, momentum=0.9)",
            "adagrad(lr=0.01, eps=1e-10)",
            "rmsprop(lr=0.001, alpha=0.99, eps=1e-08)",
            "adadelta(lr=1.0, rho=0.95, eps=1e-06)",
            "adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08)",
        ])
        let built = try OptimizerConfig.seedDefaults.map { try $0.make() }
        XCTAssertEqual(built.map(\.name), ["sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam"])
        XCTAssertEqual(built.map(\.learningRate), [0.01, 0.01, 0.01, 0.001, 1.0, 0.001])
        let adam = try XCTUnwrap(built[5] as? Adam)
        XCTAssertEqual([adam.beta1, adam.beta2, adam.epsilon], [0.9, 0.999, 1e-8])
        let momentum = try XCTUnwrap(built[1] as? MomentumSGD)
        XCTAssertEqual(momentum.momentum, 0.9)
        let rms = try XCTUnwrap(built[3] as? RMSprop)
        XCTAssertEqual([rms.alpha, rms.epsilon], [0.99, 1e-8])
        let ada = try XCTUnwrap(built[4] as? AdaDelta)
        XCTAssertEqual([ada.rho, ada.epsilon], [0.95, 1e-6])

        XCTAssertEqual(OptimizerConfig(kind: .adamw, amsgrad: true, clipNorm: 1).summary,
                       "adamw(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, amsgrad, weight_decay=0.01, clip_norm=1.0)")

        // clipNorm → clip then step; schedule → outermost
        let clipped = try XCTUnwrap(try OptimizerConfig(kind: .adam, clipNorm: 1).make() as? ClippedOptimizer)
        XCTAssertTrue(clipped.base is Adam)
        let scheduled = try XCTUnwrap(try OptimizerConfig(kind: .momentum, clipNorm: 1,
                                                          schedule: .constant).make() as? ScheduledOptimizer)
        XCTAssertTrue((scheduled.base as? ClippedOptimizer)?.base is MomentumSGD)

        // Codable round trip
        let config = OptimizerConfig(kind: .rmsprop, learningRate: 0.01, momentum: 0.9, centered: true,
                                     schedule: .linearWarmup(steps: 10, startFactor: 0.1, then: .cosine(totalSteps: 90, minimum: 0)))
        let decoded = try JSONDecoder().decode(OptimizerConfig.self, from: JSONEncoder().encode(config))
        XCTAssertEqual(decoded, config)
    }
}
