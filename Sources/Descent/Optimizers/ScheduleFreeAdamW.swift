import CKernels
import Foundation

/// Schedule-Free AdamW, as the `schedulefree` package's `AdamWScheduleFree` (1.4.1): no
/// learning-rate schedule, an average of the iterates instead.
///
/// Three sequences: z (the base iterates), x (their weighted average: the point to evaluate
/// and keep) and y (where gradients are taken), kept as y (the parameters while training) and z:
/// ```
/// t ← step (1, 2, …);  lrₜ ← lr · min(1, t / warm-up)            linear warm-up when warm-up > 0
/// lr_max ← max(lr_max, lrₜ);  wₜ ← tʳ · lr_maxᵖ;  W ← W + wₜ;  cₜ ← wₜ / W    (p: weight_lr_power)
/// v ← β2·v + (1 − β2)·g²;   n ← g / (√(v / (1 − β2ᵗ)) + ε)  (+ λ·y)
/// y ← y + cₜ·(z − y);   y ← y + lrₜ·(β1·(1 − cₜ) − 1)·n;   z ← z − lrₜ·n
/// x = y + (1 − 1/β1)·(z − y)   (evaluation);   y = x + (1 − β1)·(z − x)   (back to training)
/// ```
/// Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky 2024, "The Road Less Scheduled"
/// (NeurIPS; AlgoPerf 2024 self-tuning winner). Convention (schedulefree): z starts as θ,
/// v at 0; ε outside the square root, the bias correction inside it; weight decay λ is
/// added to the normalised gradient at y (so it is scaled by lr and applied to z and y);
/// scalars (warm-up, cₜ, the coefficients) in Double, rounded once to float32; every
/// update a fused multiply-add as torch's `lerp_`, `add_(…, alpha=)`, `sub_(…, alpha=)`.
///
/// **Evaluation point.** The parameters hold y during training and x otherwise:
/// `beginTraining` maps x → y and `endTraining` y → x (torch's `optimizer.train()` /
/// `.eval()`, each one `lerp_` per element), and `Trainer.trainEpoch` calls them first and
/// last. So evaluation, checkpoints, `descent evaluate`, the linear probe and exports see x
/// without being told, and a resumed run (x from the checkpoint, mapped to y) repeats the
/// uninterrupted one's round trip exactly. Checkpoint: `z`, `exp_avg_sq` per parameter,
/// the step count, and `optimizer.lr_max`, `optimizer.weight_sum` (Doubles, exactly).
/// Defaults (the package's): `lr = 0.0025`, `β = (0.9, 0.999)`, `ε = 1e-8`, λ = 0, warm-up 0,
/// r = 0, weight_lr_power = 2.
///
/// One fused pass per block (`descent_schedule_free_update`): reads y, g, z, v, writes y, z, v.
public final class ScheduleFreeAdamW: StatefulOptimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let warmupSteps: Int
    public let r: Float
    public let weightLRPower: Float
    /// lr_max and W (the package's `lr_max`, `weight_sum`).
    private var lrMax = -1.0, weightSum = 0.0
    /// This step's scalars (`beginStep`): cₜ and the coefficients of n for y and z.
    private var ckp1: Float = 0, yCoefficient: Float = 0, negativeLR: Float = 0
    /// Whether the parameters hold y (between `beginTraining` and `endTraining`).
    public private(set) var training = false

    /// `--optimizer schedulefree`. Reads y, g, z, v; writes y, z, v.
    public static let rule = OptimizerRule(
        name: "schedulefree", displayName: "ScheduleFreeAdamW",
        options: [.learningRate(0.0025), .number(.beta1, default: 0.9, in: .unitInterval),
                  .number(.beta2, default: 0.999, in: .unitInterval), .number(.epsilon, default: 1e-8, in: .positive),
                  .weightDecay(0), .number(.warmupSteps, default: 0, in: .nonNegative, summary: .unlessZero),
                  .number(.averagingPower, default: 0, in: .nonNegative, summary: .unlessZero),
                  .number(.weightLRPower, default: 2, in: .nonNegative)],
        traffic: .init(reads: 4, writes: 3)) { v in
            try ScheduleFreeAdamW(learningRate: v[.learningRate], beta1: v[.beta1], beta2: v[.beta2],
                                  epsilon: v[.epsilon], weightDecay: v[.weightDecay], warmupSteps: v[.warmupSteps],
                                  r: v[.averagingPower], weightLRPower: v[.weightLRPower])
        }

    public init(learningRate: Float = 0.0025, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                weightDecay: Float = 0, warmupSteps: Float = 0, r: Float = 0, weightLRPower: Float = 2) throws {
        let values: [HyperParameter: Float] = [.beta1: beta1, .beta2: beta2, .epsilon: epsilon, .warmupSteps: warmupSteps,
                                               .averagingPower: r, .weightLRPower: weightLRPower]
        try Self.rule.validate(values.merging([.learningRate: learningRate, .weightDecay: weightDecay]) { a, _ in a })
        guard warmupSteps == warmupSteps.rounded(), warmupSteps <= 16_777_216 else {
            throw DescentError("schedulefree: warmup_steps must be a whole number, got \(warmupSteps)")
        }
        guard beta1 > 0 else { throw DescentError("schedulefree: beta1 must be > 0 (x is y moved by 1 − 1/β1), got 0.0") }
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.r = r
        self.weightLRPower = weightLRPower
        self.warmupSteps = Int(warmupSteps)
        try super.init(rule: Self.rule, learningRate: learningRate, weightDecay: weightDecay,
                       checking: values, slotNames: ["z", "exp_avg_sq"])
    }

    public override func initialize(slot index: Int, _ tensor: Tensor, for parameter: Parameter) {
        if index == 0 { tensor.copy(from: parameter.value) }   // z starts at θ
    }

    public override var ruleScalars: [String: Double] {
        get { ["lr_max": lrMax, "weight_sum": weightSum] }
        set {
            lrMax = newValue["lr_max"] ?? -1
            weightSum = newValue["weight_sum"] ?? 0
        }
    }

    /// cₜ and the coefficients, once per step (`stepCount` already counts this step).
    public override func beginStep() {
        let k = Double(stepCount - 1)
        let sched = stepCount - 1 < warmupSteps ? (k + 1) / Double(warmupSteps) : 1.0
        let lr = Double(learningRate) * sched
        lrMax = Swift.max(lr, lrMax)
        let weight = pow(k + 1, Double(r)) * pow(lrMax, Double(weightLRPower))
        weightSum += weight
        let c = weightSum == 0 ? 0 : weight / weightSum
        ckp1 = Float(c)
        yCoefficient = Float(lr * (Double(beta1) * (1 - c) - 1))
        negativeLR = Float(-lr)
    }

    public override func update(_ span: Span) {
        let lerp = LerpWeight(ckp1)
        descent_schedule_free_update(span.value, span.grad, span.state(0), span.state(1), span.count, beta2,
                                     Float(1 - Double(beta2)), Float(1 - pow(Double(beta2), Double(stepCount))),
                                     epsilon, weightDecay, lerp.coefficient, lerp.fromStart, yCoefficient, negativeLR)
    }

    /// x → y: θ ← θ + (1 − β1)·(z − θ), for every parameter with a z.
    public override func beginTraining(_ parameters: [Parameter]) {
        guard !training else { return }
        training = true
        move(parameters, weight: Float(1 - Double(beta1)))
    }

    /// y → x: θ ← θ + (1 − 1/β1)·(z − θ).
    public override func endTraining(_ parameters: [Parameter]) {
        guard training else { return }
        training = false
        move(parameters, weight: Float(1 - 1 / Double(beta1)))
    }

    private func move(_ parameters: [Parameter], weight: Float) {
        let lerp = LerpWeight(weight)
        for p in parameters {
            guard let z = slotTensors(of: p)?[0] else { continue }
            descent_lerp_toward(p.value.data, z.data, p.count, lerp.coefficient, lerp.fromStart)
        }
    }
}

extension HyperParameter {
    /// Schedule-Free's own linear warm-up, in steps (the package's `warmup_steps`).
    public static let warmupSteps = HyperParameter("warmupSteps", summaryName: "warmup_steps", flag: "--sf-warmup-steps",
                                                   help: "Schedule-Free's linear warm-up, in steps")
    /// Schedule-Free's polynomial averaging power r (the package's `r`).
    public static let averagingPower = HyperParameter("averagingPower", summaryName: "r", flag: "--sf-r",
                                                      help: "Schedule-Free's averaging weight power r (weights tʳ)")
    /// Schedule-Free's `weight_lr_power`: the averaging weights are lr_maxᵖ.
    public static let weightLRPower = HyperParameter("weightLRPower", summaryName: "weight_lr_power",
                                                     flag: "--sf-weight-lr-power",
                                                     help: "Schedule-Free's weight_lr_power (averaging weights lr_max^p)")
}
