import Foundation

/// What a classifier does on a labelled set, in evaluation mode: the loss and accuracy the
/// training loop reports, the confusion matrix, per-class accuracy and the mistakes it
/// makes with the most confidence.
///
/// ```swift
/// let network = try Checkpoint.read("runs/mlp/model.safetensors").makeNetwork()
/// let result = try ClassifierEvaluation(network, on: data.test)
/// result.accuracy                 // 0.8806
/// result.confusion[6][0]          // shirts taken for T-shirts
/// ```
/// The prediction is the first class of largest logit, as in the loss kernel, so `accuracy`
/// is the `test_accuracy` a training run printed for the same weights; `confidence` is the
/// softmax probability of the predicted class.
public struct ClassifierEvaluation: Sendable {
    /// Mean softmax cross-entropy.
    public let loss: Double
    /// Fraction of examples classified correctly.
    public let accuracy: Double
    /// `confusion[t][p]`: examples of class t predicted as class p.
    public let confusion: [[Int]]
    /// The most confident mistakes, most confident first.
    public let mistakes: [Mistake]

    /// One misclassified example: where it is, its true and predicted class, and the
    /// predicted probability.
    public struct Mistake: Codable, Equatable, Sendable {
        /// Position of the example in the evaluated set.
        public var index: Int
        public var label: Int
        public var predicted: Int
        /// Softmax probability of `predicted`.
        public var confidence: Double
    }

    /// Number of classes (the network's outputs).
    public var classCount: Int { confusion.count }

    /// Accuracy within each true class (NaN for a class without examples).
    public var perClassAccuracy: [Double] {
        confusion.enumerated().map { t, row in
            let n = row.reduce(0, +)
            return n == 0 ? .nan : Double(row[t]) / Double(n)
        }
    }

    /// Evaluates `network` on `set`; keeps the `keepMistakes` most confident mistakes.
    public init(_ network: Network, on set: ImageSet, keepMistakes: Int = 32, batchSize: Int = 1000) throws {
        try self.init(network, on: .images(set), keepMistakes: keepMistakes, batchSize: batchSize)
    }

    public init(_ network: Network, on data: DataSource, keepMistakes: Int = 32, batchSize: Int = 1000) throws {
        try network.checkInput(data)
        guard let labels = data.labels else { throw DescentError("evaluation needs labelled data") }
        guard let classes = network.spec?.classCount ?? network.outputCount else {
            throw DescentError("evaluation needs a classifier (a network ending in class scores)")
        }
        if let bad = labels.max(), Int(bad) >= classes {
            throw DescentError("label \(bad) is out of range for a model with \(classes) classes")
        }
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var mistakes: [Mistake] = []
        var total = 0.0
        var start = 0
        let loss = SoftmaxCrossEntropy()
        try Batches(data, batchSize: batchSize).forEachBatch { batch in
            let logits = network(batch.inputs)
            guard logits.columns == classes else {
                throw DescentError("evaluation: the network gives \(logits.columns) outputs per example for \(classes) classes")
            }
            total += loss(logits, batch, computeGradient: false).loss * Double(batch.count)
            for (r, label) in batch.labels.enumerated() {
                let z = logits.data + r * classes
                var best = 0
                for c in 1..<classes where z[c] > z[best] { best = c }
                confusion[Int(label)][best] += 1
                guard best != Int(label) else { continue }
                var sum = 0.0
                for c in 0..<classes { sum += Foundation.exp(Double(z[c] - z[best])) }
                mistakes.append(Mistake(index: start + r, label: Int(label), predicted: best, confidence: 1 / sum))
            }
            start += batch.count
        }
        let n = max(data.count, 1)
        self.loss = total / Double(n)
        self.accuracy = Double((0..<classes).reduce(0) { $0 + confusion[$1][$1] }) / Double(n)
        self.confusion = confusion
        self.mistakes = Array(mistakes.sorted { ($0.confidence, -$0.index) > ($1.confidence, -$1.index) }.prefix(keepMistakes))
    }

    /// The confusion matrix as CSV: a header `true\predicted,<class names>`, one row per true class.
    public func confusionCSV(classNames: [String]) -> String {
        func field(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
        let names = (0..<classCount).map { $0 < classNames.count ? classNames[$0] : "\($0)" }
        var lines = [(["true\\predicted"] + names).map(field).joined(separator: ",")]
        for (t, row) in confusion.enumerated() { lines.append(([field(names[t])] + row.map(String.init)).joined(separator: ",")) }
        return lines.joined(separator: "\n") + "\n"
    }
}
