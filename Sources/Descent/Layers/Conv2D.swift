import CKernels

/// 2-D convolution with an optional fused activation, as PyTorch's `Conv2d` (a
/// cross-correlation; square kernel k, stride s, zero padding; see `ConvGeometry`):
///
/// ```
/// x: N × C × H × W,   W: C_out × C × k × k,   b: C_out,   y: N × C_out × H_out × W_out
/// y[n, o, i, j] = f(b[o] + Σ_{c,u,v} W[o, c, u, v] · x[n, c, i·s + u − t, j·s + v − l])
/// per example:  Z = W · col(x_n)             (C_out × C·k·k) · (C·k·k × H_out·W_out)
/// backward:     G = ∂L/∂Z = ∂L/∂y ⊙ f'(y),  ∂L/∂Wᵀ += col(x_n) · Gᵀ,  ∂L/∂b += Σ_positions G,
///               ∂L/∂x_n = col2im(Wᵀ · G)
/// ```
/// Example: `Conv2D(inputShape: [1, 28, 28], outChannels: 6, kernel: 5, padding: .zeros(2))`
/// maps 1×28×28 to 6×28×28, like `nn.Conv2d(1, 6, 5, padding=2)`; its weight is
/// `layers.i.weight` of shape 6 × 1 × 5 × 5, so safetensors files load into torch as they are.
///
/// Each example is one im2col (`ConvGeometry`) into a buffer of its thread, one product in
/// oneDNN (single-threaded, `BLAS.gemmUnsplit`) written straight into the example's
/// C_out × H_out·W_out output, then bias + activation in one pass while it is in cache.
/// The examples are spread over the threads by `ExampleLanes`, which also orders the sums of
/// the weight and bias gradients, so outputs and gradients have the same bits on any thread
/// count. Backward recomputes the im2col of each example rather than keeping the batch's
/// (which would be C·k²·H_out·W_out floats per example). The input is read as rows of
/// C·H·W values whatever its shape.
public final class Conv2D: Layer {
    public let geometry: ConvGeometry
    public let outChannels: Int
    public let activation: Activation
    public let weight: Parameter
    public let bias: Parameter?
    private var input: Tensor?
    /// The max pooling the last forward computed with this layer, if any.
    private var fusedPool: MaxPool2D?
    private var buffers: ConvBuffers
    /// The convolution plus bias, kept when the activation's derivative is written from it (gelu, silu).
    private var preActivation = Workspace()

