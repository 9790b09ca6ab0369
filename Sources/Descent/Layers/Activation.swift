import CKernels

/// Pointwise nonlinearities, as torch.nn's:
///
/// ```
/// relu(x)      = max(0, x)                relu'      = 1[y > 0]
/// sigmoid(x)   = 1 / (1 + e^(−x))         sigmoid'   = y (1 − y)
/// tanh(x)                                 tanh'      = 1 − y²
/// leakyrelu(x) = x if x > 0, else 0.01 x  leakyrelu' = 1 if y > 0, else 0.01    (LeakyReLU, default slope)
/// gelu(x)      = x Φ(x) = x (1 + erf(x/√2)) / 2        gelu' = Φ(x) + x φ(x)  (GELU, erf form: torch's default)
/// silu(x)      = x σ(x)                   silu'      = σ(x) (1 + x (1 − σ(x)))  (SiLU, "swish")
/// ```
/// The first four have derivatives written in terms of the output y, so backward needs only
/// y; gelu and silu are not monotonic, so their derivative needs the input x
/// (`derivativeNeedsInput`), which a layer running them keeps.
public enum Activation: String, CaseIterable, Codable, Sendable {
    case identity, relu, sigmoid, tanh
    case leakyRelu = "leakyrelu", gelu, silu

    /// Code understood by `descent_bias_activation`.
    var kernelCode: Int32 {
        switch self {
        case .identity: 0; case .relu: 1; case .sigmoid: 2; case .tanh: 3; case .leakyRelu: 4; case .gelu: 5; case .silu: 6
        }
    }

    /// Whether f' is written from the input x rather than the output y (gelu, silu): a layer
    /// running it keeps its pre-activation for backward.
    public var derivativeNeedsInput: Bool { self == .gelu || self == .silu }

    /// `y ← f(y)` in place over `n` elements.
    public func apply(_ y: UnsafeMutablePointer<Float>, count n: Int) {
        switch self {
        case .identity: break
        case .relu: for i in 0..<n where y[i] < 0 { y[i] = 0 }
        case .sigmoid: descent_sigmoid(y, y, n)
        case .tanh: descent_tanh(y, y, n)
        case .leakyRelu, .gelu, .silu: descent_activation_forward(y, y, n, kernelCode)
        }
    }

    /// `y ← f(y + b)` row-wise (bias broadcast over rows), one pass, rows split over
    /// `Parallel` threads (element-wise: the same bits on any thread count). With `pre`
    /// (for `derivativeNeedsInput`), `pre ← y + b` too, for the backward pass.
    public func applyWithBias(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                              rows: Int, columns: Int, keeping pre: UnsafeMutablePointer<Float>? = nil) {
        let code = kernelCode
        Parallel.forRanges(rows, elementsPerItem: columns) { r in
            let offset = r.lowerBound * columns
            if let pre {
                descent_bias_activation_keeping(y + offset, bias, pre + offset, r.count, columns, code)
            } else {
                descent_bias_activation(y + offset, bias, r.count, columns, code)
            }
        }
    }

    /// `out ← g · f'(y)` row-wise and the bias gradient `b[c] (+)= Σ_r out[r, c]`, one pass;
    /// for `derivativeNeedsInput`, `output` is the pre-activation kept by `applyWithBias`.
    /// Split over `Parallel` threads by blocks of columns, so each column's sum still adds
    /// the rows in order: the same bits on any thread count.
    public func backwardWithBiasGradient(output y: UnsafePointer<Float>, gradient g: UnsafePointer<Float>,
                                         into out: UnsafeMutablePointer<Float>,
                                         biasGradient b: UnsafeMutablePointer<Float>, overwrite: Bool,
                                         rows: Int, columns: Int) {
        let code = kernelCode
        Parallel.forRanges(columns, alignedTo: 16, elementsPerItem: rows) { c in
            let lo = c.lowerBound
            descent_activation_backward(y + lo, g + lo, out + lo, b + lo, overwrite ? 1 : 0, rows, c.count, columns, code)
        }
    }

    /// `g ← g · f'(y)` given the output y (the input x for `derivativeNeedsInput`), into `out` (may be `g`).
    public func backward(output y: UnsafePointer<Float>, gradient g: UnsafePointer<Float>,
                         into out: UnsafeMutablePointer<Float>, count n: Int) {
        switch self {
        case .identity: if out != UnsafeMutablePointer(mutating: g) { out.update(from: g, count: n) }
        case .relu: for i in 0..<n { out[i] = y[i] > 0 ? g[i] : 0 }
        case .sigmoid: for i in 0..<n { out[i] = g[i] * y[i] * (1 - y[i]) }
        case .tanh: for i in 0..<n { out[i] = g[i] * (1 - y[i] * y[i]) }
        case .leakyRelu, .gelu, .silu: descent_activation_backward(y, g, out, nil, 0, 1, n, n, kernelCode)
        }
    }
}

/// A standalone activation layer (out of place). `Linear` can also fuse one.
public final class ActivationLayer: Layer {
    public let activation: Activation
    private var output = Workspace()
    private var inputGrad = Workspace()
    /// The last input, kept when the derivative is written from it (gelu, silu).
    private var input: Tensor?

