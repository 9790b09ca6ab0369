import XCTest
@testable import Descent

/// Finite-difference checks (tolerances in `GradientCheck`) of every convolution and
/// pooling layer over their options: kernel sizes 1–5, strides 1–3, zero and "same"
/// padding (odd and even kernels), odd and non-square inputs, with and without bias, and
/// each fused activation.
final class ConvGradientTests: XCTestCase {
    /// A random input batch of `n` examples of `shape`.
    func input(_ n: Int, _ shape: [Int], seed: UInt64) -> Tensor {
        GradientCheck.random([n] + shape, seed: seed)
    }

    /// Gives every bias non-zero values so that they matter in the check.
    func randomizeBias(_ p: Parameter?, seed: UInt64) {
        guard let p else { return }
        var g = RandomGenerator(seed: seed)
        g.fillUniform(p.value, low: -0.5, high: 0.5)
    }

    /// Inputs whose values are all at least 0.1 apart (a shuffled grid), so that a step of
    /// ±h = 0.01 never changes which element of a pooling window is the largest.
    func distinctInput(_ n: Int, _ shape: [Int], seed: UInt64) -> Tensor {
        let count = n * shape.reduce(1, *)
        var g = RandomGenerator(seed: seed)
        let values = g.permutation(count).map { Float($0) * 0.1 - Float(count) * 0.05 }
        return Tensor(shape: [n] + shape, values: values)
    }

    func testConv2DOverKernelsStridesAndPaddings() throws {
        let cases: [(shape: [Int], out: Int, kernel: Int, stride: Int, padding: ConvPadding)] = [
            ([1, 5, 5], 2, 1, 1, .zeros(0)),      // pointwise: im2col is the input itself
            ([3, 7, 9], 4, 3, 1, .zeros(0)),
            ([3, 7, 9], 4, 3, 1, .zeros(1)),
            ([2, 7, 9], 3, 3, 2, .zeros(1)),      // stride 2 over odd sizes
            ([2, 8, 7], 3, 2, 2, .zeros(0)),      // even kernel
            ([2, 9, 9], 2, 5, 3, .zeros(2)),      // stride 3
            ([1, 7, 6], 3, 5, 1, .same),          // odd kernel, same
            ([2, 6, 7], 2, 4, 1, .same),          // even kernel, same: 1 before, 2 after
            ([3, 5, 5], 2, 5, 1, .zeros(0)),      // the kernel covers the whole input
            ([1, 4, 4], 2, 3, 1, .zeros(2)),      // padding larger than half the kernel
        ]
        for (i, c) in cases.enumerated() {
            for bias in [true, false] {
                var g = RandomGenerator(seed: UInt64(100 + i))
                let layer = try Conv2D(inputShape: c.shape, outChannels: c.out, kernel: c.kernel, stride: c.stride,
                                       padding: c.padding, bias: bias, generator: &g)
                randomizeBias(layer.bias, seed: UInt64(200 + i))
                GradientCheck.check(layer, input: input(2, c.shape, seed: UInt64(300 + i)))
            }
        }
    }

    func testConv2DFusedActivations() throws {
        // Not relu and leakyrelu: a step of h moves some of the many sums across their kink
        // (the torch fixtures check them, ConvFixtureTests).
        for (i, act) in [Activation.sigmoid, .tanh, .identity, .gelu, .silu].enumerated() {
            var g = RandomGenerator(seed: UInt64(10 + i))
            let layer = try Conv2D(inputShape: [2, 6, 5], outChannels: 3, kernel: 3, stride: 1, padding: .same,
                                   activation: act, generator: &g)
            randomizeBias(layer.bias, seed: 20)
            GradientCheck.check(layer, input: input(3, [2, 6, 5], seed: 30))
        }
    }

    func testConv2DHeInitialisationBoundsAndShape() throws {
        var g = RandomGenerator(seed: 1)
        let layer = try Conv2D(inputShape: [3, 8, 8], outChannels: 16, kernel: 5, initialization: .he, generator: &g)
        XCTAssertEqual(layer.weight.value.shape, [16, 3, 5, 5])
        let bound = Float((6.0 / 75.0).squareRoot())
        let w = layer.weight.value.toArray()
        XCTAssertLessThanOrEqual(w.map(abs).max()!, bound)
        XCTAssertGreaterThan(w.map(abs).max()!, 0.9 * bound)
        XCTAssertEqual(layer.bias!.value.toArray(), [Float](repeating: 0, count: 16))
    }

