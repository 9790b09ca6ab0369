import CKernels

/// Nearest-neighbour upsampling by an integer factor, as PyTorch's
/// `Upsample(scale_factor=f, mode='nearest')`:
///
/// ```
/// x: N × C × H × W  →  y: N × C × (f·H) × (f·W),   y[n, c, i, j] = x[n, c, ⌊i/f⌋, ⌊j/f⌋]
/// ∂L/∂x[n, c, a, b] = Σ over the f × f block of ∂L/∂y that copies it
/// ```
/// Example: `upsample(2)` maps 32×7×7 to 32×14×14. Planes are split over the threads.
public final class Upsample: Layer {
    public let inputShape: [Int]
    public let scale: Int
    private var output = Workspace()
    private var inputGrad = Workspace()
    private var lastCount = 0

    public init(inputShape: [Int], scale: Int) throws {
        guard inputShape.count == 3 else {
            throw DescentError("needs a C×H×W input, got \(ModelSpec.shapeText(inputShape))")
        }
        self.inputShape = inputShape
        self.scale = scale
    }

    public var outputShape: [Int] { [inputShape[0], inputShape[1] * scale, inputShape[2] * scale] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let (c, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        precondition(x.columns == c * h * w, "Upsample: input has \(x.columns) values per example, expected \(c * h * w)")
        let n = x.rows
        lastCount = n
        let y = output.get([n] + outputShape)
        let (xd, yd, s) = (x.data, y.data, scale)
        Parallel.forRanges(n * c, elementsPerItem: h * w * s * s) { r in
            descent_upsample_forward(xd + r.lowerBound * h * w, yd + r.lowerBound * h * w * s * s, r.count, h, w, s)
        }
        return y
    }

    public func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        let (c, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        let gx = inputGrad.get([lastCount] + inputShape)
        let (gyd, gxd, s) = (gradOutput.data, gx.data, scale)
        Parallel.forRanges(lastCount * c, elementsPerItem: h * w * s * s) { r in
            descent_upsample_backward(gyd + r.lowerBound * h * w * s * s, gxd + r.lowerBound * h * w, r.count, h, w, s)
        }
        return gx
    }
}

extension Upsample {
    /// `upsample(scale=2)`.
    public static let kind = LayerKind(
        name: "upsample", summary: "nearest-neighbour upsampling by an integer factor (torch Upsample, mode nearest)",
        arguments: [.positiveInt("scale", default: 2)], isSpatial: true,
        outputShape: { spec, shape in
            guard shape.count == 3 else { throw DescentError("needs a C×H×W input, got \(ModelSpec.shapeText(shape))") }
            let s = spec.int("scale")!
            return [shape[0], shape[1] * s, shape[2] * s]
        },
        onnx: Upsample.onnxForm,
        make: { spec, context in try Upsample(inputShape: context.inputShape, scale: spec.int("scale")!) })
}

extension LayerSpec {
    /// `upsample(scale)`.
    public static func upsample(_ scale: Int = 2) throws -> LayerSpec { try LayerSpec(Upsample.kind, ["scale": .int(scale)]) }
}

extension Upsample {
    /// ONNX: Resize as torch's nearest, source index ⌊destination / scale⌋ (asymmetric, floor).
    public static let onnxForm: ONNXExport.Exporter = { g, layer in
        let scale = Float(layer.spec.int("scale")!)
        let scales = g.constant("\(layer.name).scales", floats: [1, 1, scale, scale])
        g.apply("Resize", layer, inputs: ["", scales], attributes: [
            ("mode", .string("nearest")), ("coordinate_transformation_mode", .string("asymmetric")),
            ("nearest_mode", .string("floor")),
        ])
    }
}
