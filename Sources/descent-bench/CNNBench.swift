import Descent
import Foundation

/// The `cnn` section: the training epoch of the CNN presets (lenet5, fmnist-2c2d; Adam,
/// batch 128) against the same products alone, replayed as the epoch issued them (the
/// convolutions' products one example per call, each pass's calls on the thread that ran
/// them; the dense layers' products split over the pool), interleaved, best of `repeats`.
/// Also timed: the convolution products alone, whose GFLOP/s is reported. fmnist-2c2d is
/// measured on a fifth of the images (about 5 TFLOP per full epoch); every figure is
/// scaled to a 60,000-image epoch. With `--peers`, each peer's epoch of the same network on
/// the same images runs in every round, right after Descent's.
extension BenchRun {
    func measureCNNs(_ train: ImageSet) throws {
        Parallel.setThreads(options.threads)
        var all: [String: CNNFigures] = [:]
        for (name, share) in [("lenet5", 1), ("fmnist-2c2d", 5)] {
            let count = min(train.count, images / share)
            let scale = 60_000 / Double(count)
            let subset = train.prefix(count)
            let config = ClassifierRunConfig(dataset: .fashionMNIST, model: ModelSpec.preset(named: name)!, batchSize: 128, epochs: 1,
                                             optimizer: OptimizerConfig(kind: .adam))
            let trainer = try RunExecutor.makeTrainer(config, seed: 1)
            log("\(name): recording one epoch of GEMMs (\(count) images)")
            let calls = try recordGemms { _ = try trainer.trainEpoch(.images(subset)) }
            let replay = GemmReplay(calls)
            let isConvolution: (BLAS.Call) -> Bool = { $0.pass != 0 }
            replay.run()
            let peers = options.peers == nil ? [] : options.peerList
            log("\(name): timing epochs, their GEMMs and the convolution products\(peers.isEmpty ? "" : ", " + peers.joined(separator: ", ")), interleaved")
            var (epoch, gemm, conv) = (Double.infinity, Double.infinity, Double.infinity)
            var rounds: [Double] = []
            var peerRounds: [String: [Double]] = [:]
            for _ in 0..<repeats {
                let t = try best(1) { _ = try trainer.trainEpoch(.images(subset)) }
                epoch = min(epoch, t)
                rounds.append(t * scale)
                gemm = min(gemm, best(1) { replay.run() })
                conv = min(conv, best(1) { replay.run(where: isConvolution) })
                for peer in peers { peerRounds[peer, default: []].append(try peerEpoch(peer, workload: name, images: count)) }
            }
            let convFlops = calls.filter(isConvolution).reduce(0) { $0 + $1.flops }
            trainer.phases = StepPhases()
            _ = try trainer.trainEpoch(.images(subset))
            let p = trainer.phases!
            let f = CNNFigures(imagesMeasured: count, epochSeconds: epoch * scale, gemmSeconds: gemm * scale,
                               convolutionGemmSeconds: conv * scale, gemmCalls: calls.count, epochTflop: replay.flops * scale / 1e12,
                               gemmGflopsPerS: replay.flops / gemm / 1e9, convolutionGemmGflopsPerS: convFlops / conv / 1e9,
                               convolutionFlopShare: convFlops / replay.flops, epochOverGemm: epoch / gemm,
                               roundSeconds: rounds, peerRoundSeconds: peerRounds,
                               phaseSeconds: .init(batch: p.batch * scale, forward: p.forward * scale, loss: p.loss * scale,
                                                   backward: p.backward * scale, update: p.update * scale, steps: p.steps))
            all[name] = f
            let key = name.replacingOccurrences(of: "-", with: "_")
            rows.append(Row(key: "\(key)_epoch_over_gemm", label: "\(name) epoch (Adam, batch 128)", value: fmt(f.epochSeconds, 2) + " s",
                            reference: "GEMMs alone " + fmt(f.gemmSeconds, 2) + " s (\(calls.count) calls, " + fmt(f.epochTflop, 2)
                                + " TFLOP, " + fmt(f.gemmGflopsPerS, 0) + " GFLOP/s)",
                            ratio: f.epochOverGemm, target: 1.5))
            rows.append(Row(key: "\(key)_conv_gemm", label: "  convolution products alone (diagnostic)",
                            value: fmt(f.convolutionGemmSeconds, 2) + " s",
                            reference: fmt(f.convolutionGemmGflopsPerS, 0) + " GFLOP/s, " + fmt(f.convolutionFlopShare * 100, 0) + " % of the FLOPs",
                            ratio: nil, target: nil))
            rows.append(Row(key: "\(key)_phases", label: "  \(name), one profiled epoch (s)", value: fmt(p.total * scale, 2) + " s",
                            reference: [("batch", p.batch), ("forward", p.forward), ("loss", p.loss), ("backward", p.backward),
                                        ("step", p.update)].map { "\($0.0) \(fmt($0.1 * scale, 2))" }.joined(separator: " · "),
                            ratio: nil, target: nil))
            appendPeakRow(key: key, label: name, gflops: f.gemmGflopsPerS)
            appendPeerRows(key: key, label: name, descent: rounds, peers: peerRounds,
                           targets: ["torch": name == "lenet5" ? 2 : 1.5])
        }
        report.cnn = all
    }
}

/// A CNN epoch against its GEMMs (seconds scaled to 60,000 images).
struct CNNFigures: Encodable {
    var imagesMeasured: Int
    var epochSeconds, gemmSeconds, convolutionGemmSeconds: Double
    var gemmCalls: Int
    var epochTflop, gemmGflopsPerS, convolutionGemmGflopsPerS, convolutionFlopShare, epochOverGemm: Double
    /// Descent's epoch in each round, and with `--peers` each peer's (seconds per 60,000 images).
    var roundSeconds: [Double]
    var peerRoundSeconds: [String: [Double]]
    var phaseSeconds: BenchReport.PhaseSeconds
}
