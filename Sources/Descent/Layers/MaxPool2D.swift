import CKernels

/// 2-D max pooling, as PyTorch's `MaxPool2d(kernel, stride=kernel, padding=0)` (see
/// `PoolGeometry`):
///
/// ```
/// y[n, c, i, j] = max over the window (i, j) of x[n, c, ·, ·]   (padding never wins)
/// ∂L/∂x[n, c, a] = Σ over the windows whose maximum is at a of ∂L/∂y
/// ```
/// One pass per plane computes the maxima and keeps the index of each (the first maximum
/// of its window in row-major order; a NaN wins, as in torch), so backward is a scatter of
/// ∂L/∂y to those indices. Example: `maxpool2d(2)` maps 6×28×28 to 6×14×14. Planes are
/// split over the threads (the same bits on any thread count). A `Conv2D` right before it
/// (its activation fused) computes it in the same pass when the windows do not overlap
/// (`Sequential`): the convolution's output then never leaves the cache, and its backward
/// works from the pooled values and the argmax alone.
public final class MaxPool2D: Layer {
    public let geometry: PoolGeometry
    private(set) var output = Workspace()
    private var inputGrad = Workspace()
    private var argmax: UnsafeMutablePointer<Int32>
    private var argmaxCapacity = 0
    private var lastCount = 0

    public convenience init(inputShape: [Int], kernel: Int, stride: Int? = nil, padding: Int = 0) throws {
        self.init(geometry: try PoolGeometry(inputShape: inputShape, kernel: kernel, stride: stride ?? kernel, padding: padding))
    }

    init(geometry: PoolGeometry) {
        self.geometry = geometry
        argmax = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    }

    deinit { argmax.deallocate() }

    /// Whether a convolution before it may compute it in its own pass (`Conv2D.forward(_:pool:)`):
    /// its windows do not overlap, so its backward and the activation's are one scatter.
    var isFusable: Bool { geometry.stride >= geometry.kernel }

    /// The output and argmax buffers for a batch of `n` (kept for backward).
    func prepare(examples n: Int) -> (output: Tensor, argmax: UnsafeMutablePointer<Int32>) {
        let y = output.get([n] + geometry.outputShape)
        if argmaxCapacity < y.count {
            argmax.deallocate()
            argmax = UnsafeMutablePointer<Int32>.allocate(capacity: y.count)
            argmaxCapacity = y.count
        }
        lastCount = n
        return (y, argmax)
    }

    /// The argmax of the last forward, one index into its plane per output element.
    var argmaxBuffer: UnsafeMutablePointer<Int32> { argmax }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry
        precondition(x.columns == g.channels * g.inputPlane, "MaxPool2D: input has \(x.columns) values per example, expected \(g.channels * g.inputPlane)")
        let n = x.rows
        let y = prepare(examples: n).output
        var cg = g.c
        let (xd, yd, ad, hw, p) = (x.data, y.data, argmax, g.inputPlane, g.outPlane)
        g.forPlanes(examples: n) { first, planes in
            descent_maxpool_forward(xd + first * hw, yd + first * p, ad + first * p, planes, &cg)
        }
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        var cg = geometry.c
        let (ad, p) = (argmax, geometry.outPlane)
        return geometry.inputGradient(gradOutput, examples: lastCount, into: &inputGrad) { first, planes, gy, gx in
            descent_maxpool_backward(gy, ad + first * p, gx, planes, &cg)
        }
    }
}

extension MaxPool2D {
    /// `maxpool2d(kernel, stride=kernel, padding=0)`.
    public static let kind = PoolGeometry.layerKind("maxpool2d", summary: "2-D max pooling (torch MaxPool2d), the argmax kept for backward",
        // ONNX: MaxPool (padding never wins a maximum).
        onnx: { g, layer in g.apply("MaxPool", layer, attributes: PoolGeometry.onnxAttributes(layer)) }) { MaxPool2D(geometry: $0) }
}

extension LayerSpec {
    /// `maxpool2d(kernel, stride: kernel, padding: 0)`.
    public static func maxPool2d(_ kernel: Int, stride: Int? = nil, padding: Int = 0) throws -> LayerSpec {
        try PoolGeometry.layerSpec(MaxPool2D.kind, kernel: kernel, stride: stride, padding: padding)
    }
}
