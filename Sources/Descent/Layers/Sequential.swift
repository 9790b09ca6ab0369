/// Layers applied one after another; backward runs them in reverse.
public final class Sequential: Layer {
    public let layers: [Layer]

    public init(_ layers: [Layer]) { self.layers = layers }

    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        layers.reduce(x) { $1.forward($0, training: training) }
    }

    /// Backpropagates through every layer. The first layer is asked for an input
    /// gradient only if `needsInputGradient` (skipping the largest unneeded GEMM).
    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        var g: Tensor? = gradOutput
        // The input gradient of a parameter-free prefix (e.g. input dropout) is also unneeded.
        let firstWithParameters = layers.firstIndex { !$0.parameters.isEmpty } ?? 0
        for (i, layer) in layers.enumerated().reversed() {
            guard let current = g else { break }
            let needed = needsInputGradient || i > firstWithParameters
            g = layer.backward(current, needsInputGradient: needed)
        }
        return needsInputGradient ? g : nil
    }
}
