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
        let (x, y, gy, gx) = GradientCheck.maskedPass(layer, shape: [10, 30], seed: 3, low: 0.5, high: 1)
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

    /// Inverted masking keeps the input's expected value: every value is 0 or x/(1 − p), the
    /// mean over many draws is x (plain masking's is (1 − p) x), and the zeros are those of
    /// plain masking with the same key.
    func testInvertedMaskingKeepsTheExpectedValue() throws {
        for p: Float in [0.1, 0.3, 0.5] {
            let x = Tensor(shape: [200, 1000], value: 0.6)
            let inverted = try MaskingNoise(p, inverted: true, generator: RandomGenerator(seed: 9)).forward(x, training: true).toArray()
            let plain = try MaskingNoise(p, generator: RandomGenerator(seed: 9)).forward(x, training: true).toArray()
            let keep: Float = 1 / (1 - p)  // kept values are x · keep, as inverted dropout's
            XCTAssertTrue(inverted.allSatisfy { $0 == 0 || $0 == Float(0.6) * keep }, "p = \(p)")
            XCTAssertEqual(inverted.map { $0 == 0 }, plain.map { $0 == 0 })
            // 200,000 values: the mean's standard deviation is 0.6·√(p/(1−p))/√200000 ≤ 0.0014; allow 5σ.
            let mean = inverted.reduce(0.0) { $0 + Double($1) } / Double(inverted.count)
            XCTAssertEqual(mean, 0.6, accuracy: 0.007, "p = \(p)")
            let plainMean = plain.reduce(0.0) { $0 + Double($1) } / Double(plain.count)
            XCTAssertEqual(plainMean, 0.6 * Double(1 - p), accuracy: 0.005, "p = \(p)")
        }
        // The fused batch conversion does the same to images (and to features).
        let set = MalformedInputs.set(count: 40)
        func noisy(_ source: DataSource, inverted: Bool) throws -> (clean: [Float], noisy: [Float]) {
            let batches = try Batches(source, batchSize: 40, corruption: 0.25, invertedMasking: inverted)
            batches.noise = RandomGenerator(seed: 10)
            var out: ([Float], [Float]) = ([], [])
            batches.forEachBatch { out = ($0.clean.toArray(), $0.inputs.toArray()) }
            return out
        }
        let (clean, inv) = try noisy(.images(set), inverted: true)
        let (_, plain) = try noisy(.images(set), inverted: false)
        for i in clean.indices {
            XCTAssertEqual(inv[i], plain[i] == 0 ? 0 : clean[i] * (1 / 0.75))
        }
        let features = Tensor(shape: [set.count, set.featureCount], values: clean)
        XCTAssertEqual(try noisy(.features(features, labels: nil), inverted: true).noisy, inv)
        var g = RandomGenerator(seed: 11)
        let copy = Tensor(shape: [clean.count])
        MaskingNoise.corruptingCopy(features.data, into: copy.data, count: clean.count, probability: 0.25, inverted: true, generator: &g)
        XCTAssertTrue(copy.toArray().enumerated().allSatisfy { $0.element == 0 || $0.element == clean[$0.offset] * (1 / 0.75) })
    }

    func testInvertedMaskingLayerInModelDescriptions() throws {
        let spec = try ModelSpec.parse("8: masking(0.3, inverted=true), linear(3), sigmoid | linear(8); loss=mse")
        XCTAssertEqual(spec.layers[0], try .masking(0.3, inverted: true))
        XCTAssertEqual(spec.layers[0].description, "masking(0.3, inverted=true)")
        XCTAssertEqual(try LayerSpec.masking(0.3).description, "masking(0.3)")  // the default is left out
        let net = try Network(spec, seed: 0)
        XCTAssertEqual((net.layers[0] as? MaskingNoise)?.inverted, true)
    }
}

