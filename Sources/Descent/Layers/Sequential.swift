/// Layers applied one after another; backward runs them in reverse.
///
/// A ReLU `Linear` directly followed by a `Dropout` runs as one fused layer in training
/// (`Linear.forward(_:dropout:)`), and a `Conv2D` directly followed by a `MaxPool2D` whose
/// windows do not overlap as one pass per example (`Conv2D.forward(_:pool:)`): same results
/// bit for bit, with fewer passes over memory.
public final class Sequential: Layer {
    public let layers: [Layer]
    /// Indices of the `Dropout` layers fused into the ReLU `Linear` before them.
    private let fusedDropouts: Set<Int>
    /// Whether the last forward fused them (training with p > 0).
    private var lastForwardFused = false
    /// Indices of the `MaxPool2D` layers computed by the `Conv2D` before them.
    private let fusedPools: Set<Int>
    /// The first layer with parameters (`Linear.parameters` builds an array: not per step).
    private let firstWithParameters: Int

    public init(_ layers: [Layer]) {
        self.layers = layers
        fusedDropouts = Set(layers.indices.dropFirst().filter { i in
            (layers[i - 1] as? Linear)?.activation == .relu && layers[i] is Dropout
        })
        fusedPools = Set(layers.indices.dropFirst().filter { i in
            (layers[i - 1] as? Conv2D)?.activation.derivativeNeedsInput == false && (layers[i] as? MaxPool2D)?.isFusable == true
        })
        firstWithParameters = layers.firstIndex { !$0.parameters.isEmpty } ?? 0
    }

    public var parameters: [Parameter] { layers.flatMap { $0.parameters } }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        lastForwardFused = training
        var y = x
        var i = 0
        while i < layers.count {
            if training, fusedDropouts.contains(i + 1), let linear = layers[i] as? Linear,
               let dropout = layers[i + 1] as? Dropout, dropout.probability > 0 {
                y = linear.forward(y, dropout: dropout)
                i += 2
                continue
            }
            if fusedPools.contains(i + 1), let conv = layers[i] as? Conv2D {
                y = conv.forward(y, pool: layers[i + 1] as? MaxPool2D)
                i += 2
                continue
            }
            y = layers[i].forward(y, training: training)
            i += 1
        }
        return y
    }

    /// Backpropagates through every layer. The first layer is asked for an input
    /// gradient only if `needsInputGradient` (skipping the largest unneeded GEMM).
    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        var g: Tensor? = gradOutput
        // The input gradient of a parameter-free prefix (e.g. input dropout) is also unneeded.
        for (i, layer) in layers.enumerated().reversed() {
            guard let current = g else { break }
            if lastForwardFused && fusedDropouts.contains(i) && (layer as! Dropout).probability > 0 {
                continue  // its backward is part of the Linear's before it
            }
            if fusedPools.contains(i) { continue }  // part of the Conv2D's before it
            let needed = needsInputGradient || i > firstWithParameters
            g = layer.backward(current, needsInputGradient: needed)
        }
        return needsInputGradient ? g : nil
    }
}
