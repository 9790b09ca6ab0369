import XCTest
@testable import Descent

final class CorruptionTests: XCTestCase {
    func testFractionZeroedIsTheRatioAndSurvivorsAreUnscaled() {
        for p: Float in [0.1, 0.3, 0.5] {
            let layer = MaskingNoise(p, generator: RandomGenerator(seed: 1))
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

    func testBackwardUsesTheMask() {
        let layer = MaskingNoise(0.4, generator: RandomGenerator(seed: 2))
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
        let layer = MaskingNoise(0.3, generator: RandomGenerator(seed: 5))
        XCTAssertEqual(layer.forward(clean, training: true).toArray(), a.toArray())
        // The trainer derives the noise of epoch e from (seed, e): different epochs, different masks.
        let model = try AutoEncoder(inputSize: 4, hiddenSize: 2, seed: 0)
        let trainer = try AutoEncoderTrainer(model: model, optimizer: try OptimizerConfig(kind: .sgd).make(), corruption: 0.3, seed: 0)
        var e1 = RandomGenerator(seed: 0, stream: trainer.stream(3, epoch: 1))
        var e2 = RandomGenerator(seed: 0, stream: trainer.stream(3, epoch: 2))
        MaskingNoise.corruptingCopy(clean.data, into: a.data, count: n, probability: 0.3, generator: &e1)
        MaskingNoise.corruptingCopy(clean.data, into: b.data, count: n, probability: 0.3, generator: &e2)
        XCTAssertNotEqual(a.toArray(), b.toArray())
        let overlap = (0..<n).filter { a[$0] == 0 && b[$0] == 0 }.count
        XCTAssertEqual(Double(overlap) / Double(n), 0.09, accuracy: 0.02)  // independent: p² of pixels
    }

    /// The trainer converts bytes and masks in one pass, row by row; that must equal
    /// converting the batch and then masking it with the same key (`Kernels.maskingNoise`),
    /// for images and for Float codes alike.
    func testFusedConversionAndMaskingEqualsMaskingTheConvertedBatch() {
        let set = MalformedInputs.set(count: 50)
        let rows = 17, f = set.featureCount
        let order = (0..<set.count).reversed().map { $0 }
        let clean = Tensor(shape: [rows, f]), fused = Tensor(shape: [rows, f]), reference = Tensor(shape: [rows, f])
        var g1 = RandomGenerator(seed: 8), g2 = RandomGenerator(seed: 8)
        order.withUnsafeBufferPointer { idx in
            let data = ReconstructionData.images(set)
            data.fill(clean.data, indices: idx, start: 3, rows: rows,
                      masking: .init(output: fused.data, probability: 0.3, key: Kernels.hashKey(&g1)))
            // Reference: bytes / 255 for the same rows, then masked as a whole batch.
            for r in 0..<rows { for j in 0..<f { reference.data[r * f + j] = Float(set.pixels[order[3 + r] * f + j]) / 255 } }
            XCTAssertEqual(clean.toArray(), reference.toArray())
            Kernels.maskingNoise(reference.data, into: reference.data, count: rows * f, probability: 0.3, generator: &g2)
            XCTAssertEqual(fused.toArray(), reference.toArray())
            // Codes take the other path and must agree too.
            let codes = ReconstructionData.codes(Tensor(shape: [set.count, f], values: set.pixels.map { Float($0) / 255 }))
            let fromCodes = Tensor(shape: [rows, f]), cleanCodes = Tensor(shape: [rows, f])
            var g3 = RandomGenerator(seed: 8)
            codes.fill(cleanCodes.data, indices: idx, start: 3, rows: rows,
                       masking: .init(output: fromCodes.data, probability: 0.3, key: Kernels.hashKey(&g3)))
            XCTAssertEqual(fromCodes.toArray(), fused.toArray())
        }
        let zeros = fused.toArray().enumerated().filter { $0.element == 0 && clean[$0.offset] != 0 }.count
        let nonzero = clean.toArray().filter { $0 != 0 }.count
        XCTAssertEqual(Double(zeros) / Double(max(nonzero, 1)), 0.3, accuracy: 0.05)
    }
}
