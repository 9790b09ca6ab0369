import CKernels

/// Transposed 2-D convolution ("deconvolution") with an optional fused activation, as
/// PyTorch's `ConvTranspose2d`: the adjoint of a `Conv2D` with the same kernel k, stride s
/// and padding p, used to grow feature maps in decoders.
///
/// ```
/// x: N × C × H × W,   W: C × C_out × k × k (torch's layout: input channels first),   b: C_out
/// H_out = (H − 1)·s − 2p + k + output_padding    (likewise W_out; output_padding < s)
/// y[n, o, i·s + u − p, j·s + v − p] += W[c, o, u, v] · x[n, c, i, j]   for every c, i, j, u, v; then y = f(y + b)
/// per example:  y_n = col2im(Wᵀ · x_n)        (C_out·k·k × C) · (C × H·W), geometry of the conv y → x
/// backward:     G = ∂L/∂y ⊙ f'(y),  ∂L/∂W += x_n · col(G)ᵀ,  ∂L/∂b += Σ_positions G,  ∂L/∂x_n = W · col(G)
/// ```
/// Example: `convtranspose2d(16, 4, stride=2, padding=1)` maps 32×7×7 to 16×14×14, like
/// `nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1)`. Implemented as `Conv2D` is (one
/// example per product on its thread, `ExampleLanes` for bit-identical results on any
/// thread count), with the roles of im2col and col2im exchanged.
public final class ConvTranspose2D: Layer {
    /// The input shape C × H × W.
    public let inputShape: [Int]
    public let outChannels: Int
    /// The geometry of the convolution this layer is the adjoint of: from the output
    /// (C_out × H_out × W_out) to the input (C × H × W).
    public let geometry: ConvGeometry
    public let activation: Activation
    public let weight: Parameter
    public let bias: Parameter?
    private var input: Tensor?
    private var buffers: ConvBuffers
    /// The transposed convolution plus bias, kept when the activation's derivative is written from it (gelu, silu).
    private var preActivation = Workspace()

    public init(inputShape: [Int], outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
                bias: Bool = true, activation: Activation = .identity, initialization: ConvInit = .glorot,
                name: String = "convtranspose2d", generator: inout RandomGenerator) throws {
        let (h, w) = try ConvTranspose2D.outputSize(inputShape, kernel: kernel, stride: stride, padding: padding, outputPadding: outputPadding)
        self.inputShape = inputShape
        self.outChannels = outChannels
        geometry = ConvGeometry(channels: outChannels, height: h, width: w, kernel: kernel, stride: stride,
                                padTop: padding, padLeft: padding, padBottom: padding, padRight: padding)
        self.activation = activation
        (weight, self.bias) = initialization.parameters(weightShape: [inputShape[0], outChannels, kernel, kernel],
                                                        biasCount: outChannels, bias: bias, name: name, generator: &generator)
        buffers = ConvBuffers(weightCount: weight.value.count, biasCount: outChannels)
    }

