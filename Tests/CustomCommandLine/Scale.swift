import Descent

/// A layer written outside Descent: a learnable gain per input value,
///
/// ```
/// y[n, i] = s[i] · x[n, i]        ∂L/∂x[n, i] = s[i] · g[n, i]        ∂L/∂s[i] = Σ_n x[n, i] · g[n, i]
/// ```
/// with s starting at `init` (default 1). Its one parameter is `weight` (named
/// `layers.<i>.weight` in a network and a checkpoint). Text form: `scale` or `scale(init=0.5)`.
final class Scale: Layer {
    let weight: Parameter
    private var input: Tensor?
    private var output = Tensor(shape: [0])
    private var inputGradient = Tensor(shape: [0])

    init(features: Int, initialValue: Float) {
        weight = Parameter(name: "weight", value: Tensor(shape: [features], value: initialValue))
    }

    var parameters: [Parameter] { [weight] }

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        let features = weight.count
        precondition(x.count % features == 0, "scale: \(x.count) values are not rows of \(features)")
        output = Scale.reuse(output, x.shape)
        let s = weight.value.data
        for r in 0..<x.count / features {
            for i in 0..<features { output.data[r * features + i] = s[i] * x.data[r * features + i] }
        }
        input = x
        return output
    }

    func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard let x = input else { preconditionFailure("scale: backward before forward") }
        let features = weight.count, rows = x.count / features
        let (grad, overwrite) = weight.gradientForAccumulation()
        if overwrite { grad.fill(0) }
        for r in 0..<rows {
            for i in 0..<features { grad.data[i] += x.data[r * features + i] * gradOutput.data[r * features + i] }
        }
        guard needsInputGradient else { return nil }
        inputGradient = Scale.reuse(inputGradient, x.shape)
        let s = weight.value.data
        for r in 0..<rows {
            for i in 0..<features { inputGradient.data[r * features + i] = s[i] * gradOutput.data[r * features + i] }
        }
        return inputGradient
    }

    /// `t` reshaped to `shape` when it has room, else a new tensor.
    static func reuse(_ t: Tensor, _ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        if t.capacity >= n, n > 0 { t.reshape(shape); return t }
        return Tensor(shape: shape)
    }

    static let kind = LayerKind(
        name: "scale", summary: "a learnable gain per value: y = s ⊙ x (an example layer)",
        arguments: [LayerArgument("init", .number, default: .number(1))],
        parameterCount: { _, shape in LayerKind.product(shape) }) { spec, context in
            Scale(features: context.inputCount, initialValue: Float(spec.number("init")!))
        }
}
