import Descent
import Foundation

/// Swish with a trainable β (Ramachandran, Zoph & Le 2017, "Searching for Activation
/// Functions"), a layer Descent does not ship, written outside it:
///
/// ```
/// y = x · σ(βx)
/// ∂L/∂x = g · (σ(βx) + βx · σ(βx) · (1 − σ(βx)))
/// ∂L/∂β = Σ g · x² · σ(βx) · (1 − σ(βx))          (summed over the batch and every value)
/// ```
/// β is one number shared by every value, starting at `beta` (default 1, where Swish is
/// SiLU); it is the parameter `layers.<i>.beta` in a network and a checkpoint.
/// Text form: `swish` or `swish(beta=0.5)`.
public final class Swish: Layer {
    public let beta: Parameter
    private var input: Tensor?
    private var output = Workspace()
    private var inputGradient = Workspace()

    public init(name: String = "beta", beta: Float = 1) {
        self.beta = Parameter(name: name, value: Tensor(shape: [1], value: beta))
    }

    public var parameters: [Parameter] { [beta] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let y = output.get(x.shape), b = beta.value.data[0]
        let xs = x.data, ys = y.data
        for i in 0..<x.count { ys[i] = xs[i] / (1 + exp(-b * xs[i])) }
        input = x
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let x = input else { preconditionFailure("swish: backward before forward") }
        let b = beta.value.data[0], xs = x.data, gs = gradOutput.data
        let dx = needsInputGradient ? inputGradient.get(x.shape) : nil
        var dBeta: Double = 0
        for i in 0..<x.count {
            let s = 1 / (1 + exp(-b * xs[i])), ds = s * (1 - s)
            dBeta += Double(gs[i] * xs[i] * xs[i] * ds)
            dx?.data[i] = gs[i] * (s + b * xs[i] * ds)
        }
        let (grad, overwrite) = beta.gradientForAccumulation()
        grad.data[0] = (overwrite ? 0 : grad.data[0]) + Float(dBeta)
        return dx
    }

    /// `swish` in the text form: its argument and its one parameter. (It gives no ONNX form,
    /// so `descent export --onnx` declines a model holding it, naming the kind.)
    public static let kind = LayerKind(
        name: "swish", summary: "x · sigmoid(βx), β trained (an example layer from outside Descent)",
        arguments: [LayerArgument("beta", .number, default: .number(1))],
        parameterCount: { _, _ in 1 }) { spec, context in
            Swish(name: "\(context.name).beta", beta: Float(spec.number("beta")!))
        }
}

/// A buffer reused across steps, resized to the batch (nothing is allocated in steady state).
struct Workspace {
    private var tensor: Tensor?
    mutating func get(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        if let t = tensor, t.capacity >= n { t.reshape(shape); return t }
        let t = Tensor(shape: shape)
        tensor = t
        return t
    }
}
