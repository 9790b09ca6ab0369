/// A dense, row-major tensor of `Float` with its own contiguous storage.
///
/// `Tensor` is a reference type: layers and optimizers keep and reuse their buffers
/// across training steps instead of allocating new ones (large fresh allocations are
/// mmap'd and page-fault on every touch). The storage is allocated once with a fixed
/// `capacity`; `reshape` may change the shape in place as long as the element count
/// fits (a smaller last minibatch reuses the same buffer).
///
/// **Bad shapes trap.** Layers allocate their outputs with `Tensor(shape:)` inside
/// `forward` and `backward`, so, like `Array(repeating:count:)`, a negative dimension here
/// (or, for `Tensor(shape:values:)`, values that do not fill the shape, or a `reshape`
/// beyond the capacity) is a programming error that stops the program, not a thrown
/// error. Shapes that come from outside the program are checked where they enter, and
/// throw a `DescentError` there: model descriptions (`ModelSpec`), layer sizes (`Linear`),
/// images (`ImageSet`, `IDXArray`), checkpoints (`SafeTensors.decode`).
public final class Tensor {
    /// Sizes of each dimension, outermost first.
    public private(set) var shape: [Int]
    /// Number of elements of the current shape.
    public private(set) var count: Int
    /// Number of elements the storage can hold.
    public let capacity: Int
    /// The storage. Valid for `capacity` elements; owned by this tensor.
    public let data: UnsafeMutablePointer<Float>

    /// A tensor of the given shape, filled with `value` (zero by default).
    public init(shape: [Int], value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.capacity = Swift.max(count, 1)
        // 64-byte aligned (a cache line): vector kernels may use aligned and streaming stores.
        self.data = UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: capacity)
        data.initialize(repeating: value, count: capacity)
    }

    /// A tensor holding `values` in row-major order.
    public convenience init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count,
                     "Tensor: \(values.count) values do not fill shape \(shape)")
        self.init(shape: shape)
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: values.count) }
    }

    deinit { data.deallocate() }

    /// The elements of the current shape as a mutable buffer.
    @inlinable public var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: data, count: count)
    }

    /// Rows of a 2-D tensor (the first dimension).
    @inlinable public var rows: Int { shape[0] }
    /// Columns of a 2-D tensor (the product of the remaining dimensions).
    @inlinable public var columns: Int { shape.count > 1 ? count / Swift.max(shape[0], 1) : 1 }

    /// Changes the shape in place; the new element count must fit the capacity.
    public func reshape(_ newShape: [Int]) {
        let n = newShape.reduce(1, *)
        precondition(n <= capacity, "Tensor.reshape: \(newShape) needs \(n) elements, capacity is \(capacity)")
        shape = newShape
        count = n
    }

    /// Element access by flat index.
    @inlinable public subscript(index: Int) -> Float {
        get { data[index] }
        set { data[index] = newValue }
    }

    /// Element access for 2-D tensors.
    @inlinable public subscript(row: Int, column: Int) -> Float {
        get { data[row * columns + column] }
        set { data[row * columns + column] = newValue }
    }

    /// A copy of the elements as an array.
    public func toArray() -> [Float] { Array(buffer) }

    /// Sets every element to `value`.
    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// Copies the elements (and shape) of `other`, which must fit the capacity.
    public func copy(from other: Tensor) {
        reshape(other.shape)
        data.update(from: other.data, count: other.count)
    }

    /// A new tensor with the same shape and values.
    public func clone() -> Tensor {
        let t = Tensor(shape: shape)
        t.data.update(from: data, count: count)
        return t
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let head = buffer.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor\(shape)[\(head)\(count > 8 ? ", …" : "")]"
    }
}