    public init(_ activation: Activation) { self.activation = activation }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        if activation.derivativeNeedsInput { input = x }
        let y = output.get(x.shape)
        y.data.update(from: x.data, count: x.count)
        activation.apply(y.data, count: y.count)
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient, let y = output.tensor else { return nil }
        let gx = inputGrad.get(gradOutput.shape)
        let source = activation.derivativeNeedsInput ? input! : y
        activation.backward(output: source.data, gradient: gradOutput.data, into: gx.data, count: gx.count)
        return gx
    }
}

/// `max(0, x)`.
public func ReLU() -> ActivationLayer { ActivationLayer(.relu) }
/// `1 / (1 + e^(−x))`.
public func Sigmoid() -> ActivationLayer { ActivationLayer(.sigmoid) }
/// `tanh(x)`.
public func Tanh() -> ActivationLayer { ActivationLayer(.tanh) }
/// `x` if x > 0, else `0.01 x`.
public func LeakyReLU() -> ActivationLayer { ActivationLayer(.leakyRelu) }
/// `x Φ(x)` (erf form).
public func GELU() -> ActivationLayer { ActivationLayer(.gelu) }
/// `x σ(x)`.
public func SiLU() -> ActivationLayer { ActivationLayer(.silu) }

extension Activation {
    /// The activation a layer kind name stands for (`relu`, `sigmoid`, `tanh`), if any.
    public init?(kindName: String) {
        guard kindName != "identity", let a = Activation(rawValue: kindName) else { return nil }
        self = a
    }
}

extension ActivationLayer {
    static func kind(_ activation: Activation, _ summary: String) -> LayerKind {
        LayerKind(name: activation.rawValue, summary: summary, activation: activation,
                  onnx: { g, layer in try onnx(activation, &g, layer) }) { _, _ in ActivationLayer(activation) }
    }

    /// ONNX (opset 17, which has no Gelu): Relu, Sigmoid, Tanh, LeakyRelu(alpha 0.01);
    /// gelu as x · (1 + Erf(x / √2)) · 0.5, silu as x · Sigmoid(x).
    static func onnx(_ activation: Activation, _ g: inout ONNXGraphBuilder, _ layer: ONNXExport.LayerSite) throws {
        let x = g.current, prefix = "\(layer.name)."
        switch activation {
        case .relu: g.apply("Relu", layer)
        case .sigmoid: g.apply("Sigmoid", layer)
        case .tanh: g.apply("Tanh", layer)
        case .leakyRelu: g.apply("LeakyRelu", layer, attributes: [("alpha", .float(0.01))])
        case .gelu:
            g.apply("Div", layer, suffix: "div", inputs: [g.constant(prefix + "sqrt2", floats: [Float(2).squareRoot()])])
            g.apply("Erf", layer, suffix: "erf")
            g.apply("Add", layer, suffix: "add", inputs: [g.constant(prefix + "one", floats: [1])])
            g.apply("Mul", layer, suffix: "mul", inputs: [x])
            g.apply("Mul", layer, inputs: [g.constant(prefix + "half", floats: [0.5])])
        case .silu:
            g.apply("Sigmoid", layer, suffix: "sigmoid")
            g.apply("Mul", layer, inputs: [x])
        case .identity: g.apply("Identity", layer)
        }
    }
    /// `relu`: max(0, x).
    public static let reluKind = kind(.relu, "max(0, x) element-wise")
    /// `sigmoid`: 1 / (1 + e^(−x)).
    public static let sigmoidKind = kind(.sigmoid, "1 / (1 + e^(−x)) element-wise")
    /// `tanh`.
    public static let tanhKind = kind(.tanh, "tanh(x) element-wise")
    /// `leakyrelu`: x if x > 0, else 0.01 x (torch LeakyReLU's default slope).
    public static let leakyReluKind = kind(.leakyRelu, "x if x > 0, else 0.01 x, element-wise (torch LeakyReLU)")
    /// `gelu`: x Φ(x), the erf form (torch GELU's default).
    public static let geluKind = kind(.gelu, "x Φ(x) element-wise, erf form (torch GELU)")
    /// `silu`: x σ(x).
    public static let siluKind = kind(.silu, "x σ(x) element-wise (torch SiLU)")
}

extension LayerSpec {
    public static let relu = LayerSpec(valid: ActivationLayer.reluKind)
    public static let sigmoid = LayerSpec(valid: ActivationLayer.sigmoidKind)
    public static let tanh = LayerSpec(valid: ActivationLayer.tanhKind)
    public static let leakyRelu = LayerSpec(valid: ActivationLayer.leakyReluKind)
    public static let gelu = LayerSpec(valid: ActivationLayer.geluKind)
    public static let silu = LayerSpec(valid: ActivationLayer.siluKind)

    /// The layer of `activation` (`relu`, `sigmoid`, …); `.identity` has none.
    public static func activation(_ activation: Activation) throws -> LayerSpec {
        guard activation != .identity else { throw DescentError("identity is not a layer (leave the activation out)") }
        switch activation {
        case .relu: return .relu
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        case .leakyRelu: return .leakyRelu
        case .gelu: return .gelu
        case .silu: return .silu
        case .identity: preconditionFailure()
        }
    }
}
