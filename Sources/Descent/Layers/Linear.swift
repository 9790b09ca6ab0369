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
/// The GEMM runs in oneDNN; bias and activation are one fused pass after it, and in
/// backward f'(y) and the bias-gradient row sum are one fused pass before the GEMMs.
/// A ReLU layer followed by `Dropout` in a `Sequential` also fuses the dropout into that
/// pass (`forward(_:dropout:)`): the same masks, one pass fewer each way, and no mask
/// array, since a kept ReLU unit is exactly one whose output is > 0.
public final class Linear: Layer {
    public let inputSize: Int
    public let outputSize: Int
    public let activation: Activation
    public let weight: Parameter
    public let bias: Parameter
    private var input: Tensor?
    /// The keep scale 1/(1 − p) when the last forward fused a dropout, else nil.
    private var fusedKeep: Float?
    private var output = Workspace()
    private var preGrad = Workspace()
    /// x Wᵀ + b, kept when the activation's derivative is written from it (gelu, silu).
    private var preActivation = Workspace()
    private var inputGrad = Workspace()

    /// A layer `in → out` whose weights are drawn from `generator`; throws unless both sizes are positive.
    public init(_ inputSize: Int, _ outputSize: Int, activation: Activation = .identity,
                name: String = "linear", generator: inout RandomGenerator) throws {
        guard inputSize > 0, outputSize > 0 else {
            throw DescentError("linear: sizes must be positive, got \(inputSize) inputs and \(outputSize) outputs")
        }
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
    public var outputWidth: Int? { outputSize }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.columns == inputSize, "Linear: input has \(x.columns) features, expected \(inputSize)")
        input = x
        fusedKeep = nil
        let y = output.get([x.rows, outputSize])
        BLAS.gemm(x, weight.value, transposeB: true, into: y)
        activation.applyWithBias(y.data, bias: bias.value.data, rows: y.rows, columns: outputSize,
                                 keeping: activation.derivativeNeedsInput ? preActivation.get(y.shape).data : nil)
        return y
    }

    /// Training forward of this ReLU layer and the `dropout` after it, fused:
    /// `y = relu(x Wᵀ + b) ⊙ m` with exactly the mask `dropout.forward` would draw (one key
    /// from its generator). The next `backward` is then that of both layers.
    func forward(_ x: Tensor, dropout: Dropout) -> Tensor {
        precondition(activation == .relu, "Linear: only a ReLU layer fuses its dropout")
        precondition(x.columns == inputSize, "Linear: input has \(x.columns) features, expected \(inputSize)")
        input = x
        let keep = dropout.keep
        fusedKeep = keep
        let y = output.get([x.rows, outputSize])
        BLAS.gemm(x, weight.value, transposeB: true, into: y)
        let key = Kernels.hashKey(&dropout.generator)
        let threshold = Kernels.threshold24(dropout.probability)
        let (cols, b) = (outputSize, bias.value.data)
        Parallel.forRanges(y.rows, elementsPerItem: cols) { r in
            descent_bias_relu_dropout(y.data + r.lowerBound * cols, b, r.count, cols, threshold, keep,
                                      key.0, key.1, r.lowerBound * cols)
        }
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let x = input, let y = output.tensor else { preconditionFailure("Linear.backward before forward") }
        // ∂L/∂z and the bias gradient in one pass (through the fused dropout, if any).
        let gz = activation == .identity ? gradOutput : preGrad.get(gradOutput.shape)
        let biasGrad = bias.gradientForAccumulation(), weightGrad = weight.gradientForAccumulation()
        if let keep = fusedKeep {
            let (rows, cols) = (gz.rows, outputSize)
            let (yd, gd, od, bd) = (y.data, gradOutput.data, gz.data, biasGrad.tensor.data)
            let overwrite: Int32 = biasGrad.overwrite ? 1 : 0
            Parallel.forRanges(cols, alignedTo: 16, elementsPerItem: rows) { c in
                let lo = c.lowerBound
                descent_relu_dropout_backward(yd + lo, gd + lo, od + lo, bd + lo, overwrite, rows, c.count, cols, keep)
            }
        } else {
            activation.backwardWithBiasGradient(output: activation.derivativeNeedsInput ? preActivation.tensor!.data : y.data, gradient: gradOutput.data, into: gz.data,
                                                biasGradient: biasGrad.tensor.data, overwrite: biasGrad.overwrite,
                                                rows: gz.rows, columns: outputSize)
        }
        BLAS.gemm(gz, transposeA: true, x, into: weightGrad.tensor, beta: weightGrad.overwrite ? 0 : 1)
        guard needsInputGradient else { return nil }
        let gx = inputGrad.get([gz.rows, inputSize])
        BLAS.gemm(gz, weight.value, into: gx)
        return gx
    }
}

extension Linear {
    /// `linear(units, tied=i)`: a fully connected layer of `units` outputs; an activation
    /// layer right after it is fused into it. With `tied=i` it is a `TiedLinear` that uses
    /// the transpose of layer i's weight (an autoencoder's decoder) and has only a bias.
    public static let kind = LayerKind(
        name: "linear", summary: "fully connected y = x Wᵀ + b, Glorot-uniform W, zero b; flattens its input; tied=i: W = (layer i's W)ᵀ",
        arguments: [.positiveInt("units"), LayerArgument("tied", .int, optional: true) { v in (v.intValue ?? -1) >= 0 ? nil : "must be a layer index ≥ 0" }],
        fusesActivation: true,
        outputShape: { spec, _ in [spec.int("units")!] },
        parameterCount: { spec, shape in
            let units = spec.int("units")!
            return spec.int("tied") == nil ? LayerKind.sum(LayerKind.product([units] + shape), units) : units
        },
        onnx: Linear.onnxForm,
        make: { spec, context in
            let units = spec.int("units")!
            guard let t = spec.int("tied") else {
                return try Linear(context.inputCount, units, activation: context.activation, name: context.name,
                              generator: &context.weights)
            }
            guard let encoder = context.built[t] as? Linear,
                  encoder.outputSize == context.inputCount, encoder.inputSize == units else {
                throw DescentError("layer \(context.index) (\(spec)): layer \(t) is not a linear layer of \(units) inputs and \(context.inputCount) outputs")
            }
            return TiedLinear(transposeOf: encoder.weight, activation: context.activation, name: context.name)
        })
}

extension LayerSpec {
    /// `linear(units)`, or with `tied` the decoder that uses layer `tied`'s weight transposed.
    public static func linear(_ units: Int, tied: Int? = nil) throws -> LayerSpec {
        var options: [String: LayerOption] = ["units": .int(units)]
        if let tied { options["tied"] = .int(tied) }
        return try LayerSpec(Linear.kind, options)
    }
}

extension Linear {
    /// ONNX: y = x Wᵀ + b is Gemm(x, W, b, transB=1), after a Flatten when the input is not
    /// flat; tied to layer t, y = x W_t + b is Gemm(x, W_t, b) with the encoder's own initializer.
    public static let onnxForm: ONNXExport.Exporter = { g, layer in
        if layer.inputShape.count > 1 { g.apply("Flatten", layer, suffix: "flatten", attributes: [("axis", .int(1))]) }
        let bias = try g.parameter("\(layer.name).bias")
        if let t = layer.spec.int("tied") {
            g.apply("Gemm", layer, inputs: [try g.parameter("layers.\(t).weight"), bias])
        } else {
            g.apply("Gemm", layer, inputs: [try g.parameter("\(layer.name).weight"), bias], attributes: [("transB", .int(1))])
        }
    }
}
