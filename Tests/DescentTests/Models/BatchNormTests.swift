import Foundation
import XCTest
@testable import Descent

/// `batchnorm1d` and `batchnorm2d`: finite differences in both modes, element by element
/// against PyTorch (`Tools/make_batchnorm_fixtures.py`, torch 2.15.0: outputs, every gradient
/// and the running statistics after two training steps, then an evaluation step on them),
/// and the running statistics through a checkpoint bit for bit.
final class BatchNormTests: XCTestCase {
    struct Fixture: Decodable {
        struct Array: Decodable { let shape: [Int]; let values: [Float] }
        struct Step: Decodable {
            let input: Array
            let output: Array
            let upstream: [Float]
            let gradients: [String: [Float]]
        }
        let torch: String
        let model: String
        let parameters: [String: Array]
        let buffers: [String: [String: Array]]
        let steps: [String: Step]
    }

    /// |descent − torch| ≤ 1e-5 · (|torch| + s), s the largest |torch| of the tensor, and at
    /// least of the step's gradients: the statistics are summed in Double (torch in float),
    /// ∂L/∂x of a normalisation subtracts near-equal terms, and the bias of a layer just
    /// before a batch normalisation in training has a gradient of exactly 0, which both
    /// compute as float noise.
    static let tolerance: Float = 1e-5

