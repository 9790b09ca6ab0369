import XCTest
@testable import Descent

/// Convolutions and pooling give the same bits on any thread count (their products run one
/// example per call, their sums in fixed lanes), and the fused convolution + max pooling
/// equals the two separate layers bit for bit.
final class ConvParallelTests: XCTestCase {
    override func tearDown() { Parallel.setThreads(1) }

    /// Two training-style steps of `layer` (forward, backward with lazily zeroed gradients)
    /// and an evaluation forward: every value produced, in order.
    func trace(_ layer: Layer, input x: Tensor, upstream seed: UInt64) -> [Float] {
        var out: [Float] = []
        for step in 0..<2 {
            layer.parameters.zeroGrad()
            let y = layer.forward(x, training: true)
            out += y.toArray()
            let gy = GradientCheck.random(y.shape, seed: seed + UInt64(step))
            out += layer.backward(gy, needsInputGradient: true)!.toArray()
            out += layer.parameters.flatMap { $0.grad.toArray() }
        }
        return out + layer.forward(x, training: false).toArray()
    }

    func testLayersGiveTheSameBitsOnOneTwoAndThreeThreads() throws {
        // A batch of 130 (lanes of 16 and 17 examples), large enough that every pass is split.
        let x = GradientCheck.random([130, 3, 17, 15], seed: 1)
        let layers: [(String, () throws -> Layer)] = [
            ("conv2d relu", { var g = RandomGenerator(seed: 2); return try Conv2D(inputShape: [3, 17, 15], outChannels: 8, kernel: 5, padding: .same, activation: .relu, generator: &g) }),
            ("conv2d stride 2", { var g = RandomGenerator(seed: 3); return try Conv2D(inputShape: [3, 17, 15], outChannels: 4, kernel: 3, stride: 2, padding: .zeros(1), generator: &g) }),
            ("conv2d 1x1", { var g = RandomGenerator(seed: 4); return try Conv2D(inputShape: [3, 17, 15], outChannels: 5, kernel: 1, activation: .sigmoid, generator: &g) }),
            ("convtranspose2d", { var g = RandomGenerator(seed: 5); return try ConvTranspose2D(inputShape: [3, 17, 15], outChannels: 2, kernel: 4, stride: 2, padding: 1, activation: .tanh, generator: &g) }),
            ("maxpool2d", { try MaxPool2D(inputShape: [3, 17, 15], kernel: 3, stride: 2, padding: 1) }),
            ("maxpool2d 2x2", { try MaxPool2D(inputShape: [3, 17, 15], kernel: 2) }),
            ("avgpool2d", { try AvgPool2D(inputShape: [3, 17, 15], kernel: 2) }),
            ("upsample", { try Upsample(inputShape: [3, 17, 15], scale: 2) }),
        ]
        for (name, make) in layers {
            var results: [[Float]] = []
            for threads in [1, 2, 3] {
                Parallel.setThreads(threads)
                results.append(trace(try make(), input: x, upstream: 10))
            }
            XCTAssertTrue(results[0] == results[1], "\(name): 1 and 2 threads differ")
            XCTAssertTrue(results[0] == results[2], "\(name): 1 and 3 threads differ")
        }
    }

    /// A network of convolutions and pooling only (no dense products, which may round
    /// differently when split) trains to the same weights on 1 and 2 threads.
    func testConvolutionalNetworkTrainsToTheSameWeightsOnOneAndTwoThreads() throws {
        let spec = try ModelSpec.parse("1x12x12: conv2d(4, 3, padding=same), relu, maxpool2d(2), conv2d(10, 6), flatten")
        let set = try ImageSet(count: 300, height: 12, width: 12, pixels: (0..<(300 * 144)).map { UInt8(($0 * 7919) % 251) },
                           labels: (0..<300).map { UInt8(($0 * 31) % 10) })
        var weights: [[Float]] = []
        for threads in [1, 2] {
            Parallel.setThreads(threads)
            let net = try Network(spec, seed: 5)
            let trainer = try Trainer(net, optimizer: try OptimizerConfig(kind: .adam).make(), loss: SoftmaxCrossEntropy(), batchSize: 64, seed: 5)
            _ = try trainer.trainEpoch(.images(set))
            weights.append(net.parameters.flatMap { $0.value.toArray() })
        }
        XCTAssertTrue(weights[0] == weights[1])
    }

    /// conv2d → activation → maxpool2d (non-overlapping windows) runs fused inside Sequential;
    /// output, input gradient and parameter gradients equal those of the separate layers.
    func testFusedConvolutionAndMaxPoolingEqualTheSeparateLayers() throws {
        let cases: [(shape: [Int], kernel: Int, padding: ConvPadding, pool: Int, poolStride: Int?, activation: Activation)] = [
            ([1, 28, 28], 5, .zeros(2), 2, nil, .relu),
            ([6, 14, 14], 5, .zeros(0), 2, nil, .relu),
            ([2, 11, 9], 3, .same, 2, nil, .sigmoid),     // odd sizes: the last row and column are dropped
            ([2, 12, 12], 3, .zeros(1), 3, 4, .tanh),     // stride above the kernel
            ([3, 9, 9], 2, .zeros(0), 2, 2, .identity),
        ]
        for (i, c) in cases.enumerated() {
            for threads in [1, 2] {
                Parallel.setThreads(threads)
                func network(fused: Bool) throws -> Sequential {
                    var g = RandomGenerator(seed: UInt64(50 + i))
                    let conv = try Conv2D(inputShape: c.shape, outChannels: 5, kernel: c.kernel, padding: c.padding,
                                          activation: c.activation, generator: &g)
                    g.fillUniform(conv.bias!.value, low: -0.3, high: 0.3)
                    let pool = try MaxPool2D(inputShape: conv.outputShape, kernel: c.pool, stride: c.poolStride)
                    // An identity activation layer in between prevents the fusion.
                    return Sequential(fused ? [conv, pool] : [conv, ActivationLayer(.identity), pool])
                }
                let x = GradientCheck.random([70] + c.shape, seed: UInt64(60 + i))
                let fused = trace(try network(fused: true), input: x, upstream: 70)
                let separate = trace(try network(fused: false), input: x, upstream: 70)
                XCTAssertTrue(fused == separate, "case \(i), \(threads) thread(s): fused and separate layers differ")
            }
        }
    }
}
