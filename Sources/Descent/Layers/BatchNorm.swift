import Foundation

/// Batch normalisation (Ioffe & Szegedy 2015, "Batch Normalization: Accelerating Deep Network
/// Training by Reducing Internal Covariate Shift"), as torch.nn.BatchNorm1d on N × C and
/// BatchNorm2d on N × C × H × W: statistics per channel c over its M = N·H·W values.
///
/// ```
/// training    μ = (1/M) Σ x,   σ² = (1/M) Σ (x − μ)²  (biased),   x̂ = (x − μ) / √(σ² + ε),   y = γ x̂ + β
///             running_mean ← (1 − m) running_mean + m μ
///             running_var  ← (1 − m) running_var  + m σ² M/(M − 1)  (unbiased),   num_batches_tracked += 1
/// evaluation  y = γ (x − running_mean) / √(running_var + ε) + β
/// backward    training:    ∂L/∂β = Σ g,  ∂L/∂γ = Σ g x̂,  ∂L/∂x = γ / (M √(σ² + ε)) · (M g − ∂L/∂β − x̂ ∂L/∂γ)
///             evaluation:  ∂L/∂β = Σ g,  ∂L/∂γ = Σ g x̂,  ∂L/∂x = γ g / √(running_var + ε)
/// ```
/// torch's defaults and names: m = 0.1, ε = 1e-5, γ (`weight`) = 1 and β (`bias`) = 0 at the
/// start, buffers `running_mean` = 0, `running_var` = 1 and `num_batches_tracked` (a count,
/// kept as a float of one element). A training batch with one value per channel (M = 1),
/// which torch refuses, normalises to β and leaves the running variance as it was.
///
/// Sums run per channel in Double, in a fixed order, channels split over `Parallel` threads:
/// the same bits on any thread count.
public final class BatchNorm: Layer {
    public let channels: Int
    /// Values per channel of one example (H·W; 1 for `batchnorm1d`).
    public let plane: Int
    public let momentum: Float
    public let epsilon: Float
    public let weight: Parameter
    public let bias: Parameter
    public let runningMean: Buffer
    public let runningVar: Buffer
    public let batchesTracked: Buffer
    private var output = Workspace()
    private var normalized = Workspace()
    private var inputGrad = Workspace()
    /// 1/√(σ² + ε) per channel of the last forward (of the running variance in evaluation).
    private var inverseStd: [Float]
    private var lastForwardTrained = false

    /// A layer over `channels` channels of `plane` values each; throws for sizes that are not
    /// positive, a momentum outside [0, 1] or an ε that is not positive.
    public init(channels: Int, plane: Int = 1, momentum: Float = 0.1, epsilon: Float = 1e-5, name: String = "batchnorm") throws {
        guard channels > 0, plane > 0 else {
            throw DescentError("batchnorm: sizes must be positive, got \(channels) channels of \(plane) values")
        }
        guard momentum >= 0, momentum <= 1 else { throw DescentError("batchnorm: momentum must be in [0, 1], got \(momentum)") }
        guard epsilon > 0, epsilon.isFinite else { throw DescentError("batchnorm: eps must be positive, got \(epsilon)") }
        self.channels = channels
        self.plane = plane
        self.momentum = momentum
        self.epsilon = epsilon
        weight = Parameter(name: "\(name).weight", value: Tensor(shape: [channels], value: 1))
        bias = Parameter(name: "\(name).bias", value: Tensor(shape: [channels]))
        runningMean = Buffer(name: "\(name).running_mean", value: Tensor(shape: [channels]))
        runningVar = Buffer(name: "\(name).running_var", value: Tensor(shape: [channels], value: 1))
        batchesTracked = Buffer(name: "\(name).num_batches_tracked", value: Tensor(shape: [1]))
        inverseStd = [Float](repeating: 0, count: channels)
    }

    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [Buffer] { [runningMean, runningVar, batchesTracked] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        precondition(x.columns == channels * plane, "BatchNorm: input has \(x.columns) values per example, expected \(channels * plane)")
        let n = x.rows, (c, p) = (channels, plane), m = n * p
        let y = output.get(x.shape), xhat = normalized.get(x.shape)
        let (xd, yd, hd) = (x.data, y.data, xhat.data)
        let (gamma, beta, rm, rv) = (weight.value.data, bias.value.data, runningMean.value.data, runningVar.value.data)
        let (momentum, epsilon) = (Double(self.momentum), Double(self.epsilon))
        lastForwardTrained = training
        inverseStd.withUnsafeMutableBufferPointer { inv in
            let inv = inv.baseAddress!
            Parallel.forRanges(c, elementsPerItem: 2 * m) { range in
                for ch in range {
                    let mean: Double, invStd: Double
                    if training {
                        var s = 0.0
                        for e in 0..<n { let row = xd + (e * c + ch) * p; for i in 0..<p { s += Double(row[i]) } }
                        mean = s / Double(m)
                        var ss = 0.0
                        for e in 0..<n { let row = xd + (e * c + ch) * p; for i in 0..<p { let d = Double(row[i]) - mean; ss += d * d } }
                        let variance = ss / Double(m)
                        invStd = 1 / (variance + epsilon).squareRoot()
                        rm[ch] = Float((1 - momentum) * Double(rm[ch]) + momentum * mean)
                        if m > 1 { rv[ch] = Float((1 - momentum) * Double(rv[ch]) + momentum * variance * Double(m) / Double(m - 1)) }
                    } else {
                        mean = Double(rm[ch])
                        invStd = 1 / (Double(rv[ch]) + epsilon).squareRoot()
                    }
                    inv[ch] = Float(invStd)
                    let (mf, sf, g, b) = (Float(mean), Float(invStd), gamma[ch], beta[ch])
                    for e in 0..<n {
                        let offset = (e * c + ch) * p
                        for i in 0..<p {
                            let h = (xd[offset + i] - mf) * sf
                            hd[offset + i] = h
                            yd[offset + i] = g * h + b
                        }
                    }
                }
            }
        }
        if training { batchesTracked.value[0] += 1 }
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let xhat = normalized.tensor else { preconditionFailure("BatchNorm.backward before forward") }
        let n = xhat.rows, (c, p) = (channels, plane), m = n * p
        let (gd, hd, gamma) = (gradOutput.data, xhat.data, weight.value.data)
        let weightGrad = weight.gradientForAccumulation(), biasGrad = bias.gradientForAccumulation()
        let (wg, bg) = (weightGrad.tensor.data, biasGrad.tensor.data)
        let (wOverwrite, bOverwrite) = (weightGrad.overwrite, biasGrad.overwrite)
        let gx = needsInputGradient ? inputGrad.get(gradOutput.shape) : nil
        let gxd = gx?.data
        let trained = lastForwardTrained
        inverseStd.withUnsafeBufferPointer { inv in
            let inv = inv.baseAddress!
            Parallel.forRanges(c, elementsPerItem: 2 * m) { range in
                for ch in range {
                    var sumG = 0.0, sumGH = 0.0
                    for e in 0..<n {
                        let offset = (e * c + ch) * p
                        for i in 0..<p { sumG += Double(gd[offset + i]); sumGH += Double(gd[offset + i]) * Double(hd[offset + i]) }
                    }
                    wg[ch] = wOverwrite ? Float(sumGH) : wg[ch] + Float(sumGH)
                    bg[ch] = bOverwrite ? Float(sumG) : bg[ch] + Float(sumG)
                    guard let gxd else { continue }
                    let scale = gamma[ch] * inv[ch]
                    if trained {
                        let (meanG, meanGH) = (Float(sumG / Double(m)), Float(sumGH / Double(m)))
                        for e in 0..<n {
                            let offset = (e * c + ch) * p
                            for i in 0..<p { gxd[offset + i] = scale * (gd[offset + i] - meanG - hd[offset + i] * meanGH) }
                        }
                    } else {
                        for e in 0..<n {
                            let offset = (e * c + ch) * p
                            for i in 0..<p { gxd[offset + i] = scale * gd[offset + i] }
                        }
                    }
                }
            }
        }
        return gx
    }
}

