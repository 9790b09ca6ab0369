/// A tensor a layer keeps between steps that is not trained: batch normalisation's running
/// mean and variance and its count of batches, as torch's module buffers. A layer lists
/// its buffers (`Layer.buffers`); `Network` names them from the structure as it names
/// parameters (`layers.<i>.running_mean`), and checkpoints save and restore them exactly.
public final class Buffer {
    /// A name unique within its model, e.g. `"layers.1.running_var"`.
    public var name: String
    public let value: Tensor

    public init(name: String, value: Tensor) {
        self.name = name
        self.value = value
    }
}
