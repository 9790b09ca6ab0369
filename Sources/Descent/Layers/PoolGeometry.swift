import CKernels

/// The shape arithmetic of 2-D pooling over one plane, as PyTorch's `MaxPool2d` and
/// `AvgPool2d` (square window k, stride s, padding p on every side, floor mode):
///
/// ```
/// H_out = ⌊(H + 2p − k) / s⌋ + 1,  W_out = ⌊(W + 2p − k) / s⌋ + 1,   p ≤ k / 2
/// window (i, j) covers rows i·s − p ..< i·s − p + k and columns j·s − p ..< j·s − p + k
/// ```
public struct PoolGeometry: Hashable, Sendable {
    public let channels, height, width: Int
    public let kernel, stride, padding: Int
    public let outHeight, outWidth: Int

    /// The geometry over `inputShape` (C × H × W), or an error naming what does not fit.
    public init(inputShape: [Int], kernel: Int, stride: Int, padding: Int) throws {
        guard inputShape.count == 3 else {
            throw DescentError("needs a C×H×W input (start the model with its shape, e.g. 1x28x28:), got \(ModelSpec.shapeText(inputShape))")
        }
        let limit = ModelSpec.largestSize
        guard (inputShape + [kernel, stride]).allSatisfy({ $0 > 0 && $0 <= limit }), padding >= 0 else {
            throw DescentError("sizes, kernel and stride must be in 1...\(limit) and padding ≥ 0, got \(ModelSpec.shapeText(inputShape)), kernel \(kernel), stride \(stride), padding \(padding)")
        }
        guard padding <= kernel / 2 else { throw DescentError("padding must be at most half the kernel (\(kernel / 2)), got \(padding)") }
        (channels, height, width) = (inputShape[0], inputShape[1], inputShape[2])
        guard height + 2 * padding >= kernel, width + 2 * padding >= kernel else {
            throw DescentError("a \(kernel)×\(kernel) window does not fit a \(height)×\(width) input with padding \(padding)")
        }
        (self.kernel, self.stride, self.padding) = (kernel, stride, padding)
        outHeight = (height + 2 * padding - kernel) / stride + 1
        outWidth = (width + 2 * padding - kernel) / stride + 1
    }

    /// The output shape of one example, C × H_out × W_out.
    public var outputShape: [Int] { [channels, outHeight, outWidth] }
    var inputPlane: Int { height * width }
    var outPlane: Int { outHeight * outWidth }

    var c: descent_pool_geometry {
        descent_pool_geometry(height: height, width: width, kernel: kernel, stride: stride, padding: padding,
                              out_height: outHeight, out_width: outWidth)
    }

    /// The geometry of a pooling layer kind's options (`kernel`, `stride` = kernel when absent, `padding`).
    static func of(_ spec: LayerSpec, inputShape: [Int]) throws -> PoolGeometry {
        let k = spec.int("kernel")!
        return try PoolGeometry(inputShape: inputShape, kernel: k, stride: spec.int("stride") ?? k, padding: spec.int("padding")!)
    }

    /// The arguments of a pooling layer kind: `kernel, stride=kernel, padding=0`.
    static let arguments: [LayerArgument] = [
        .positiveInt("kernel"), .positiveInt("stride", absentMeaning: "kernel"),
        LayerArgument("padding", .int, default: .int(0)) { v in (v.intValue ?? -1) >= 0 ? nil : "must be ≥ 0" },
    ]

    /// The descriptor of a pooling layer `name(kernel, stride=kernel, padding=0)`, built by
    /// `make(geometry)`.
    static func layerKind(_ name: String, summary: String, onnx: @escaping ONNXExport.Exporter,
                          make: @escaping @Sendable (PoolGeometry) -> Layer) -> LayerKind {
        LayerKind(name: name, summary: summary, arguments: arguments, isSpatial: true,
                  outputShape: { spec, shape in try of(spec, inputShape: shape).outputShape }, onnx: onnx,
                  make: { spec, context in make(try of(spec, inputShape: context.inputShape)) })
    }

    /// The ONNX attributes of a pooling layer (floor mode): kernel_shape, strides, pads.
    static func onnxAttributes(_ layer: ONNXExport.LayerSite) -> [(String, ONNX.Attribute)] {
        let k = layer.spec.int("kernel")!
        let s = layer.spec.int("stride") ?? k
        let p = layer.spec.int("padding")!
        return [("kernel_shape", .ints([k, k])), ("strides", .ints([s, s])), ("pads", .ints([p, p, p, p]))]
    }

    /// The spec `name(kernel, stride: kernel, padding: 0)` of a pooling layer.
    static func layerSpec(_ kind: LayerKind, kernel: Int, stride: Int?, padding: Int) throws -> LayerSpec {
        var options: [String: LayerOption] = ["kernel": .int(kernel), "padding": .int(padding)]
        if let stride { options["stride"] = .int(stride) }
        return try LayerSpec(kind, options)
    }

    /// Runs `body(first plane, planes)` over the N·C planes of a batch, split over `Parallel`
    /// (each plane is independent: the same bits on any thread count).
    func forPlanes(examples n: Int, _ body: (Int, Int) -> Void) {
        Parallel.forRanges(n * channels, elementsPerItem: inputPlane) { r in body(r.lowerBound, r.count) }
    }

    /// A pooling layer's backward: ∂L/∂x of a batch of `n` (N × C × H × W, in `buffer`) from
    /// ∂L/∂y, plane by plane (`forPlanes`). `scatter(first, planes, gy, gx)` writes the input
    /// gradient of planes `first ..< first + planes`, `gy` and `gx` pointing at the first.
    func inputGradient(_ gradOutput: Tensor, examples n: Int, into buffer: inout Workspace,
                       _ scatter: (_ first: Int, _ planes: Int, _ gy: UnsafeMutablePointer<Float>,
                                   _ gx: UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let gx = buffer.get([n, channels, height, width])
        let (gyd, gxd, hw, p) = (gradOutput.data, gx.data, inputPlane, outPlane)
        forPlanes(examples: n) { first, planes in scatter(first, planes, gyd + first * p, gxd + first * hw) }
        return gx
    }
}
