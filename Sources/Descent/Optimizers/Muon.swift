import CKernels
import Foundation

/// Muon (MomentUm Orthogonalized by Newton–Schulz), as `torch.optim.Muon`, for the matrices
/// of a model; every other parameter goes to AdamW, as torch's documentation prescribes.
///
/// For a parameter with 2 or more dimensions, viewed as a matrix of its first dimension ×
/// the rest (a linear weight out × in; a convolution weight out × in·k·k):
/// ```
/// B ← μ·B + (1 − μ)·G                        B starts at 0 (torch: buf.lerp_(g, 1 − μ))
/// U ← G + μ·(B − G)  with Nesterov,  else U ← B      (torch: g.lerp(buf, μ))
/// O ← NewtonSchulz₅(U)                       see `NewtonSchulz`
/// θ ← θ · (1 − lr·λ)                         decoupled decay, with the unadjusted lr
/// θ ← θ − lr′ · O,   lr′ = lr·√max(1, A/B)             "original" (Keller Jordan)
///                    lr′ = lr·0.2·√max(A, B)           `matchRMSAdamW` (Moonshot, Liu et al. 2025)
/// ```
/// A × B is the matrix's shape (fan-out × fan-in). Parameters with fewer than 2 dimensions
/// (biases, batch-norm scales) are updated by `AdamW` with its own rate and decay
/// (`adamLearningRate`, `adamWeightDecay`; β1, β2, ε are AdamW's); a schedule scales both
/// rates by the same factor.
///
/// Jordan et al. 2024, "Muon: An optimizer for hidden layers in neural networks"; Liu et al.
/// 2025, "Muon is Scalable for LLM Training" (the RMS-matching adjustment). Convention
/// (torch 2.15): momentum as lerps, Nesterov on by default, decay before the update and
/// scaled by the unadjusted lr, NS coefficients (3.4445, −4.7750, 2.0315), ε = 1e-7.
/// **One difference**: torch runs the Newton–Schulz iteration in bfloat16; Descent runs it in
/// float32 (more accurate; the fixtures compare against torch's Muon with that one dtype
/// changed, see `Tools/make_optimizer_fixtures.py`). torch's Muon accepts 2-D parameters only;
/// flattening convolution weights to out × rest is the usual extension (Jordan's).
/// State: `momentum_buffer` (the parameter's shape); AdamW's `exp_avg`, `exp_avg_sq` for the
/// others. Defaults (torch's): `lr = 0.001`, μ = 0.95, Nesterov, λ = 0.1, 5 NS steps; AdamW
/// part at torch's AdamW defaults, lr 0.001, λ 0.01, β (0.9, 0.999), ε 1e-8.
///
/// Per step and matrix: one fused pass for the momentum (`descent_muon_momentum`), 3·k
/// products of `BLAS.gemm`, one fused pass for decay and update (`descent_decay_add`).
public final class Muon: TensorOptimizer {
    public let momentum: Float
    public let nesterov: Bool
    public let weightDecay: Float
    public let nsSteps: Int
    public let matchRMSAdamW: Bool
    private let newtonSchulz: NewtonSchulz
    /// Per parameter shape: the update direction U and O (reused).
    private var scratch: [[Int]: (u: Tensor, o: Tensor)] = [:]

    /// `--optimizer muon`. Traffic: the element-wise part for a matrix (θ, g, B read; θ, B written).
    public static let rule = OptimizerRule(
        name: "muon", displayName: "Muon",
        options: [.learningRate(0.001), .number(.momentum, default: 0.95, in: .unitInterval),
                  .init(.nesterov, default: 1, in: .any, summary: .whenOn), .weightDecay(0.1),
                  .number(.nsSteps, default: 5, in: .positive), .flag(.matchRMSAdamW),
                  .number(.adamLearningRate, default: 0.001, in: .nonNegative),
                  .number(.beta1, default: 0.9, in: .unitInterval), .number(.beta2, default: 0.999, in: .unitInterval),
                  .number(.epsilon, default: 1e-8, in: .positive),
                  .number(.adamWeightDecay, default: 0.01, in: .nonNegative)],
        traffic: .init(reads: 3, writes: 2)) { v in
            try Muon(learningRate: v[.learningRate], momentum: v[.momentum], nesterov: v.isOn(.nesterov),
                     weightDecay: v[.weightDecay], nsSteps: v[.nsSteps], matchRMSAdamW: v.isOn(.matchRMSAdamW),
                     adamLearningRate: v[.adamLearningRate], beta1: v[.beta1], beta2: v[.beta2],
                     epsilon: v[.epsilon], adamWeightDecay: v[.adamWeightDecay])
        }

