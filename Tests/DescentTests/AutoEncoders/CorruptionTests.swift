import XCTest
@testable import Descent

final class CorruptionTests: XCTestCase {
    func testFractionZeroedIsTheRatioAndSurvivorsAreUnscaled() throws {
        for p: Float in [0.1, 0.3, 0.5] {
            let layer = try MaskingNoise(p, generator: RandomGenerator(seed: 1))
            let x = Tensor(shape: [200, 1000], value: 0.75)
            let y = layer.forward(x, training: true)
            var zeros = 0
            for i in 0..<y.count {
                if y[i] == 0 { zeros += 1 } else { XCTAssertEqual(y[i], 0.75) }
            }
            // 200,000 Bernoulli(p) draws: standard deviation ≤ 0.0012; allow 5σ.
            XCTAssertEqual(Double(zeros) / Double(y.count), Double(p), accuracy: 0.006, "p = \(p)")
            // Evaluation is the identity.
            XCTAssertTrue(layer.forward(x, training: false) === x)
        }
    }

    func testBackwardUsesTheMask() throws {
        let layer = try MaskingNoise(0.4, generator: RandomGenerator(seed: 2))
        let x = GradientCheck.random([10, 30], seed: 3, low: 0.5, high: 1)
        let y = layer.forward(x, training: true).clone()
        let gy = GradientCheck.random([10, 30], seed: 4)
        let gx = layer.backward(gy, needsInputGradient: true)!
        for i in 0..<x.count { XCTAssertEqual(gx[i], y[i] == 0 ? 0 : gy[i]) }
    }

    func testFusedCopyMatchesTheLayerAndIsFreshPerEpoch() throws {
        let n = 5000
        let clean = Tensor(shape: [n], value: 1)
        let a = Tensor(shape: [n]), b = Tensor(shape: [n])
        var g = RandomGenerator(seed: 5)
        MaskingNoise.corruptingCopy(clean.data, into: a.data, count: n, probability: 0.3, generator: &g)
        let layer = try MaskingNoise(0.3, generator: RandomGenerator(seed: 5))
        XCTAssertEqual(layer.forward(clean, training: true).toArray(), a.toArray())
        // The trainer derives the noise of epoch e from (seed, e): different epochs, different masks.
        let model = try Network(try ModelSpec.autoencoder(sizes: [4, 2]), seed: 0)
        let trainer = try Trainer(model, optimizer: try OptimizerConfig(kind: .sgd).make(), loss: MeanSquaredError(),
                                  batchSize: 10, corruption: 0.3, seed: 0)
        var e1 = RandomGenerator(seed: 0, stream: trainer.stream(3, epoch: 1))
        var e2 = RandomGenerator(seed: 0, stream: trainer.stream(3, epoch: 2))
        MaskingNoise.corruptingCopy(clean.data, into: a.data, count: n, probability: 0.3, generator: &e1)
        MaskingNoise.corruptingCopy(clean.data, into: b.data, count: n, probability: 0.3, generator: &e2)
        XCTAssertNotEqual(a.toArray(), b.toArray())
        let overlap = (0..<n).filter { a[$0] == 0 && b[$0] == 0 }.count
        XCTAssertEqual(Double(overlap) / Double(n), 0.09, accuracy: 0.02)  // independent: p² of pixels
    }

    /// `Batches` converts bytes and masks in one pass, row by row; that must equal
    /// converting the batch and then masking it with the same key (`Kernels.maskingNoise`),
    /// for images and for Float features alike.
    func testFusedConversionAndMaskingEqualsMaskingTheConvertedBatch() throws {
        let set = MalformedInputs.set(count: 50)
        let rows = 17, f = set.featureCount
        let order = Array((0..<set.count).reversed().map { $0 }[3..<(3 + rows)])
        func batch(_ source: DataSource) throws -> (clean: [Float], noisy: [Float], labels: [UInt8]) {
            let batches = try Batches(source, batchSize: rows, corruption: 0.3)
            batches.noise = RandomGenerator(seed: 8)
            var out: ([Float], [Float], [UInt8]) = ([], [], [])
            try batches.forEachBatch(order: order) { b in
                XCTAssertEqual(b.inputs.shape, [rows] + source.sampleShape)
                out = (b.clean.toArray(), b.inputs.toArray(), Array(b.labels))
            }
            return out
        }
        let fused = try batch(.images(set))
        // Reference: bytes / 255 for the same rows, then masked as a whole batch.
        let reference = Tensor(shape: [rows, f])
        for r in 0..<rows { for j in 0..<f { reference.data[r * f + j] = Float(set.pixels[order[r] * f + j]) / 255 } }
        XCTAssertEqual(fused.clean, reference.toArray())
        XCTAssertEqual(fused.labels, order.map { set.labels[$0] })
        var g2 = RandomGenerator(seed: 8)
        Kernels.maskingNoise(reference.data, into: reference.data, count: rows * f, probability: 0.3, generator: &g2)
        XCTAssertEqual(fused.noisy, reference.toArray())
        // Features take the other path and must agree too.
        let features = Tensor(shape: [set.count, f], values: set.pixels.map { Float($0) / 255 })
        XCTAssertEqual(try batch(.features(features, labels: set.labels)).noisy, fused.noisy)
        let zeros = fused.noisy.enumerated().filter { $0.element == 0 && fused.clean[$0.offset] != 0 }.count
        let nonzero = fused.clean.filter { $0 != 0 }.count
        XCTAssertEqual(Double(zeros) / Double(max(nonzero, 1)), 0.3, accuracy: 0.05)
    }
}
