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
}