    /// A convolution of `inputShape` (C × H × W) to `outChannels` channels, weights from `generator`.
    public init(inputShape: [Int], outChannels: Int, kernel: Int, stride: Int = 1, padding: ConvPadding = .zeros(0),
                bias: Bool = true, activation: Activation = .identity, initialization: ConvInit = .glorot,
                name: String = "conv2d", generator: inout RandomGenerator) throws {
        geometry = try ConvGeometry(inputShape: inputShape, kernel: kernel, stride: stride, padding: padding)
        self.outChannels = outChannels
        self.activation = activation
        (weight, self.bias) = initialization.parameters(weightShape: [outChannels, inputShape[0], kernel, kernel],
                                                        biasCount: outChannels, bias: bias, name: name, generator: &generator)
        buffers = ConvBuffers(weightCount: weight.value.count, biasCount: outChannels)
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    /// The shape of one output example, C_out × H_out × W_out.
    public var outputShape: [Int] { [outChannels, geometry.outHeight, geometry.outWidth] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor { forward(x, pool: nil) }

    /// The forward pass of this layer and, if given, of the max pooling after it (whose
    /// windows must not overlap, `MaxPool2D.isFusable`), in one pass per example: the
    /// convolution's output stays in a buffer of its thread and only the pooled values and
    /// their argmax (in `pool`'s buffers) are written. The next `backward` is then that of
    /// both layers, with ∂L/∂(pooled output); the results are those of the separate layers,
    /// bit for bit.
    func forward(_ x: Tensor, pool: MaxPool2D?) -> Tensor {
        let g = geometry
        precondition(x.columns == g.inputCount, "Conv2D: input has \(x.columns) values per example, expected \(g.inputCount)")
        precondition(pool == nil || !activation.derivativeNeedsInput, "Conv2D: \(activation) is not fused with pooling")
        input = x
        fusedPool = pool
        let n = x.rows
        let (o, k, p, inCount) = (outChannels, g.columnRows, g.outPlane, g.inputCount)
        let (w, b, code, xd) = (weight.value.data, bias?.value.data, activation.kernelCode, x.data)
        let pooled = pool?.prepare(examples: n)
        let y = pooled?.output ?? buffers.output.get([n] + outputShape)
        let yd = y.data
        let pre = activation.derivativeNeedsInput ? preActivation.get([n, o * p]).data : nil
        var pg = pool?.geometry.c ?? descent_pool_geometry()
        let q = pool?.geometry.outPlane ?? p
        let parts = buffers.threadBuffers()
        ExampleLanes.run(examples: n) { _, examples, part in
            let col = g.isPointwise ? nil : parts[part].buffer(0, count: k * p)
            let scratch = parts[part].buffer(3, count: g.scratchCount)
            let z = pooled == nil ? nil : parts[part].buffer(2, count: o * p)
            for e in examples {
                let xe = xd + e * inCount, ze = z ?? yd + e * o * p
                col.map { g.im2col(xe, into: $0, scratch: scratch) }
                BLAS.gemmUnsplit(m: o, n: p, k: k, w, lda: k, transposeA: false, UnsafePointer(col ?? xe), ldb: p, transposeB: false,
                                 ze, ldc: p, part: part)
                if let pre {
                    descent_channel_bias_activation_keeping(ze, b, pre + e * o * p, o, p, code)
                } else if b != nil || code != 0 {
                    descent_channel_bias_activation(ze, b, o, p, code)
                }
                if let pooled { descent_maxpool_forward(ze, yd + e * o * q, pooled.argmax + e * o * q, o, &pg) }
            }
        }
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let x = input, let y = fusedPool?.output.tensor ?? buffers.output.tensor else { preconditionFailure("Conv2D.backward before forward") }
        let g = geometry
        let n = x.rows
        let (o, k, p, inCount) = (outChannels, g.columnRows, g.outPlane, g.inputCount)
        let pool = fusedPool
        var pg = pool?.geometry.c ?? descent_pool_geometry()
        let q = pool?.geometry.outPlane ?? p
        let argmax = pool?.argmaxBuffer
        let (gz, gx) = buffers.gradients(gradOutput, throughActivation: activation != .identity && pool == nil, input: x,
                                         needsInputGradient: needsInputGradient)
        let (w, code, hasBias) = (weight.value.data, activation.kernelCode, bias != nil)
        let (xd, gyd, gzd, gxd) = (x.data, gradOutput.data, gz.data, gx?.data)
        // f' is written from the output, or from the kept pre-activation (gelu, silu).
        let yd = activation.derivativeNeedsInput ? preActivation.tensor!.data : y.data
        let (sums, parts) = (buffers.sums, buffers.threadBuffers())
        ExampleLanes.run(examples: n) { lane, examples, part in
            let col = g.isPointwise ? nil : parts[part].buffer(0, count: k * p)
            let scratch = parts[part].buffer(3, count: g.scratchCount)
            let dcol = g.isPointwise ? nil : parts[part].buffer(1, count: k * p)
            let unpooled = pool == nil ? nil : parts[part].buffer(2, count: o * p)
            let dw = sums.weight.lane(lane), db = sums.bias.lane(lane)
            if hasBias { db.update(repeating: 0, count: o) }
            for e in examples {
                let xe = xd + e * inCount
                let ze: UnsafeMutablePointer<Float>
                if let unpooled, let argmax {
                    // ∂L/∂z: ∂L/∂(pooled) times f'(pooled) at each window's argmax, 0 elsewhere.
                    descent_maxpool_activation_backward(gyd + e * o * q, yd + e * o * q, argmax + e * o * q, unpooled, o, &pg, code)
                    if hasBias { descent_channel_sums(unpooled, db, o, p) }
                    ze = unpooled
                } else {
                    ze = gzd + e * o * p
                    if hasBias || code != 0 {
                        descent_channel_activation_backward(yd + e * o * p, gyd + e * o * p, ze, hasBias ? db : nil, o, p, code)
                    }
                }
                col.map { g.im2col(xe, into: $0, scratch: scratch) }
                // (∂L/∂W)ᵀ += col · Gᵀ: OpenBLAS ran the product faster this way round (the K
                // filter values as rows), e.g. 122 against 114 GFLOP/s for fmnist-2c2d's second layer.
                BLAS.gemmUnsplit(m: k, n: o, k: p, UnsafePointer(col ?? xe), lda: p, transposeA: false, ze, ldb: p, transposeB: true,
                                 dw, ldc: o, beta: e == examples.lowerBound ? 0 : 1, part: part)
                guard let gxd else { continue }
                let gxe = gxd + e * inCount
                BLAS.gemmUnsplit(m: k, n: p, k: o, w, lda: k, transposeA: true, ze, ldb: p, transposeB: false,
                                 dcol ?? gxe, ldc: p, part: part)
                dcol.map { g.col2im($0, into: gxe, scratch: scratch) }
            }
        }
        sums.add(into: weight, bias, examples: n, transposedWeight: (o, k))
        return gx
    }
}

extension Conv2D {
    /// `conv2d(out_channels, kernel, stride=1, padding=0, bias=true, init=glorot)`: padding is
    /// a number of zeros on each side or `same`; an activation layer right after it is fused.
    public static let kind = LayerKind(
        name: "conv2d", summary: "2-D convolution (torch Conv2d), weight C_out×C×k×k; padding=same keeps H×W (stride 1); init=glorot|he",
        arguments: [.positiveInt("out_channels"), .positiveInt("kernel"), .positiveInt("stride", default: 1),
                    .padding(allowsSame: true), .bias, .convInit],
        isSpatial: true, fusesActivation: true,
        outputShape: { spec, shape in
            let g = try ConvGeometry(inputShape: shape, kernel: spec.int("kernel")!, stride: spec.int("stride")!,
                                     padding: ConvPadding(spec["padding"]!))
            return [spec.int("out_channels")!, g.outHeight, g.outWidth]
        },
        parameterCount: { spec, shape in  // C_out·C·k·k weights (+ C_out biases)
            let (out, k) = (spec.int("out_channels")!, spec.int("kernel")!)
            return LayerKind.sum(LayerKind.product([out, shape.first ?? 1, k, k]), spec.flag("bias")! ? out : 0)
        },
        onnx: Conv2D.onnxForm,
        make: { spec, context in
            try Conv2D(inputShape: context.inputShape, outChannels: spec.int("out_channels")!, kernel: spec.int("kernel")!,
                       stride: spec.int("stride")!, padding: ConvPadding(spec["padding"]!), bias: spec.flag("bias")!,
                       activation: context.activation, initialization: ConvInit(rawValue: spec.word("init")!)!,
                       name: context.name, generator: &context.weights)
        })
}

extension LayerSpec {
    /// `conv2d(outChannels, kernel, …)`.
    public static func conv2d(_ outChannels: Int, kernel: Int, stride: Int = 1, padding: ConvPadding = .zeros(0),
                              bias: Bool = true, initialization: ConvInit = .glorot) throws -> LayerSpec {
        try LayerSpec(Conv2D.kind, ["out_channels": .int(outChannels), "kernel": .int(kernel), "stride": .int(stride),
                                 "padding": padding.option, "bias": .bool(bias), "init": .word(initialization.rawValue)])
    }
}

extension ConvPadding {
    /// The text-form option.
    var option: LayerOption {
        switch self { case .zeros(let p): .int(p); case .same: .word("same") }
    }
}

extension Conv2D {
    /// ONNX: Conv; pads are [top, left, bottom, right] (all begins, then all ends).
    public static let onnxForm: ONNXExport.Exporter = { g, layer in
        let s = layer.spec
        let geometry = try ConvGeometry(inputShape: layer.inputShape, kernel: s.int("kernel")!, stride: s.int("stride")!,
                                        padding: ConvPadding(s["padding"]!))
        var inputs = [try g.parameter("\(layer.name).weight")]
        if s.flag("bias")! { inputs.append(try g.parameter("\(layer.name).bias")) }
        g.apply("Conv", layer, inputs: inputs, attributes: [
            ("kernel_shape", .ints([geometry.kernel, geometry.kernel])), ("strides", .ints([geometry.stride, geometry.stride])),
            ("pads", .ints([geometry.padTop, geometry.padLeft, geometry.padBottom, geometry.padRight])),
        ])
    }
}