    func load(_ name: String) throws -> Fixture {
        let url = Support.fixtures.appendingPathComponent("batchnorm/\(name).json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// The worst |a − b| / (|b| + max |b|) over the elements (all of them are checked).
    func compare(_ what: String, _ a: [Float], _ b: [Float], floor: Float = 0, file: StaticString = #filePath, line: UInt = #line) -> Float {
        Support.worstRelativeDifference(what, a, b, tolerance: Self.tolerance, scale: max(b.map(abs).max() ?? 0, floor),
                                        file: file, line: line)
    }

    func check(_ name: String, threads: Int) throws {
        Parallel.setThreads(threads)
        defer { Parallel.setThreads(1) }
        let f = try load(name)
        XCTAssertEqual(f.torch.split(separator: "+").first, "2.15.0")
        let net = try Network(try ModelSpec.parse(f.model), seed: 0)
        XCTAssertEqual(Set(net.parameters.map(\.name)), Set(f.parameters.keys), "parameter names")
        XCTAssertEqual(Set(net.buffers.map(\.name)), Set(f.buffers["initial"]!.keys), "buffer names")
        for p in net.parameters {
            let stored = f.parameters[p.name]!
            XCTAssertEqual(p.value.shape, stored.shape, "\(p.name): the layout of torch")
            p.value.data.update(from: stored.values, count: stored.values.count)
        }
        for b in net.buffers { XCTAssertEqual(b.value.toArray(), f.buffers["initial"]![b.name]!.values, "\(b.name) starts as torch's") }
        var worst: Float = 0
        for (step, training) in [("train1", true), ("train2", true), ("eval", false)] {
            let s = f.steps[step]!
            net.parameters.zeroGrad()
            let y = net.forward(Tensor(shape: s.input.shape, values: s.input.values), training: training)
            worst = max(worst, compare("\(name) \(step) output", y.toArray(), s.output.values))
            let gx = net.backward(Tensor(shape: y.shape, values: s.upstream), needsInputGradient: true)!
            let largest = s.gradients.values.joined().map(abs).max() ?? 0
            worst = max(worst, compare("\(name) \(step) ∂L/∂input", gx.toArray(), s.gradients["input"]!, floor: largest))
            for p in net.parameters {
                worst = max(worst, compare("\(name) \(step) ∂L/∂\(p.name)", p.grad.toArray(), s.gradients[p.name]!, floor: largest))
            }
            if let after = f.buffers[step] {
                for b in net.buffers { worst = max(worst, compare("\(name) after \(step): \(b.name)", b.value.toArray(), after[b.name]!.values)) }
            }
        }
        print("\(name), \(threads) thread(s): worst |Δ| / (|torch| + max|torch|) \(String(format: "%.1e", worst))")
    }

    func testBatchNorm1dMatchesTorchInBothModes() throws {
        for threads in [1, 2] { try check("batchnorm1d", threads: threads) }
    }

    func testBatchNorm2dMatchesTorchInBothModes() throws {
        for threads in [1, 2] { try check("batchnorm2d", threads: threads) }
    }

    /// A layer with non-trivial γ, β and running statistics.
    func layer(channels: Int, plane: Int, seed: UInt64) throws -> BatchNorm {
        let bn = try BatchNorm(channels: channels, plane: plane, momentum: 0.3)
        var g = RandomGenerator(seed: seed)
        g.fillUniform(bn.weight.value, low: 0.5, high: 1.5)
        g.fillUniform(bn.bias.value, low: -0.5, high: 0.5)
        g.fillUniform(bn.runningMean.value, low: -0.5, high: 0.5)
        g.fillUniform(bn.runningVar.value, low: 0.5, high: 2)
        return bn
    }

    func testGradientsInTrainingMode() throws {
        for (channels, plane, shape) in [(4, 1, [5, 4]), (3, 6, [2, 3, 2, 3])] {
            let bn = try layer(channels: channels, plane: plane, seed: 11)
            let x = GradientCheck.random(shape, seed: 12, low: -2, high: 2)
            GradientCheck.check(parameters: bn.parameters, input: x,
                                forward: { bn.forward(x, training: true) },
                                backward: { bn.backward($0, needsInputGradient: true) })
        }
    }

    func testGradientsInEvaluationMode() throws {
        for (channels, plane, shape) in [(4, 1, [5, 4]), (3, 6, [2, 3, 2, 3])] {
            let bn = try layer(channels: channels, plane: plane, seed: 13)
            GradientCheck.check(bn, input: GradientCheck.random(shape, seed: 14, low: -2, high: 2))
        }
    }

    /// The running estimate: mean, and the unbiased variance M/(M − 1) σ², by hand; evaluation
    /// leaves the statistics alone; one value per channel normalises to β.
    func testRunningStatisticsByHand() throws {
        let bn = try BatchNorm(channels: 1, plane: 1, momentum: 0.1)
        _ = bn.forward(Tensor(shape: [4, 1], values: [1, 2, 3, 6]), training: true)
        // μ = 3, biased σ² = (4 + 1 + 0 + 9) / 4 = 3.5, unbiased 14/3
        XCTAssertEqual(bn.runningMean.value[0], 0.3, accuracy: 1e-7)
        XCTAssertEqual(bn.runningVar.value[0], 0.9 + 0.1 * 14 / 3, accuracy: 1e-6)
        XCTAssertEqual(bn.batchesTracked.value[0], 1)
        let before = bn.buffers.map { $0.value.toArray() }
        let y = bn.forward(Tensor(shape: [2, 1], values: [0.3, 1]), training: false)
        XCTAssertEqual(bn.buffers.map { $0.value.toArray() }, before)
        XCTAssertEqual(y[0], 0, accuracy: 1e-6)
        bn.bias.value[0] = 0.25
        XCTAssertEqual(bn.forward(Tensor(shape: [1, 1], values: [7]), training: true)[0], 0.25)
    }

    /// Running statistics saved and read back bit for bit; the read network evaluates to the
    /// same bits.
    func testCheckpointRoundTripIsBitForBit() throws {
        let net = try Network(try ModelSpec.parse("2x6x5: conv2d(3, 3, padding=1), batchnorm2d, relu, flatten, linear(8), batchnorm1d(momentum=0.2), linear(3)"), seed: 5)
        for seed in UInt64(1)...3 { _ = net.forward(GradientCheck.random([4, 2, 6, 5], seed: seed, low: -3, high: 3), training: true) }
        XCTAssertEqual(net.buffers.map(\.name), ["layers.1.running_mean", "layers.1.running_var", "layers.1.num_batches_tracked",
                                                 "layers.5.running_mean", "layers.5.running_var", "layers.5.num_batches_tracked"])
        let path = Support.temporaryFolder("bn-checkpoint") + "/model.safetensors"
        try Checkpoint.save(net, optimizer: nil, epochsDone: 1, to: path)
        let read = try Checkpoint.read(path).makeNetwork()
        for (a, b) in zip(net.buffers, read.buffers) {
            XCTAssertEqual(a.name, b.name)
            XCTAssertEqual(a.value.toArray().map(\.bitPattern), b.value.toArray().map(\.bitPattern), a.name)
        }
        XCTAssertEqual(read.buffers[2].value[0], 3)
        let x = GradientCheck.random([3, 2, 6, 5], seed: 9)
        XCTAssertEqual(net.forward(x, training: false).toArray().map(\.bitPattern), read.forward(x, training: false).toArray().map(\.bitPattern))
        // A checkpoint without the statistics is refused, naming the missing tensor.
        var tensors = try SafeTensors.read(path)
        tensors.tensors["layers.5.running_var"] = nil
        try SafeTensors.write(tensors.tensors, metadata: tensors.metadata, to: path)
        XCTAssertThrowsError(try Checkpoint.read(path).makeNetwork()) { e in
            XCTAssertTrue("\(e)".contains("layers.5.running_var"), "\(e)")
        }
    }

    /// torch's count of batches is an int64 scalar: read as a float when it is one exactly.
    func testInt64CountsReadExactlyOrNotAtAll() throws {
        func file(_ value: Int64) -> [UInt8] {
            var json = Array(#"{"n":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}"#.utf8)
            while json.count % 8 != 0 { json.append(0x20) }
            var bytes: [UInt8] = []
            withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: value.littleEndian) { json.append(contentsOf: $0) }
            return bytes + json
        }
        let n = try XCTUnwrap(try SafeTensors.decode(file(1 << 24)).tensors["n"])
        XCTAssertEqual(n.shape, [])
        XCTAssertEqual(n[0], 16_777_216)
        XCTAssertEqual(try SafeTensors.decode(file(-3)).tensors["n"]?[0], -3)
        for v in [Int64(1 << 24 + 1), .min, .max] {
            XCTAssertThrowsError(try SafeTensors.decode(file(v))) { e in XCTAssertTrue("\(e)".contains("beyond the whole numbers"), "\(e)") }
        }
    }

    func testTextFormAndChecks() throws {
        let spec = try ModelSpec.parse("1x4x4: conv2d(2, 3), batchnorm2d(momentum=0.2, eps=0.001), flatten, batchnorm1d, linear(3)")
        XCTAssertEqual(spec.description, "1x4x4: conv2d(2, 3), batchnorm2d(momentum=0.2, eps=0.001), flatten, batchnorm1d, linear(3); loss=cross-entropy")
        XCTAssertEqual(try Network(spec, seed: 1).parameters.map(\.name).filter { $0.hasPrefix("layers.1.") || $0.hasPrefix("layers.3.") },
                       ["layers.1.weight", "layers.1.bias", "layers.3.weight", "layers.3.bias"])
        for (text, mention) in [("1x4x4: conv2d(2, 3), batchnorm1d, flatten, linear(3)", "batchnorm1d normalises a flat input"),
                                ("8: batchnorm2d, linear(3)", "batchnorm2d needs a C×H×W input"),
                                ("8: batchnorm1d(momentum=1.5), linear(3)", "momentum must be in [0, 1]"),
                                ("8: batchnorm1d(eps=0), linear(3)", "eps must be positive")] {
            XCTAssertThrowsError(try ModelSpec.parse(text), text) { e in XCTAssertTrue("\(e)".contains(mention), "\(text): \(e)") }
        }
    }
}