    /// The activations whose derivative is written from the kept pre-activation, fused into a
    /// transposed convolution.
    func testConvTranspose2DFusedGELUAndSiLU() throws {
        for (i, act) in [Activation.gelu, .silu].enumerated() {
            var g = RandomGenerator(seed: UInt64(700 + i))
            let layer = try ConvTranspose2D(inputShape: [2, 3, 3], outChannels: 2, kernel: 3, stride: 2, padding: 1,
                                            outputPadding: 1, activation: act, generator: &g)
            randomizeBias(layer.bias, seed: UInt64(710 + i))
            GradientCheck.check(layer, input: input(2, [2, 3, 3], seed: UInt64(720 + i)))
        }
    }

    func testConvTranspose2DOverKernelsStridesAndPaddings() throws {
        let cases: [(shape: [Int], out: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int)] = [
            ([2, 3, 4], 3, 2, 2, 0, 0),
            ([2, 3, 3], 2, 3, 2, 1, 1),
            ([3, 4, 3], 2, 4, 2, 1, 0),
            ([1, 3, 5], 2, 3, 1, 0, 0),
            ([2, 2, 3], 3, 3, 3, 1, 2),
            ([2, 4, 4], 2, 1, 1, 0, 0),
        ]
        for (i, c) in cases.enumerated() {
            for bias in [true, false] {
                var g = RandomGenerator(seed: UInt64(400 + i))
                let layer = try ConvTranspose2D(inputShape: c.shape, outChannels: c.out, kernel: c.kernel, stride: c.stride,
                                                padding: c.padding, outputPadding: c.outputPadding, bias: bias,
                                                activation: i == 1 ? .tanh : .identity, generator: &g)
                randomizeBias(layer.bias, seed: UInt64(500 + i))
                GradientCheck.check(layer, input: input(2, c.shape, seed: UInt64(600 + i)))
            }
        }
    }

    func testMaxPool2D() throws {
        let cases: [(shape: [Int], kernel: Int, stride: Int?, padding: Int)] = [
            ([2, 6, 6], 2, nil, 0), ([2, 7, 5], 2, nil, 0), ([1, 7, 7], 3, 2, 1), ([2, 5, 6], 3, 1, 0),
            ([1, 9, 8], 3, 3, 1), ([3, 4, 4], 2, 1, 1),
        ]
        for (i, c) in cases.enumerated() {
            let layer = try MaxPool2D(inputShape: c.shape, kernel: c.kernel, stride: c.stride, padding: c.padding)
            GradientCheck.check(layer, input: distinctInput(2, c.shape, seed: UInt64(700 + i)))
        }
    }

    func testAvgPool2D() throws {
        let cases: [(shape: [Int], kernel: Int, stride: Int?, padding: Int)] = [
            ([2, 6, 6], 2, nil, 0), ([2, 7, 5], 2, nil, 0), ([1, 7, 7], 3, 2, 1), ([2, 5, 6], 3, 1, 0), ([3, 4, 4], 2, 1, 1),
        ]
        for (i, c) in cases.enumerated() {
            let layer = try AvgPool2D(inputShape: c.shape, kernel: c.kernel, stride: c.stride, padding: c.padding)
            GradientCheck.check(layer, input: input(2, c.shape, seed: UInt64(800 + i)))
        }
    }

    func testUpsampleReshapeAndFlatten() throws {
        for scale in [1, 2, 3] {
            GradientCheck.check(try Upsample(inputShape: [2, 3, 5], scale: scale), input: input(2, [2, 3, 5], seed: 900))
        }
        GradientCheck.check(Reshape([2, 3, 4]), input: GradientCheck.random([3, 24], seed: 901))
        GradientCheck.check(Flatten(), input: input(3, [2, 3, 4], seed: 902))
    }

    /// A small CNN with every layer kind, built from its text form: the parameters and the
    /// input through the whole chain (fused activations, flatten, reshape, pooling).
    func testSmallNetworkOfEveryLayerKind() throws {
        let spec = try ModelSpec.parse("""
            2x8x9: maxpool2d(2, stride=1), conv2d(3, 3, stride=2, padding=1), tanh, conv2d(4, 2, padding=same), sigmoid,
            avgpool2d(2), flatten, linear(12), tanh, reshape(3, 2, 2), upsample(2), convtranspose2d(2, 3, stride=2, padding=1),
            tanh, flatten, linear(5)
            """)
        let net = try Network(spec, seed: 3)
        for p in net.parameters where p.name.hasSuffix("bias") { randomizeBias(p, seed: 4) }
        // Max pooling first, on inputs 0.025 apart (more than the 2h of the check): a step
        // never changes a window's maximum, which a step of a weight before it could.
        let x = distinctInput(2, [2, 8, 9], seed: 5)
        for i in 0..<x.count { x[i] *= 0.25 }
        GradientCheck.check(net, input: x)
    }
}
