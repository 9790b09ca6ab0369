import CKernels

/// How a convolution pads its input: the same number of zeros on every side, or "same"
/// (the output as large as the input; stride 1 only, as in PyTorch).
public enum ConvPadding: Hashable, Sendable {
    case zeros(Int)
    /// k − 1 zeros in all: ⌊(k − 1)/2⌋ before, the rest after (PyTorch's `padding='same'`).
    case same

    /// The text-form option (`padding=2`, `padding=same`).
    init(_ option: LayerOption) {
        if case .word = option { self = .same } else { self = .zeros(option.intValue ?? 0) }
    }
}

/// The shape arithmetic of a 2-D convolution over one example, as PyTorch's `Conv2d`
/// computes it (a cross-correlation, square kernel k, stride s):
///
/// ```
/// input C × H × W, zeros added: top t, bottom b, left l, right r
/// output H_out = ⌊(H + t + b − k) / s⌋ + 1,  W_out = ⌊(W + l + r − k) / s⌋ + 1
/// y[o, i, j] = Σ_{c, u, v} w[o, c, u, v] · x[c, i·s + u − t, j·s + v − l]   (x = 0 outside)
/// ```
/// `im2col` lays the inputs each output reads out as the columns of a (C·k·k) × (H_out·W_out)
/// matrix, so the convolution is one product `W (C_out × C·k·k) · col`; `col2im` is its adjoint.
public struct ConvGeometry: Hashable, Sendable {
    public let channels, height, width: Int
    public let kernel, stride: Int
    public let padTop, padLeft, padBottom, padRight: Int
    public let outHeight, outWidth: Int

    /// The geometry of a kernel-`kernel` convolution over `inputShape` (C × H × W), or an
    /// error naming what does not fit.
    public init(inputShape: [Int], kernel: Int, stride: Int, padding: ConvPadding) throws {
        guard inputShape.count == 3 else {
            throw DescentError("needs a C×H×W input (start the model with its shape, e.g. 1x28x28:), got \(ModelSpec.shapeText(inputShape))")
        }
        let (c, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        let (before, after): (Int, Int)
        switch padding {
        case .zeros(let p): (before, after) = (p, p)
        case .same:
            guard stride == 1 else { throw DescentError("padding=same needs stride 1, got stride \(stride)") }
            (before, after) = ((kernel - 1) / 2, kernel - 1 - (kernel - 1) / 2)
        }
        // Sizes from outside (a checkpoint, a record) are bounded before any sum is formed.
        let limit = ModelSpec.largestSize
        guard [c, h, w, kernel, stride].allSatisfy({ $0 > 0 && $0 <= limit }), before >= 0, before <= limit, after <= limit else {
            throw DescentError("channels, sizes, kernel and stride must be in 1...\(limit) and padding in 0...\(limit), got \(ModelSpec.shapeText(inputShape)), kernel \(kernel), stride \(stride), padding \(before)")
        }
        guard h + before + after >= kernel, w + before + after >= kernel else {
            throw DescentError("a \(kernel)×\(kernel) kernel does not fit a \(h)×\(w) input with padding \(before)")
        }
        self.init(channels: c, height: h, width: w, kernel: kernel, stride: stride,
                  padTop: before, padLeft: before, padBottom: after, padRight: after)
    }

    init(channels: Int, height: Int, width: Int, kernel: Int, stride: Int, padTop: Int, padLeft: Int, padBottom: Int, padRight: Int) {
        (self.channels, self.height, self.width, self.kernel, self.stride) = (channels, height, width, kernel, stride)
        (self.padTop, self.padLeft, self.padBottom, self.padRight) = (padTop, padLeft, padBottom, padRight)
        outHeight = (height + padTop + padBottom - kernel) / stride + 1
        outWidth = (width + padLeft + padRight - kernel) / stride + 1
    }

    /// Values of one input example, C·H·W.
    public var inputCount: Int { channels * height * width }
    /// Rows of the im2col matrix, C·k·k (the length of one filter).
    public var columnRows: Int { channels * kernel * kernel }
    /// Output positions per channel, H_out·W_out.
    public var outPlane: Int { outHeight * outWidth }
    /// Whether im2col is the identity (1×1 kernel, stride 1, no padding).
    var isPointwise: Bool { kernel == 1 && stride == 1 && padTop == 0 && padLeft == 0 && padBottom == 0 && padRight == 0 }

    var c: descent_conv_geometry {
        descent_conv_geometry(channels: channels, height: height, width: width, kernel: kernel, stride: stride,
                              pad_top: padTop, pad_left: padLeft, out_height: outHeight, out_width: outWidth)
    }

    /// Floats of the scratch buffer `im2col` and `col2im` need (the zero-padded input, stride 1).
    var scratchCount: Int { stride == 1 ? channels * (outHeight + kernel - 1) * (outWidth + kernel - 1) : 0 }

    /// `col ← im2col(x)` for one example, using `scratch` (`scratchCount` floats).
    func im2col(_ x: UnsafePointer<Float>, into col: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        var g = c
        descent_im2col(x, col, &g, scratch)
    }

    /// `x ← col2im(col)` (x is overwritten) for one example, using `scratch`.
    func col2im(_ col: UnsafePointer<Float>, into x: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        var g = c
        descent_col2im(col, x, &g, scratch)
    }
}

/// Initial weights of convolution layers, as `torch.nn.init` computes them from the weight's
/// shape (fan_in = dim 1 · k², fan_out = dim 0 · k²), zero biases.
public enum ConvInit: String, Sendable {
    /// `xavier_uniform_`: U(−a, a), a = √(6 / (fan_in + fan_out)) (Glorot & Bengio 2010).
    case glorot
    /// `kaiming_uniform_(nonlinearity='relu')`: U(−a, a), a = √(6 / fan_in) (He et al. 2015).
    case he

    /// Fills `weight` (shape d0 × d1 × k × k) from `generator`.
    func fill(_ weight: Tensor, generator: inout RandomGenerator) {
        let s = weight.shape
        let field = s[2] * s[3]
        let (fanIn, fanOut) = (Double(s[1] * field), Double(s[0] * field))
        let a = Float((6.0 / (self == .glorot ? fanIn + fanOut : fanIn)).squareRoot())
        generator.fillUniform(weight, low: -a, high: a)
    }
}

/// Arguments shared by the layer kinds of convolutions and pooling.
extension LayerArgument {
    /// `padding`: zeros on each side (≥ 0), or `same` when `allowsSame`.
    static func padding(allowsSame: Bool) -> LayerArgument {
        LayerArgument("padding", allowsSame ? .intOrWord(["same"]) : .int, default: .int(0)) { v in
            if v.wordValue != nil { return nil }
            return (v.intValue ?? -1) >= 0 ? nil : "must be ≥ 0" + (allowsSame ? " or same" : "")
        }
    }
    /// `init`: glorot or he.
    static let convInit = LayerArgument("init", .word(["glorot", "he"]), default: .word("glorot"))
    /// `bias`: whether the layer adds a learned bias per output channel.
    static let bias = LayerArgument("bias", .bool, default: .bool(true))
}