    public init(learningRate: Float = 0.001, momentum: Float = 0.95, nesterov: Bool = true, weightDecay: Float = 0.1,
                nsSteps: Float = 5, matchRMSAdamW: Bool = false, adamLearningRate: Float = 0.001,
                beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, adamWeightDecay: Float = 0.01) throws {
        try Self.rule.validate([.learningRate: learningRate, .momentum: momentum, .weightDecay: weightDecay,
                                .nsSteps: nsSteps, .adamLearningRate: adamLearningRate, .beta1: beta1, .beta2: beta2,
                                .epsilon: epsilon, .adamWeightDecay: adamWeightDecay])
        guard nsSteps == nsSteps.rounded(), nsSteps < 100 else {
            throw DescentError("muon: ns_steps must be a whole number in 1...99, got \(nsSteps)")
        }
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        self.nsSteps = Int(nsSteps)
        self.matchRMSAdamW = matchRMSAdamW
        newtonSchulz = NewtonSchulz(steps: Int(nsSteps))
        let adamw = try AdamW(learningRate: adamLearningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                              weightDecay: adamWeightDecay)
        try super.init(rule: Self.rule, learningRate: learningRate,
                       checking: [.momentum: momentum, .weightDecay: weightDecay, .nsSteps: nsSteps],
                       others: adamw)
    }

    public override var stateTensorCount: Int { 1 }

    /// Matrices: parameters with 2 or more dimensions.
    public override func handles(_ parameter: Parameter) -> Bool { parameter.value.shape.count >= 2 }

    public override func initialState(for parameter: Parameter) -> [String: Tensor] {
        ["momentum_buffer": Tensor(shape: parameter.value.shape)]
    }

    /// lr′ for an A × B matrix, in Double as torch's `_adjust_lr`.
    func adjustedLearningRate(rows: Int, columns: Int) -> Double {
        let (a, b) = (Double(rows), Double(columns))
        return Double(learningRate) * (matchRMSAdamW ? 0.2 * Swift.max(a, b).squareRoot() : Swift.max(1, a / b).squareRoot())
    }

    public override func update(_ parameter: Parameter, state: State) {
        let n = parameter.count
        let rows = parameter.value.shape[0], columns = n / Swift.max(rows, 1)
        let work: (u: Tensor, o: Tensor)
        if let w = scratch[parameter.value.shape] { work = w } else {
            work = (Tensor(shape: parameter.value.shape), Tensor(shape: parameter.value.shape))
            scratch[parameter.value.shape] = work
        }
        let lerp = LerpWeight(Float(1 - Double(momentum)))
        let toward = LerpWeight(momentum)
        descent_muon_momentum(parameter.grad.data, state["momentum_buffer"].data, work.u.data, n,
                              lerp.coefficient, lerp.fromStart, toward.coefficient, toward.fromStart, nesterov ? 1 : 0)
        newtonSchulz.orthogonalise(work.u.data, rows: rows, columns: columns, into: work.o.data)
        let keep = Float(1 - Double(learningRate) * Double(weightDecay))
        descent_decay_add(parameter.value.data, work.o.data, n, keep, Float(-adjustedLearningRate(rows: rows, columns: columns)))
    }
}

extension HyperParameter {
    /// Muon's number of Newton–Schulz steps (torch's `ns_steps`).
    public static let nsSteps = HyperParameter("nsSteps", summaryName: "ns_steps", flag: "--ns-steps",
                                               help: "Newton–Schulz steps")
    /// Muon's RMS-matching learning-rate adjustment (torch's `adjust_lr_fn="match_rms_adamw"`).
    public static let matchRMSAdamW = HyperParameter("matchRMSAdamW", summaryName: "match_rms_adamw",
                                                     flag: "--match-rms-adamw",
                                                     help: "Scale the update by 0.2·√max(A, B) instead of √max(1, A/B)",
                                                     isFlag: true)
    /// The learning rate of the parameters a rule hands to AdamW (Muon's biases).
    public static let adamLearningRate = HyperParameter("adamLearningRate", summaryName: "adam_lr", flag: "--adam-lr",
                                                        help: "Learning rate of the parameters updated by AdamW")
    /// The decoupled weight decay of the parameters a rule hands to AdamW.
    public static let adamWeightDecay = HyperParameter("adamWeightDecay", summaryName: "adam_weight_decay",
                                                       flag: "--adam-weight-decay",
                                                       help: "Weight decay of the parameters updated by AdamW")
}
