/// A rule that updates parameters from their gradients.
///
/// An optimizer keeps per-parameter state (moments, accumulators) keyed by the
/// parameter's identity, created lazily on the first `step`. One `step` updates
/// every parameter given, in one fused pass over its buffers.
public protocol Optimizer: AnyObject {
    /// The current learning rate (schedules change it between steps).
    var learningRate: Float { get set }
    /// Applies one update to every parameter from its `grad`.
    func step(_ parameters: [Parameter])
}
