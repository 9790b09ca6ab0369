/// What `Dropout` and `MaskingNoise` share: in training, multiply the input by a mask of
/// 0 (probability `p`) or `keep` — 1/(1−p) for inverted dropout, 1 for masking noise —
/// drawn by the hashed kernel with one key from the layer's generator per forward, and
/// keep the mask for backward (∂L/∂x = ∂L/∂y ⊙ mask). Evaluation, or p = 0, is the identity.
struct BernoulliMask {
    let probability: Float
    let keep: Float
    private var output = Workspace()
    private var mask = Workspace()
    private var inputGrad = Workspace()
    private var wasTraining = false

    init(probability: Float, keep: Float) {
        self.probability = probability
        self.keep = keep
    }

    mutating func forward(_ x: Tensor, training: Bool, generator: inout RandomGenerator) -> Tensor {
        wasTraining = training && probability > 0
        guard wasTraining else { return x }
        let y = output.get(x.shape)
        let m = mask.get(x.shape)
        Kernels.bernoulli(x.data, into: y.data, mask: m.data, count: x.count,
                          threshold: Kernels.threshold24(probability), keep: keep, key: Kernels.hashKey(&generator))
        return y
    }

    mutating func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        guard wasTraining, let m = mask.tensor else { return gradOutput }
        let gx = inputGrad.get(gradOutput.shape)
        Kernels.multiply(gradOutput.data, m.data, into: gx.data, count: gx.count)
        return gx
    }
}
