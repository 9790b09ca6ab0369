import CKernels

/// Fully connected layer with an optional fused activation.
///
/// ```
/// y = f(x Wᵀ + b)          x: batch × in,  W: out × in,  b: out
/// ∂L/∂z = ∂L/∂y ⊙ f'(y)     (z = x Wᵀ + b)
/// ∂L/∂W += (∂L/∂z)ᵀ x,  ∂L/∂b += Σ_rows ∂L/∂z,  ∂L/∂x = (∂L/∂z) W
/// ```
/// Weights are out × in (rows are units) as in PyTorch and Chainer, so a row of the
/// first layer is a 28×28 filter. Initialisation: Glorot/Xavier uniform
/// `W ~ U(−a, a), a = √(6 / (in + out))` (Glorot & Bengio 2010), zero bias.
/// The GEMM runs in OpenBLAS; bias and activation are one fused pass after it, and in
/// backward f'(y) and the bias-gradient row sum are one fused pass before the GEMMs.
public final class Linear: Layer {
    public let inputSize: Int
    public let outputSize: Int
    public let activation: Activation
    public let weight: Parameter
    public let bias: Parameter
    private var input: Tensor?
    private var output = Workspace()
    private var preGrad = Workspace()
    private var inputGrad = Workspace()

    /// A layer `in → out` whose weights are drawn from `generator`.
    public init(_ inputSize: Int, _ outputSize: Int, activation: Activation = .identity,
                name: String = "linear", generator: inout RandomGenerator) {
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.activation = activation
        let w = Tensor(shape: [outputSize, inputSize])
        let a = Float((6.0 / Double(inputSize + outputSize)).squareRoot())
        generator.fillUniform(w, low: -a, high: a)
        weight = Parameter(name: "\(name).weight", value: w)
        bias = Parameter(name: "\(name).bias", value: Tensor(shape: [outputSize]))
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.columns == inputSize, "Linear: input has \(x.columns) features, expected \(inputSize)")
        input = x
        let y = output.get([x.rows, outputSize])
        BLAS.gemm(x, weight.value, transposeB: true, into: y)
        activation.applyWithBias(y.data, bias: bias.value.data, rows: y.rows, columns: outputSize)
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let x = input, let y = output.tensor else { preconditionFailure("Linear.backward before forward") }
        // ∂L/∂z and the bias gradient in one pass.
        let gz = activation == .identity ? gradOutput : preGrad.get(gradOutput.shape)
        let biasGrad = bias.gradientForAccumulation(), weightGrad = weight.gradientForAccumulation()
        activation.backwardWithBiasGradient(output: y.data, gradient: gradOutput.data, into: gz.data,
                                            biasGradient: biasGrad.tensor.data, overwrite: biasGrad.overwrite,
                                            rows: gz.rows, columns: outputSize)
        BLAS.gemm(gz, transposeA: true, x, into: weightGrad.tensor, beta: weightGrad.overwrite ? 0 : 1)
        guard needsInputGradient else { return nil }
        let gx = inputGrad.get([gz.rows, inputSize])
        BLAS.gemm(gz, weight.value, into: gx)
        return gx
    }
}
