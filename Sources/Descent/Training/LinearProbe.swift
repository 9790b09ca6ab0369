/// Linear-probe evaluation of learned features: a softmax-regression classifier
/// (`linear(classes)` + `SoftmaxCrossEntropy`) trained by the `Trainer` on **frozen** codes,
/// so the quality of a representation becomes a test accuracy.
///
/// ```
/// z = (code − μ) / σ   (per feature, training-set statistics)      p(y | z) = softmax(z Wᵀ + b)
/// ```
/// Standardising treats sigmoid codes and PCA projections, whose scales differ by orders of
/// magnitude, alike. Training: Adam (lr 1e-3), minibatch 128, `epochs` epochs; the weights
/// and the shuffling come from the seed's streams with stream base `0x50524F` ("PRO").
public enum LinearProbe {
    /// The probe's accuracy on the training codes and on the test codes, after `epochs` epochs
    /// (JSON keys `train_accuracy`, `test_accuracy`, `epochs`).
    public struct Result: Codable, Equatable, Sendable {
        public var trainAccuracy: Double
        public var testAccuracy: Double
        public var epochs: Int
        enum CodingKeys: String, CodingKey { case trainAccuracy = "train_accuracy", testAccuracy = "test_accuracy", epochs }
    }

    /// Trains the probe on `trainCodes` (N × k) and measures it on both sets. Every label
    /// must be below `classes`.
    public static func evaluate(trainCodes: Tensor, trainLabels: [UInt8], testCodes: Tensor, testLabels: [UInt8],
                                classes: Int, epochs: Int = 10, batchSize: Int = 128, learningRate: Float = 1e-3,
                                seed: UInt64 = 0) throws -> Result {
        let k = trainCodes.columns
        guard testCodes.columns == k else { throw DescentError("probe: training codes have \(k) values, test codes \(testCodes.columns)") }
        guard classes >= 1 else { throw DescentError("probe: the number of classes must be positive, got \(classes)") }
        guard epochs >= 1 else { throw DescentError("probe: epochs must be positive, got \(epochs)") }
        let (mean, inverseStd) = statistics(trainCodes)
        let train = DataSource.features(standardised(trainCodes, mean, inverseStd), labels: trainLabels)
        let test = DataSource.features(standardised(testCodes, mean, inverseStd), labels: testLabels)
        let streams: UInt64 = 0x50_524F
        var g = RandomGenerator(seed: seed, stream: streams)
        let network = try Network(layers: [Linear(k, classes, generator: &g)], inputShape: [k])
        let trainer = try Trainer(network, optimizer: try Adam(learningRate: learningRate), loss: SoftmaxCrossEntropy(),
                                  batchSize: batchSize, seed: seed, streamBase: streams)
        for _ in 0..<epochs { _ = try trainer.trainEpoch(train) }
        return Result(trainAccuracy: try trainer.evaluate(train).accuracy ?? 0,
                      testAccuracy: try trainer.evaluate(test).accuracy ?? 0, epochs: epochs)
    }

    /// Per-feature mean and 1/std (1 where a feature is constant), accumulated in Double.
    static func statistics(_ codes: Tensor) -> (mean: [Float], inverseStd: [Float]) {
        let (n, k) = (codes.rows, codes.columns)
        var s = [Double](repeating: 0, count: k), s2 = [Double](repeating: 0, count: k)
        for r in 0..<n {
            let row = codes.data + r * k
            for j in 0..<k { let v = Double(row[j]); s[j] += v; s2[j] += v * v }
        }
        var mean = [Float](repeating: 0, count: k), inv = [Float](repeating: 1, count: k)
        for j in 0..<k {
            let m = s[j] / Double(max(n, 1))
            let v = max(s2[j] / Double(max(n, 1)) - m * m, 0)
            mean[j] = Float(m)
            inv[j] = v > 1e-12 ? Float(1 / v.squareRoot()) : 1
        }
        return (mean, inv)
    }

    static func standardised(_ t: Tensor, _ mean: [Float], _ inv: [Float]) -> Tensor {
        let k = t.columns
        let o = Tensor(shape: [t.rows, k])
        for r in 0..<t.rows {
            let a = t.data + r * k, b = o.data + r * k
            for j in 0..<k { b[j] = (a[j] - mean[j]) * inv[j] }
        }
        return o
    }
}
