import CKernels

/// Pointwise nonlinearities.
///
/// ```
/// relu(x)    = max(0, x)           relu'    = 1[y > 0]
/// sigmoid(x) = 1 / (1 + e^(−x))    sigmoid' = y (1 − y)
/// tanh(x)                          tanh'    = 1 − y²
/// ```
/// Derivatives are written in terms of the output y, so backward needs only y.
public enum Activation: String, CaseIterable, Codable, Sendable {
    case identity, relu, sigmoid, tanh

    /// Code understood by `descent_bias_activation`.
    var kernelCode: Int32 {
        switch self { case .identity: 0; case .relu: 1; case .sigmoid: 2; case .tanh: 3 }
    }

    /// `y ← f(y)` in place over `n` elements.
    public func apply(_ y: UnsafeMutablePointer<Float>, count n: Int) {
        switch self {
        case .identity: break
        case .relu: for i in 0..<n where y[i] < 0 { y[i] = 0 }
        case .sigmoid: descent_sigmoid(y, y, n)
        case .tanh: descent_tanh(y, y, n)
        }
    }

    /// `y ← f(y + b)` row-wise (bias broadcast over rows), one pass, rows split over
    /// `Parallel` threads (element-wise: the same bits on any thread count).
    public func applyWithBias(_ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>,
                              rows: Int, columns: Int) {
        let code = kernelCode
        Parallel.forRanges(rows, elementsPerItem: columns) { r in
            descent_bias_activation(y + r.lowerBound * columns, bias, r.count, columns, code)
        }
    }

    /// `out ← g · f'(y)` row-wise and the bias gradient `b[c] (+)= Σ_r out[r, c]`, one pass.
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

    /// `g ← g · f'(y)` given the output y, into `out` (may be `g`).
    public func backward(output y: UnsafePointer<Float>, gradient g: UnsafePointer<Float>,
                         into out: UnsafeMutablePointer<Float>, count n: Int) {
        switch self {
        case .identity: if out != UnsafeMutablePointer(mutating: g) { out.update(from: g, count: n) }
        case .relu: for i in 0..<n { out[i] = y[i] > 0 ? g[i] : 0 }
        case .sigmoid: for i in 0..<n { out[i] = g[i] * y[i] * (1 - y[i]) }
        case .tanh: for i in 0..<n { out[i] = g[i] * (1 - y[i] * y[i]) }
        }
    }
}

/// A standalone activation layer (out of place). `Linear` can also fuse one.
public final class ActivationLayer: Layer {
    public let activation: Activation
    private var output = Workspace()
    private var inputGrad = Workspace()

    public init(_ activation: Activation) { self.activation = activation }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let y = output.get(x.shape)
        y.data.update(from: x.data, count: x.count)
        activation.apply(y.data, count: y.count)
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient, let y = output.tensor else { return nil }
        let gx = inputGrad.get(gradOutput.shape)
        activation.backward(output: y.data, gradient: gradOutput.data, into: gx.data, count: gx.count)
        return gx
    }
}

/// `max(0, x)`.
public func ReLU() -> ActivationLayer { ActivationLayer(.relu) }
/// `1 / (1 + e^(−x))`.
public func Sigmoid() -> ActivationLayer { ActivationLayer(.sigmoid) }
/// `tanh(x)`.
public func Tanh() -> ActivationLayer { ActivationLayer(.tanh) }

extension Activation {
    /// The activation a layer kind name stands for (`relu`, `sigmoid`, `tanh`), if any.
    public init?(kindName: String) {
        guard kindName != "identity", let a = Activation(rawValue: kindName) else { return nil }
        self = a
    }
}

extension ActivationLayer {
    static func kind(_ activation: Activation, _ summary: String) -> LayerKind {
        LayerKind(name: activation.rawValue, summary: summary) { _, _ in ActivationLayer(activation) }
    }
    /// `relu`: max(0, x).
    public static let reluKind = kind(.relu, "max(0, x) element-wise")
    /// `sigmoid`: 1 / (1 + e^(−x)).
    public static let sigmoidKind = kind(.sigmoid, "1 / (1 + e^(−x)) element-wise")
    /// `tanh`.
    public static let tanhKind = kind(.tanh, "tanh(x) element-wise")
}

extension LayerSpec {
    public static let relu = LayerSpec(valid: ActivationLayer.reluKind)
    public static let sigmoid = LayerSpec(valid: ActivationLayer.sigmoidKind)
    public static let tanh = LayerSpec(valid: ActivationLayer.tanhKind)

    /// The layer of `activation` (`relu`, `sigmoid`, `tanh`); `.identity` has none.
    public static func activation(_ activation: Activation) throws -> LayerSpec {
        guard activation != .identity else { throw DescentError("identity is not a layer (leave the activation out)") }
        switch activation {
        case .relu: return .relu
        case .sigmoid: return .sigmoid
        case .tanh: return .tanh
        case .identity: preconditionFailure()
        }
    }
}
