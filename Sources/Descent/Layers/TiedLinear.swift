/// A decoder layer that reuses an encoder's weight transposed, with its own bias
/// (tied weights, as in Vincent et al. 2010 and deeplearning.net's dA):
///
/// ```
/// encoder: h = f(x Wᵀ + b)          W: hidden × in
/// decoder: y = g(h W + c)           (this layer; c: in)
/// ∂L/∂z = ∂L/∂y ⊙ g'(y)
/// ∂L/∂W += hᵀ (∂L/∂z)   (hidden × in, added to the *shared* gradient)
/// ∂L/∂c += Σ_rows ∂L/∂z,   ∂L/∂h = (∂L/∂z) Wᵀ
/// ```
/// `parameters` lists only the bias: the weight belongs to the encoder, whose gradient
/// therefore receives both contributions (`+=`) during one backward pass.
public final class TiedLinear: Layer {
    /// The encoder's weight (hidden × in); this layer maps hidden → in.
    public let tiedWeight: Parameter
    public let bias: Parameter
    public let activation: Activation
    private var input: Tensor?
    private var output = Workspace()
    private var preGrad = Workspace()
    /// x Wᵀ + b, kept when the activation's derivative is written from it (gelu, silu).
    private var preActivation = Workspace()
    private var inputGrad = Workspace()

    public init(transposeOf weight: Parameter, activation: Activation = .identity, name: String = "decoder") {
        tiedWeight = weight
        self.activation = activation
        bias = Parameter(name: "\(name).bias", value: Tensor(shape: [weight.value.columns]))
    }

    public var inputSize: Int { tiedWeight.value.rows }
    public var outputSize: Int { tiedWeight.value.columns }
    public var parameters: [Parameter] { [bias] }
    public var sharedParameters: [Parameter] { [tiedWeight] }
    public var outputWidth: Int? { outputSize }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.columns == inputSize, "TiedLinear: input has \(x.columns) features, expected \(inputSize)")
        input = x
        let y = output.get([x.rows, outputSize])
        BLAS.gemm(x, tiedWeight.value, into: y)
        activation.applyWithBias(y.data, bias: bias.value.data, rows: y.rows, columns: outputSize,
                                 keeping: activation.derivativeNeedsInput ? preActivation.get(y.shape).data : nil)
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let x = input, let y = output.tensor else { preconditionFailure("TiedLinear.backward before forward") }
        let gz: Tensor
        if activation == .identity {
            gz = gradOutput
        } else {
            gz = preGrad.get(gradOutput.shape)
            activation.backward(output: activation.derivativeNeedsInput ? preActivation.tensor!.data : y.data,
                                gradient: gradOutput.data, into: gz.data, count: gz.count)
        }
        let weightGrad = tiedWeight.gradientForAccumulation(), biasGrad = bias.gradientForAccumulation()
        BLAS.gemm(x, transposeA: true, gz, into: weightGrad.tensor, beta: weightGrad.overwrite ? 0 : 1)
        Reductions.sumRows(gz.data, rows: gz.rows, columns: outputSize, into: biasGrad.tensor.data,
                           accumulate: !biasGrad.overwrite)
        guard needsInputGradient else { return nil }
        let gx = inputGrad.get([gz.rows, inputSize])
        BLAS.gemm(gz, tiedWeight.value, transposeB: true, into: gx)
        return gx
    }
}
