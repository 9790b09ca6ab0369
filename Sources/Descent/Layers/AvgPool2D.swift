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

    public convenience init(inputShape: [Int], kernel: Int, stride: Int? = nil, padding: Int = 0) throws {
        self.init(geometry: try PoolGeometry(inputShape: inputShape, kernel: kernel, stride: stride ?? kernel, padding: padding))
    }

    init(geometry: PoolGeometry) {
        self.geometry = geometry
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
        var cg = geometry.c
        return geometry.inputGradient(gradOutput, examples: lastCount, into: &inputGrad) { _, planes, gy, gx in
            descent_avgpool_backward(gy, gx, planes, &cg)
        }
    }
}

extension AvgPool2D {
    /// `avgpool2d(kernel, stride=kernel, padding=0)`.
    public static let kind = PoolGeometry.layerKind("avgpool2d", summary: "2-D average pooling (torch AvgPool2d, padding counted as zeros)",
        // ONNX: AveragePool, the padding counted as zeros.
        onnx: { g, layer in g.apply("AveragePool", layer, attributes: PoolGeometry.onnxAttributes(layer) + [("count_include_pad", .int(1))]) }) { AvgPool2D(geometry: $0) }
}

extension LayerSpec {
    /// `avgpool2d(kernel, stride: kernel, padding: 0)`.
    public static func avgPool2d(_ kernel: Int, stride: Int? = nil, padding: Int = 0) throws -> LayerSpec {
        try PoolGeometry.layerSpec(AvgPool2D.kind, kernel: kernel, stride: stride, padding: padding)
    }
}
