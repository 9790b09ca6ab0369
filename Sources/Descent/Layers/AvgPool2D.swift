import CKernels

/// 2-D average pooling, as PyTorch's `AvgPool2d(kernel, stride=kernel, padding=0)` (see
/// `PoolGeometry`; padding counts as zeros, torch's default `count_include_pad=True`):
///
/// ```
/// y[n, c, i, j] = (1 / k²) Σ over the window (i, j) of x[n, c, ·, ·]
/// ∂L/∂x[n, c, a] = (1 / k²) Σ over the windows that cover a of ∂L/∂y
/// ```
/// Example: `avgpool2d(2)` maps 16×10×10 to 16×5×5. Planes are split over the threads.
public final class AvgPool2D: Layer {
    public let geometry: PoolGeometry
    private var output = Workspace()
    private var inputGrad = Workspace()
    private var lastCount = 0

    public init(inputShape: [Int], kernel: Int, stride: Int? = nil, padding: Int = 0) throws {
        geometry = try PoolGeometry(inputShape: inputShape, kernel: kernel, stride: stride ?? kernel, padding: padding)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry
        precondition(x.columns == g.channels * g.inputPlane, "AvgPool2D: input has \(x.columns) values per example, expected \(g.channels * g.inputPlane)")
        let n = x.rows
        lastCount = n
        let y = output.get([n] + g.outputShape)
        var cg = g.c
        let (xd, yd, hw, p) = (x.data, y.data, g.inputPlane, g.outPlane)
        g.forPlanes(examples: n) { first, planes in descent_avgpool_forward(xd + first * hw, yd + first * p, planes, &cg) }
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        let g = geometry
        let gx = inputGrad.get([lastCount, g.channels, g.height, g.width])
        var cg = g.c
        let (gyd, gxd, hw, p) = (gradOutput.data, gx.data, g.inputPlane, g.outPlane)
        g.forPlanes(examples: lastCount) { first, planes in descent_avgpool_backward(gyd + first * p, gxd + first * hw, planes, &cg) }
        return gx
    }
}

extension AvgPool2D {
    /// `avgpool2d(kernel, stride=kernel, padding=0)`.
    public static let kind = PoolGeometry.layerKind("avgpool2d", summary: "2-D average pooling (torch AvgPool2d, padding counted as zeros)") { shape, g in
        try AvgPool2D(inputShape: shape, kernel: g.kernel, stride: g.stride, padding: g.padding)
    }
}

extension LayerSpec {
    /// `avgpool2d(kernel, stride: kernel, padding: 0)`.
    public static func avgPool2d(_ kernel: Int, stride: Int? = nil, padding: Int = 0) throws -> LayerSpec {
        try PoolGeometry.layerSpec("avgpool2d", kernel: kernel, stride: stride, padding: padding)
    }
}
