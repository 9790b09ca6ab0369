/// A differentiable building block with an explicit forward and backward pass.
///
/// Descent uses layer-level reverse mode rather than a general tape: each layer
/// remembers what its backward needs from the last `forward`, and `backward` turns
/// ∂L/∂output into ∂L/∂input while **adding** (`+=`) into its parameters' gradients.
/// Outputs live in buffers owned by the layer and reused across steps, so the
/// returned tensor is only valid until the layer's next `forward`.
///
/// **Bad values**: a layer's initialiser checks its arguments and throws a `DescentError`
/// (`Linear(0, 10, …)`, `Dropout(1.5, …)`). `forward` and `backward` do not throw: they
/// run once per batch on the hot path, and a batch of the wrong width or a backward
/// before any forward stops the program with a `precondition` (a programming error).
/// Data from outside the program never gets there unchecked: `Network.checkInput`, which
/// `Trainer` and `ClassifierEvaluation` call before the first batch, compares the shape of
/// the examples with the network's input and throws.
public protocol Layer: AnyObject {
    /// Trainable parameters, in a stable order.
    var parameters: [Parameter] { get }
    /// Computes the output for a batch `x` (rows = examples).
    func forward(_ x: Tensor, training: Bool) -> Tensor
    /// Given ∂L/∂output for the last forward, accumulates parameter gradients and
    /// returns ∂L/∂input, or `nil` when `needsInputGradient` is false (first layer).
    func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor?

    // Capabilities: what the layer does, declared, so that no caller recognises it by type.

    /// Parameters the layer uses but does not own (a tied decoder's weight, listed by its
    /// encoder): its backward adds into their gradients. Default: none.
    var sharedParameters: [Parameter] { get }
    /// Values per example of the output, when the layer fixes them whatever its input (a
    /// dense layer's units); nil otherwise (the default).
    var outputWidth: Int? { get }
    /// State that is not trained but kept between steps and saved in checkpoints (batch
    /// normalisation's running statistics). Default: none.
    var buffers: [Buffer] { get }
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var sharedParameters: [Parameter] { [] }
    public var outputWidth: Int? { nil }
    public var buffers: [Buffer] { [] }
}

/// A buffer that keeps its storage across steps and is resized to the batch.
@usableFromInline
struct Workspace {
    @usableFromInline var tensor: Tensor?

    @usableFromInline init() {}

    /// A tensor of the given shape, reusing the storage when it is large enough.
    @inlinable mutating func get(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        if let t = tensor, t.capacity >= n {
            t.reshape(shape)
            return t
        }
        let t = Tensor(shape: shape)
        tensor = t
        return t
    }
}

extension Layer {
    /// `forward(x, training:)`: `layer(x)` evaluates, `layer(x, training: true)` trains.
    public func callAsFunction(_ x: Tensor, training: Bool = false) -> Tensor { forward(x, training: training) }
}

/// A layer that draws random numbers in training (dropout, masking noise) from a
/// generator of its own, which trainers re-seed at the start of every epoch.
public protocol StochasticLayer: Layer {
    var generator: RandomGenerator { get set }
}
