import Foundation

/// Shampoo with Adam grafting, in the form of Distributed Shampoo's default algorithm
/// (blocked Kronecker-factored preconditioners, first moment, grafting), on matrices; every
/// other parameter goes to AdamW with the same β, ε and decay (what the grafting reduces to).
///
/// For a parameter with 2 or more dimensions, viewed as rows = its first dimension × the
/// rest, cut into blocks of at most `blockSize` × `blockSize` (as Distributed Shampoo's
/// `max_preconditioner_dim`); per step t, with G the gradient:
/// ```
/// θ ← θ·(1 − lr·λ)                                    decoupled decay
/// m ← m + (1 − β1)·(G − m);  v ← β2·v + (1 − β2)·G²   (m, v start at 0)
/// M = m/(1 − β1ᵗ);  A = M / (√(v/(1 − β2ᵗ)) + ε)      Adam's direction (the graft)
/// per block b:  L ← β2·L + (1 − β2)·G_b·G_bᵀ;  R ← β2·R + (1 − β2)·G_bᵀ·G_b
///   every f steps:  L̃ ← (L/(1 − β2ᵗ) + ε′I)^(−1/4);  R̃ ← (R/(1 − β2ᵗ) + ε′I)^(−1/4)
///   from step f on: P = L̃·M_b·R̃;  D_b = P·‖A_b‖/‖P‖   (Frobenius norms; D_b = A_b if ‖P‖ = 0)
///   before step f:  D_b = A_b
/// θ ← θ − lr·D
/// ```
/// Gupta, Koren & Singer 2018, "Shampoo: Preconditioned Stochastic Tensor Optimization";
/// Shi et al. 2023, "A Distributed Data-Parallel PyTorch Implementation of the Distributed
/// Shampoo Optimizer for Training Neural Networks At-Scale" (grafting, blocking, the
/// bias-corrected factor matrices, ε′ = 1e-12); Anil et al. 2020 (grafting). The inverse
/// roots come from an eigendecomposition in Double (`InverseRoot`: LAPACK `dsyevd` in
/// OpenBLAS); if LAPACK fails on a matrix the previous root is kept. The factor products and
/// P are `BLAS.gemm` products in float32. Simplifications against Distributed Shampoo: one
/// β2 for the factors and the graft, one root method, no per-dimension merging.
/// The reference the fixtures come from is `Tools/shampoo_reference.py` (this algorithm in
/// torch, float32 with float64 eigendecompositions), not a released package.
/// State: `exp_avg`, `exp_avg_sq`, and per block k `L.k`, `R.k`, `L.k.root`, `R.k.root`;
/// AdamW's for the others. Defaults: `lr = 0.001`, β = (0.9, 0.999), ε = 1e-8, ε′ = 1e-12,
/// f = 10, block 1024, λ = 0.
public final class Shampoo: TensorOptimizer {
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    public let rootEpsilon: Float
    public let updateFrequency: Int
    public let blockSize: Int
    public let weightDecay: Float
    private let roots = InverseRoot()
    /// Per parameter shape: M, A and D (the parameter's shape); per block shape: L̃·M and P.
    private var whole: [[Int]: (m: Tensor, a: Tensor, d: Tensor)] = [:]
    private var perBlock: [[Int]: (t: Tensor, p: Tensor)] = [:]

    /// `--optimizer shampoo`. Traffic: the element-wise part (θ, g, m, v read; θ, m, v written).
    public static let rule = OptimizerRule(
        name: "shampoo", displayName: "Shampoo",
        options: [.learningRate(0.001), .number(.beta1, default: 0.9, in: .unitInterval),
                  .number(.beta2, default: 0.999, in: .unitInterval), .number(.epsilon, default: 1e-8, in: .positive),
                  .number(.rootEpsilon, default: 1e-12, in: .positive),
                  .number(.updateFrequency, default: 10, in: .positive),
                  .number(.blockSize, default: 1024, in: .positive), .weightDecay(0)],
        traffic: .init(reads: 4, writes: 3)) { v in
            try Shampoo(learningRate: v[.learningRate], beta1: v[.beta1], beta2: v[.beta2], epsilon: v[.epsilon],
                        rootEpsilon: v[.rootEpsilon], updateFrequency: v[.updateFrequency], blockSize: v[.blockSize],
                        weightDecay: v[.weightDecay])
        }

