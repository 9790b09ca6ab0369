// determinism-probe OUT [SEED]: trains a small MLP (784-128-10, Adam, seed 5 unless given, one
// thread, 2 epochs) on fixed synthetic images and writes its weights' Float bits,
// little-endian, to OUT.
// Not a test: `ReliabilityDeterminismTests` runs it in two processes and compares the files.
import Descent
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 2 || arguments.count == 3, let seed = UInt64(arguments.count == 3 ? arguments[2] : "5") else {
    FileHandle.standardError.write(Data("usage: determinism-probe OUT [SEED]\n".utf8))
    exit(2)
}

/// `count` images of 28×28 pixels, pixel j of image i = (31·i + 7·j) mod 256, label i mod 10.
func images(_ count: Int) throws -> ImageSet {
    let f = 28 * 28
    var pixels = [UInt8](repeating: 0, count: count * f)
    for i in 0..<count { for j in 0..<f { pixels[i * f + j] = UInt8((i * 31 + j * 7) % 256) } }
    return try ImageSet(count: count, height: 28, width: 28, pixels: pixels, labels: (0..<count).map { UInt8($0 % 10) })
}

do {
    Parallel.setThreads(1)
    let net = try Network(try .mlp(sizes: [784, 128, 10], inputDropout: 0.1, hiddenDropout: 0.5), seed: seed)
    let trainer = try Trainer(net, optimizer: try Adam(learningRate: 0.001), loss: SoftmaxCrossEntropy(), batchSize: 64, seed: seed)
    try trainer.fit(train: .images(try images(512)), test: .images(try images(64)), epochs: 2)
    var bytes: [UInt8] = []
    for p in net.parameters {
        for i in 0..<p.count { withUnsafeBytes(of: p.value.data[i].bitPattern.littleEndian) { bytes += $0 } }
    }
    try FileBytes.write(bytes, to: arguments[1])
} catch {
    FileHandle.standardError.write(Data("determinism-probe: \(error)\n".utf8))
    exit(1)
}
