/// How much memory training a model takes, estimated from its description before anything is
/// allocated, so that an absurd size (`784-100000000-10`, a batch of ten million) is refused
/// with a sentence instead of failing inside the allocator. Every value is a Float (4 bytes):
///
/// - parameters P (each layer kind's `parameterCount`): values and gradients, 2·P;
/// - optimizer state: one tensor of P per state slot (`Optimizer.stateTensorCount`: SGD 0,
///   momentum 1, Adam 2, AMSGrad 3), S·P;
/// - activations of R rows, R = max(minibatch, evaluation batch): the input batch and, per
///   layer, its output and the gradient with respect to it, R·(inputs + 2·Σ outputs); an
///   activation fused into the layer before it (`LayerKind.fusesActivation`) has no buffers.
///
/// It is an estimate of what the training loop keeps alive, not of the process: the data,
/// the code and the allocator come on top (the data are already loaded when it is checked).
/// For seed-mlp with minibatches of 60,000 it says 2.1 GB; the process peaked at 1.9 GB.
///
/// ```
/// let e = ModelSpec.preset(named: "seed-mlp")!.memoryEstimate(batchSize: 128, optimizer: try Adam())
/// e.parameters      // 1_238_730
/// e.description     // "54.4 MB (parameters and gradients 9.9 MB, optimizer state 9.9 MB, activations 34.6 MB)"
/// ```
public struct MemoryEstimate: Sendable, CustomStringConvertible {
    /// Trainable values.
    public var parameters: Int
    /// Parameter values and their gradients.
    public var parameterBytes: Int
    /// The optimizer's state tensors.
    public var optimizerBytes: Int
    /// Activation and gradient buffers of one batch.
    public var activationBytes: Int
    /// The sum (saturating at `Int.max`).
    public var total: Int { LayerKind.sum(parameterBytes, optimizerBytes, activationBytes) }

    /// E.g. `"54.4 MB (parameters and gradients 9.9 MB, optimizer state 9.9 MB, activations 34.6 MB)"`.
    public var description: String {
        "\(MemoryEstimate.text(total)) (parameters and gradients \(MemoryEstimate.text(parameterBytes)), optimizer state \(MemoryEstimate.text(optimizerBytes)), activations \(MemoryEstimate.text(activationBytes)))"
    }

    /// A byte count in decimal units: `512 B`, `46.5 MB`, `1.3 TB`.
    public static func text(_ bytes: Int) -> String {
        if bytes == .max { return "9.2 EB or more" }
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}

extension ModelSpec {
    /// The memory training this model takes with minibatches of `batchSize` and `optimizer`
    /// (nil: no optimizer state), evaluating `evaluationBatchSize` examples at a time
    /// (`Trainer.evaluationBatchSize`'s default). See `MemoryEstimate`.
    public func memoryEstimate(batchSize: Int, optimizer: Optimizer?, evaluationBatchSize: Int = 1000) -> MemoryEstimate {
        var shape = inputShape
        var parameters = 0, outputs = 0
        for (i, layer) in layers.enumerated() {
            let kind = layer.layerKind
            parameters = LayerKind.sum(parameters, kind.parameterCount(layer, shape))
            shape = (try? kind.outputShape(layer, shape)) ?? shape
            if i == 0 || fusedActivation(after: i - 1) == nil { outputs = LayerKind.sum(outputs, LayerKind.product(shape)) }
        }
        let float = MemoryLayout<Float>.size
        let rows = max(batchSize, evaluationBatchSize)
        return MemoryEstimate(
            parameters: parameters,
            parameterBytes: LayerKind.product(2, parameters, float),
            optimizerBytes: LayerKind.product(optimizer?.stateTensorCount ?? 0, parameters, float),
            activationBytes: LayerKind.product(rows, LayerKind.sum(LayerKind.product(inputShape), LayerKind.product(2, outputs)), float))
    }
}
