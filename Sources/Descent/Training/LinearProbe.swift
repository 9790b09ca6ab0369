import Foundation

/// Linear-probe evaluation of learned features: a softmax-regression classifier
/// (`Linear(k → classes)` + `SoftmaxCrossEntropy`) trained on **frozen** codes, so the
/// quality of a representation becomes a test accuracy.
///
/// Each feature is standardised with the training codes' mean and standard deviation
/// (so sigmoid codes and PCA projections, whose scales differ by orders of magnitude, are
/// treated alike). Training: Adam (lr 1e-3), minibatch 128, reshuffled every epoch from
/// `RandomGenerator(seed:stream: 0x50524F42 + epoch)`.
public enum LinearProbe {
    public struct Result: Codable, Equatable, Sendable {
        public var trainAccuracy: Double
        public var testAccuracy: Double
        public var epochs: Int
        enum CodingKeys: String, CodingKey { case trainAccuracy = "train_accuracy", testAccuracy = "test_accuracy", epochs }
    }

    public static func evaluate(trainCodes: Tensor, trainLabels: [UInt8], testCodes: Tensor, testLabels: [UInt8],
                                epochs: Int = 10, batchSize: Int = 128, learningRate: Float = 1e-3,
                                seed: UInt64 = 0) throws -> Result {
        let k = trainCodes.columns
        precondition(testCodes.columns == k && trainLabels.count == trainCodes.rows && testLabels.count == testCodes.rows)
        let classes = Int(max(trainLabels.max() ?? 0, testLabels.max() ?? 0)) + 1
        // Standardise with training statistics.
        var mean = [Float](repeating: 0, count: k), inv = [Float](repeating: 1, count: k)
        do {
            var s = [Double](repeating: 0, count: k), s2 = [Double](repeating: 0, count: k)
            let n = trainCodes.rows
            for r in 0..<n { let row = trainCodes.data + r * k; for j in 0..<k { let v = Double(row[j]); s[j] += v; s2[j] += v * v } }
            for j in 0..<k {
                let m = s[j] / Double(max(n, 1))
                let v = max(s2[j] / Double(max(n, 1)) - m * m, 0)
                mean[j] = Float(m); inv[j] = v > 1e-12 ? Float(1 / v.squareRoot()) : 1
            }
        }
        func standardised(_ t: Tensor) -> Tensor {
            let o = Tensor(shape: t.shape)
            for r in 0..<t.rows {
                let a = t.data + r * k, b = o.data + r * k
                for j in 0..<k { b[j] = (a[j] - mean[j]) * inv[j] }
            }
            return o
        }
        let train = standardised(trainCodes), test = standardised(testCodes)
        var g = RandomGenerator(seed: seed, stream: 0x5052_4F42)
        let layer = Linear(k, classes, name: "probe", generator: &g)
        var config = OptimizerConfig(kind: .adam)
        config.learningRate = learningRate
        let optimizer = try config.make()
        let loss = SoftmaxCrossEntropy()
        let x = Tensor(shape: [batchSize, k])
        var labels = [UInt8](repeating: 0, count: batchSize)
        var order = Array(0..<train.rows)
        for epoch in 1...max(epochs, 1) {
            var shuffler = RandomGenerator(seed: seed, stream: 0x5052_4F42 &+ UInt64(epoch))
            for i in 0..<order.count { order[i] = i }
            shuffler.shuffle(&order)
            var start = 0
            while start < train.rows {
                let b = min(batchSize, train.rows - start)
                x.reshape([b, k])
                for r in 0..<b {
                    let i = order[start + r]
                    (x.data + r * k).update(from: train.data + i * k, count: k)
                    labels[r] = trainLabels[i]
                }
                layer.parameters.zeroGrad()
                let logits = layer.forward(x, training: true)
                let res = labels.withUnsafeBufferPointer { loss(logits, labels: $0.baseAddress!, computeGradient: true) }
                guard res.loss.isFinite else { throw DivergenceError(epoch: epoch, step: start / batchSize + 1, what: "probe loss") }
                _ = layer.backward(res.gradient!, needsInputGradient: false)
                optimizer.step(layer.parameters)
                start += b
            }
        }
        func accuracy(_ t: Tensor, _ y: [UInt8]) -> Double {
            var correct = 0
            var start = 0
            let bs = 1000
            let xb = Tensor(shape: [min(bs, max(t.rows, 1)), k])
            while start < t.rows {
                let b = min(bs, t.rows - start)
                xb.reshape([b, k])
                xb.data.update(from: t.data + start * k, count: b * k)
                let logits = layer.forward(xb, training: false)
                correct += Array(y[start..<(start + b)]).withUnsafeBufferPointer {
                    loss(logits, labels: $0.baseAddress!, computeGradient: false).correct
                }
                start += b
            }
            return Double(correct) / Double(max(t.rows, 1))
        }
        return Result(trainAccuracy: accuracy(train, trainLabels), testAccuracy: accuracy(test, testLabels), epochs: epochs)
    }
}