    /// H_out × W_out for an input C × H × W, or an error naming what does not fit.
    static func outputSize(_ shape: [Int], kernel: Int, stride: Int, padding: Int, outputPadding: Int) throws -> (Int, Int) {
        guard shape.count == 3 else {
            throw DescentError("needs a C×H×W input (e.g. after reshape(C, H, W)), got \(ModelSpec.shapeText(shape))")
        }
        guard outputPadding < stride else { throw DescentError("output_padding must be smaller than the stride (\(stride)), got \(outputPadding)") }
        let h = (shape[1] - 1) * stride - 2 * padding + kernel + outputPadding
        let w = (shape[2] - 1) * stride - 2 * padding + kernel + outputPadding
        guard h >= 1, w >= 1 else { throw DescentError("padding \(padding) leaves no output of a \(shape[1])×\(shape[2]) input") }
        return (h, w)
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// The shape of one output example, C_out × H_out × W_out.
    public var outputShape: [Int] { [outChannels, geometry.height, geometry.width] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry
        let c = inputShape[0], q = g.outPlane  // q = H·W of the input
        precondition(x.columns == c * q, "ConvTranspose2D: input has \(x.columns) values per example, expected \(c * q)")
        input = x
        let n = x.rows
        let y = buffers.output.get([n] + outputShape)
        let (o, k, outCount) = (outChannels, g.columnRows, g.inputCount)
        let (w, b, code, xd, yd) = (weight.value.data, bias?.value.data, activation.kernelCode, x.data, y.data)
        let pre = activation.derivativeNeedsInput ? preActivation.get([n, outCount]).data : nil
        let parts = buffers.threadBuffers()
        ExampleLanes.run(examples: n) { _, examples, part in
            let col = parts[part].buffer(0, count: k * q)
            let scratch = parts[part].buffer(3, count: g.scratchCount)
            for e in examples {
                let ye = yd + e * outCount
                BLAS.gemmUnsplit(m: k, n: q, k: c, w, lda: k, transposeA: true, xd + e * c * q, ldb: q, transposeB: false,
                                 col, ldc: q, part: part)
                g.col2im(col, into: ye, scratch: scratch)
                if let pre {
                    descent_channel_bias_activation_keeping(ye, b, pre + e * outCount, o, g.height * g.width, code)
                } else if b != nil || code != 0 {
                    descent_channel_bias_activation(ye, b, o, g.height * g.width, code)
                }
            }
        }
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let x = input, let y = buffers.output.tensor else { preconditionFailure("ConvTranspose2D.backward before forward") }
        let g = geometry
        let n = x.rows
        let c = inputShape[0], q = g.outPlane
        let (o, k, outCount, plane) = (outChannels, g.columnRows, g.inputCount, g.height * g.width)
        let (gz, gx) = buffers.gradients(gradOutput, throughActivation: activation != .identity, input: x,
                                         needsInputGradient: needsInputGradient)
        let (w, code, hasBias) = (weight.value.data, activation.kernelCode, bias != nil)
        let (xd, gyd, gzd, gxd) = (x.data, gradOutput.data, gz.data, gx?.data)
        // f' is written from the output, or from the kept pre-activation (gelu, silu).
        let yd = activation.derivativeNeedsInput ? preActivation.tensor!.data : y.data
        let (sums, parts) = (buffers.sums, buffers.threadBuffers())
        ExampleLanes.run(examples: n) { lane, examples, part in
            let col = parts[part].buffer(0, count: k * q)
            let scratch = parts[part].buffer(3, count: g.scratchCount)
            let dw = sums.weight.lane(lane), db = sums.bias.lane(lane)
            if hasBias { db.update(repeating: 0, count: o) }
            for e in examples {
                let ze = gzd + e * outCount, xe = xd + e * c * q
                if hasBias || code != 0 {
                    descent_channel_activation_backward(yd + e * outCount, gyd + e * outCount, ze, hasBias ? db : nil, o, plane, code)
                }
                g.im2col(ze, into: col, scratch: scratch)
                BLAS.gemmUnsplit(m: c, n: k, k: q, xe, lda: q, transposeA: false, col, ldb: q, transposeB: true,
                                 dw, ldc: k, beta: e == examples.lowerBound ? 0 : 1, part: part)
                guard let gxd else { continue }
                BLAS.gemmUnsplit(m: c, n: q, k: k, w, lda: k, transposeA: false, col, ldb: q, transposeB: false,
                                 gxd + e * c * q, ldc: q, part: part)
            }
        }
        sums.add(into: weight, bias, examples: n)
        return gx
    }
}

extension ConvTranspose2D {
    /// `convtranspose2d(out_channels, kernel, stride=1, padding=0, output_padding=0, bias=true, init=glorot)`.
    public static let kind = LayerKind(
        name: "convtranspose2d", summary: "transposed 2-D convolution (torch ConvTranspose2d), weight C×C_out×k×k; H_out = (H−1)·stride − 2·padding + k + output_padding",
        arguments: [.positiveInt("out_channels"), .positiveInt("kernel"), .positiveInt("stride", default: 1),
                    .padding(allowsSame: false),
                    LayerArgument("output_padding", .int, default: .int(0)) { v in (v.intValue ?? -1) >= 0 ? nil : "must be ≥ 0" },
                    .bias, .convInit],
        isSpatial: true, fusesActivation: true,
        outputShape: { spec, shape in
            let (h, w) = try outputSize(shape, kernel: spec.int("kernel")!, stride: spec.int("stride")!,
                                        padding: spec.int("padding")!, outputPadding: spec.int("output_padding")!)
            return [spec.int("out_channels")!, h, w]
        },
        parameterCount: { spec, shape in  // C·C_out·k·k weights (+ C_out biases)
            let (out, k) = (spec.int("out_channels")!, spec.int("kernel")!)
            return LayerKind.sum(LayerKind.product([shape.first ?? 1, out, k, k]), spec.flag("bias")! ? out : 0)
        },
        onnx: ConvTranspose2D.onnxForm,
        make: { spec, context in
            try ConvTranspose2D(inputShape: context.inputShape, outChannels: spec.int("out_channels")!, kernel: spec.int("kernel")!,
                                stride: spec.int("stride")!, padding: spec.int("padding")!, outputPadding: spec.int("output_padding")!,
                                bias: spec.flag("bias")!, activation: context.activation,
                                initialization: ConvInit(rawValue: spec.word("init")!)!, name: context.name, generator: &context.weights)
        })
}

extension LayerSpec {
    /// `convtranspose2d(outChannels, kernel, …)`.
    public static func convTranspose2d(_ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, outputPadding: Int = 0,
                                       bias: Bool = true, initialization: ConvInit = .glorot) throws -> LayerSpec {
        try LayerSpec(ConvTranspose2D.kind, ["out_channels": .int(outChannels), "kernel": .int(kernel), "stride": .int(stride),
                                          "padding": .int(padding), "output_padding": .int(outputPadding), "bias": .bool(bias),
                                          "init": .word(initialization.rawValue)])
    }
}

extension ConvTranspose2D {
    /// ONNX: ConvTranspose, H_out = (H − 1)·stride − 2·padding + k + output_padding as torch's.
    public static let onnxForm: ONNXExport.Exporter = { g, layer in
        let s = layer.spec
        let (k, stride, p, op) = (s.int("kernel")!, s.int("stride")!, s.int("padding")!, s.int("output_padding")!)
        var inputs = [try g.parameter("\(layer.name).weight")]
        if s.flag("bias")! { inputs.append(try g.parameter("\(layer.name).bias")) }
        g.apply("ConvTranspose", layer, inputs: inputs, attributes: [
            ("kernel_shape", .ints([k, k])), ("strides", .ints([stride, stride])), ("pads", .ints([p, p, p, p])),
            ("output_padding", .ints([op, op])),
        ])
    }
}