extension BatchNorm {
    static let arguments = [
        LayerArgument("momentum", .number, default: .number(0.1)) { v in
            let m = v.numberValue ?? -1
            return m >= 0 && m <= 1 ? nil : "must be in [0, 1]"
        },
        LayerArgument("eps", .number, default: .number(1e-5)) { v in (v.numberValue ?? 0) > 0 ? nil : "must be positive" },
    ]

    static func make(_ spec: LayerSpec, _ context: LayerBuildContext, channels: Int, plane: Int) throws -> Layer {
        try BatchNorm(channels: channels, plane: plane, momentum: Float(spec.number("momentum")!),
                      epsilon: Float(spec.number("eps")!), name: context.name)
    }

    /// `batchnorm1d(momentum=0.1, eps=1e-5)`: over the features of a flat input (torch BatchNorm1d on N × C).
    public static let kind1d = LayerKind(
        name: "batchnorm1d", summary: "batch normalisation of each feature of a flat input (torch BatchNorm1d); running statistics kept",
        arguments: arguments,
        outputShape: { _, shape in
            guard shape.count == 1 else {
                throw DescentError("batchnorm1d normalises a flat input, got \(ModelSpec.shapeText(shape)) (use batchnorm2d, or flatten first)")
            }
            return shape
        },
        parameterCount: { _, shape in LayerKind.product(2, shape.first ?? 0) },
        onnx: onnxForm,
        make: { spec, context in try make(spec, context, channels: context.inputCount, plane: 1) })

    /// `batchnorm2d(momentum=0.1, eps=1e-5)`: per channel of a C × H × W input (torch BatchNorm2d).
    public static let kind2d = LayerKind(
        name: "batchnorm2d", summary: "batch normalisation of each channel of a C×H×W input (torch BatchNorm2d); running statistics kept",
        arguments: arguments, isSpatial: true,
        outputShape: { _, shape in
            guard shape.count == 3 else { throw DescentError("batchnorm2d needs a C×H×W input, got \(ModelSpec.shapeText(shape))") }
            return shape
        },
        parameterCount: { _, shape in LayerKind.product(2, shape.first ?? 0) },
        onnx: onnxForm,
        make: { spec, context in
            try make(spec, context, channels: context.inputShape[0], plane: context.inputShape[1] * context.inputShape[2])
        })

    /// ONNX: BatchNormalization in evaluation mode, y = weight (x − running_mean) / √(running_var + ε) + bias,
    /// on N × C (batchnorm1d) or N × C × H × W (batchnorm2d).
    static let onnxForm: ONNXExport.Exporter = { g, layer in
        let i = layer.name
        let inputs = try ["weight", "bias", "running_mean", "running_var"].map { try g.parameter("\(i).\($0)") }
        g.apply("BatchNormalization", layer, inputs: inputs, attributes: [("epsilon", .float(Float(layer.spec.number("eps")!)))])
    }
}

extension LayerSpec {
    public static let batchNorm1d = LayerSpec(valid: BatchNorm.kind1d)
    public static let batchNorm2d = LayerSpec(valid: BatchNorm.kind2d)
}