    public init(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                rootEpsilon: Float = 1e-12, updateFrequency: Float = 10, blockSize: Float = 1024,
                weightDecay: Float = 0) throws {
        let values: [HyperParameter: Float] = [.beta1: beta1, .beta2: beta2, .epsilon: epsilon, .rootEpsilon: rootEpsilon,
                                               .updateFrequency: updateFrequency, .blockSize: blockSize, .weightDecay: weightDecay]
        try Self.rule.validate(values.merging([.learningRate: learningRate]) { a, _ in a })
        for (name, v) in [("update_frequency", updateFrequency), ("block_size", blockSize)] where v != v.rounded() || v > 65_536 {
            throw DescentError("shampoo: \(name) must be a whole number in 1...65536, got \(v)")
        }
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.rootEpsilon = rootEpsilon
        self.updateFrequency = Int(updateFrequency)
        self.blockSize = Int(blockSize)
        self.weightDecay = weightDecay
        let adamw = try AdamW(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        try super.init(rule: Self.rule, learningRate: learningRate, checking: values, others: adamw)
    }

    public override var stateTensorCount: Int { 2 }

    /// Matrices: parameters with 2 or more dimensions.
    public override func handles(_ parameter: Parameter) -> Bool { parameter.value.shape.count >= 2 }

    /// The blocks of a rows × columns matrix: row range × column range, row-major order.
    func blocks(rows: Int, columns: Int) -> [(r: Range<Int>, c: Range<Int>)] {
        stride(from: 0, to: rows, by: blockSize).flatMap { r in
            stride(from: 0, to: columns, by: blockSize).map { c in
                (r..<Swift.min(r + blockSize, rows), c..<Swift.min(c + blockSize, columns))
            }
        }
    }

    private func matrixShape(_ p: Parameter) -> (rows: Int, columns: Int) {
        let rows = p.value.shape[0]
        return (rows, p.count / Swift.max(rows, 1))
    }

    public override func initialState(for parameter: Parameter) -> [String: Tensor] {
        var state = ["exp_avg": Tensor(shape: parameter.value.shape), "exp_avg_sq": Tensor(shape: parameter.value.shape)]
        let (rows, columns) = matrixShape(parameter)
        for (k, b) in blocks(rows: rows, columns: columns).enumerated() {
            state["L.\(k)"] = Tensor(shape: [b.r.count, b.r.count])
            state["R.\(k)"] = Tensor(shape: [b.c.count, b.c.count])
            state["L.\(k).root"] = Tensor(shape: [b.r.count, b.r.count])
            state["R.\(k).root"] = Tensor(shape: [b.c.count, b.c.count])
        }
        return state
    }

    public override func update(_ parameter: Parameter, state: State) {
        let n = parameter.count, t = state.step
        let (rows, columns) = matrixShape(parameter)
        let shape = parameter.value.shape
        let w: (m: Tensor, a: Tensor, d: Tensor)
        if let s = whole[shape] { w = s } else {
            w = (Tensor(shape: shape), Tensor(shape: shape), Tensor(shape: shape))
            whole[shape] = w
        }
        let g = parameter.grad.data, theta = parameter.value.data
        let m = state["exp_avg"].data, v = state["exp_avg_sq"].data
        let lerp = LerpWeight(Float(1 - Double(beta1)))
        let oneMinusBeta2 = Float(1 - Double(beta2))
        let bc1 = Float(1 - pow(Double(beta1), Double(t)))
        let bc2 = 1 - pow(Double(beta2), Double(t))
        for i in 0..<n {
            let gi = g[i]
            m[i] = lerp.fromStart != 0 ? m[i].addingProduct(lerp.coefficient, gi - m[i])
                                       : gi.addingProduct(lerp.coefficient, gi - m[i])
            v[i] = (v[i] * beta2).addingProduct(oneMinusBeta2 * gi, gi)
            w.m[i] = m[i] / bc1
            w.a[i] = w.m[i] / ((v[i] / Float(bc2)).squareRoot() + epsilon)
        }
        let refresh = t % updateFrequency == 0, precondition = t >= updateFrequency
        for (k, b) in blocks(rows: rows, columns: columns).enumerated() {
            let (mb, nb) = (b.r.count, b.c.count)
            let offset = b.r.lowerBound * columns + b.c.lowerBound
            let l = state["L.\(k)"], r = state["R.\(k)"], lRoot = state["L.\(k).root"], rRoot = state["R.\(k).root"]
            BLAS.gemm(m: mb, n: mb, k: nb, g + offset, lda: columns, transposeA: false, g + offset, ldb: columns,
                      transposeB: true, l.data, ldc: mb, alpha: oneMinusBeta2, beta: beta2)           // L ← β2·L + (1 − β2)·G·Gᵀ
            BLAS.gemm(m: nb, n: nb, k: mb, g + offset, lda: columns, transposeA: true, g + offset, ldb: columns,
                      transposeB: false, r.data, ldc: nb, alpha: oneMinusBeta2, beta: beta2)          // R ← β2·R + (1 − β2)·Gᵀ·G
            if refresh {
                // A failure (LAPACK's or a missing library, which init does not check) keeps the previous root.
                try? roots.compute(l, scale: bc2, epsilon: Double(rootEpsilon), power: 4, into: lRoot)
                try? roots.compute(r, scale: bc2, epsilon: Double(rootEpsilon), power: 4, into: rRoot)
            }
            var useAdam = !precondition
            if precondition {
                let key = [mb, nb]
                let s: (t: Tensor, p: Tensor)
                if let x = perBlock[key] { s = x } else { s = (Tensor(shape: key), Tensor(shape: key)); perBlock[key] = s }
                BLAS.gemm(m: mb, n: nb, k: mb, lRoot.data, lda: mb, transposeA: false, w.m.data + offset, ldb: columns,
                          transposeB: false, s.t.data, ldc: nb)                                       // L̃·M_b
                BLAS.gemm(m: mb, n: nb, k: nb, s.t.data, lda: nb, transposeA: false, rRoot.data, ldb: nb,
                          transposeB: false, s.p.data, ldc: nb)                                       // P = L̃·M_b·R̃
                var normA = 0.0, normP = 0.0
                for i in 0..<mb {
                    for j in 0..<nb {
                        let a = Double(w.a[offset + i * columns + j]), p = Double(s.p.data[i * nb + j])
                        normA += a * a
                        normP += p * p
                    }
                }
                if normP > 0 {
                    let scale = Float(normA.squareRoot() / normP.squareRoot())
                    for i in 0..<mb { for j in 0..<nb { w.d[offset + i * columns + j] = s.p.data[i * nb + j] * scale } }
                } else {
                    useAdam = true
                }
            }
            if useAdam {
                for i in 0..<mb { for j in 0..<nb { w.d[offset + i * columns + j] = w.a[offset + i * columns + j] } }
            }
        }
        let keep = Float(1 - Double(learningRate) * Double(weightDecay)), negativeLR = -learningRate
        for i in 0..<n { theta[i] = (theta[i] * keep).addingProduct(negativeLR, w.d[i]) }
    }
}

extension HyperParameter {
    /// Shampoo's ε′, added to the factor matrices' eigenvalues before the inverse root.
    public static let rootEpsilon = HyperParameter("rootEpsilon", summaryName: "root_eps", flag: "--root-eps",
                                                   help: "ε added to the preconditioners' eigenvalues")
    /// Shampoo's preconditioner update frequency, in steps (also the step preconditioning starts).
    public static let updateFrequency = HyperParameter("updateFrequency", summaryName: "update_frequency",
                                                       flag: "--update-frequency",
                                                       help: "Steps between inverse-root updates; preconditioning starts at that step")
    /// Shampoo's largest preconditioner dimension: larger dimensions are cut into blocks.
    public static let blockSize = HyperParameter("blockSize", summaryName: "block_size", flag: "--block-size",
                                                 help: "Largest preconditioner dimension; larger ones are blocked")
}
