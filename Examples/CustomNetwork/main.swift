// A network with a layer of our own, trained and evaluated with plain `import Descent`.
//
//   swift run descent-example [DATA_DIR] [EPOCHS]
//
// DATA_DIR holds the four MNIST-family IDX files (default: Fashion-MNIST wherever
// `descent` finds it); EPOCHS defaults to 3.
import Descent
import Foundation

/// Swish, x · σ(x) (Ramachandran et al. 2017): a layer Descent does not have.
/// Forward keeps its input; backward turns ∂L/∂y into ∂L/∂x = ∂L/∂y · (σ + x σ (1 − σ)).
final class Swish: Layer {
    private var input = Tensor(shape: [0]), output = Tensor(shape: [0]), gradient = Tensor(shape: [0])

    func forward(_ x: Tensor, training: Bool) -> Tensor {
        if output.capacity < x.count { output = Tensor(shape: x.shape); gradient = Tensor(shape: x.shape) }
        output.reshape(x.shape)
        input = x
        for i in 0..<x.count { output[i] = x[i] / (1 + exp(-x[i])) }
        return output
    }

    func backward(_ gradOutput: Tensor, needsInputGradient: Bool) -> Tensor? {
        guard needsInputGradient else { return nil }
        gradient.reshape(input.shape)
        for i in 0..<input.count {
            let s = 1 / (1 + exp(-input[i]))
            gradient[i] = gradOutput[i] * (s + input[i] * s * (1 - s))
        }
        return gradient
    }
}

do {
    let arguments = CommandLine.arguments.dropFirst()
    let data = try DatasetLoader.load(.fashionMNIST, dataDirectory: arguments.first.flatMap { $0.isEmpty ? nil : $0 },
                                      allowDownload: true)
    let epochs = arguments.dropFirst().first.flatMap { Int($0) } ?? 3
    Parallel.setThreads(ProcessInfo.processInfo.activeProcessorCount)

    // 784 → 256 (Swish, dropout 0.2) → 10. Parameters are named from the structure: layers.0.weight, …
    var weights = RandomGenerator(seed: 0, stream: 1)
    let network = try Network(layers: [
        Linear(784, 256, generator: &weights), Swish(), Dropout(0.2, generator: RandomGenerator(seed: 0, stream: 10)),
        Linear(256, 10, generator: &weights),
    ], inputShape: data.train.shape)
    print("parameters:", network.parameters.map { "\($0.name) \($0.value.shape)" }.joined(separator: ", "))

    // The one training loop: shuffling, dropout and the step are seeded per epoch.
    let trainer = try Trainer(network, optimizer: try Adam(learningRate: 1e-3), loss: SoftmaxCrossEntropy(), batchSize: 128, seed: 0)
    try trainer.fit(train: .images(data.train), test: .images(data.test), epochs: epochs) { m in
        print(String(format: "epoch %d  train loss %.4f  test loss %.4f  test accuracy %.4f  (%.1f s)",
                     m.epoch, m.trainLoss, m.testLoss, m.testAccuracy ?? .nan, m.seconds))
    }

    // Evaluate: accuracy per class and the most confident mistake.
    let result = try ClassifierEvaluation(network, on: data.test)
    for (name, accuracy) in zip(DatasetName.fashionMNIST.classNames, result.perClassAccuracy) {
        print(name.padding(toLength: 12, withPad: " ", startingAt: 0), String(format: "%.3f", accuracy))
    }
    if let m = result.mistakes.first {
        print("most confident mistake: test image \(m.index), label \(m.label), predicted \(m.predicted) (p = \(String(format: "%.3f", m.confidence)))")
    }
    print(String(format: "test accuracy %.4f", result.accuracy))
} catch {
    FileHandle.standardError.write(Data("descent-example: \(error)\n".utf8))
    exit(1)
}
