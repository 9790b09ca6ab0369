/// What a convolution layer (`Conv2D`, `ConvTranspose2D`) reuses from one call to the next
/// besides its parameters: its output y, ∂L/∂z and ∂L/∂x (each a `Workspace`), one set of
/// scratch buffers per thread of a pass (`PartBuffers`) and the per-lane sums of its weight
/// and bias gradients (`ConvGradientSums`).
///
/// ```swift
/// var buffers = ConvBuffers(weightCount: w.count, biasCount: outChannels)
/// let y = buffers.output.get([n] + outputShape)                       // forward
/// let (gz, gx) = buffers.gradients(gradOutput, throughActivation: activation != .identity,
///                                  input: x, needsInputGradient: true)  // backward
/// let parts = buffers.threadBuffers()     // parts[part] in `ExampleLanes.run`
/// ```
struct ConvBuffers {
    var output = Workspace()
    private var preGrad = Workspace()
    private var inputGrad = Workspace()
    private var parts: [PartBuffers] = []
    let sums: ConvGradientSums

    init(weightCount: Int, biasCount: Int) {
        sums = ConvGradientSums(weightCount: weightCount, biasCount: biasCount)
    }

    /// The gradients a backward pass writes: ∂L/∂z, which is `gradOutput` itself unless the
    /// activation's derivative must be applied to it first (`throughActivation`), and ∂L/∂x
    /// (shaped as `input`) when `needsInputGradient`.
    mutating func gradients(_ gradOutput: Tensor, throughActivation: Bool, input: Tensor,
                            needsInputGradient: Bool) -> (preActivation: Tensor, input: Tensor?) {
        (throughActivation ? preGrad.get(gradOutput.shape) : gradOutput,
         needsInputGradient ? inputGrad.get(input.shape) : nil)
    }

    /// One set of scratch buffers per part of a pass (`ExampleLanes.parts`), created here on
    /// the calling thread before the pass; `ExampleLanes.run`'s part `p` uses element `p`.
    mutating func threadBuffers() -> [PartBuffers] {
        PartBuffers.forParts(&parts)
        return parts
    }
}

extension ConvInit {
    /// A convolution's parameters: `<name>.weight` of `weightShape` (d0 × d1 × k × k), drawn
    /// by this initialisation (`fill`), and, with `bias`, a zero `<name>.bias` of `biasCount`.
    func parameters(weightShape: [Int], biasCount: Int, bias: Bool, name: String,
                    generator: inout RandomGenerator) -> (weight: Parameter, bias: Parameter?) {
        let w = Tensor(shape: weightShape)
        fill(w, generator: &generator)
        return (Parameter(name: "\(name).weight", value: w),
                bias ? Parameter(name: "\(name).bias", value: Tensor(shape: [biasCount])) : nil)
    }
}
