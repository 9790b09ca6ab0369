import Foundation

/// One TensorBoard event file in a run folder: `events.out.tfevents.<seconds>.<host>.<pid>.<n>`,
/// TFRecords (`TFRecordWriter`) holding `Event` protobufs (tensorflow/core/util/event.proto,
/// summary.proto), written with `ProtobufWriter`:
///
/// ```
/// Event          wall_time 1 (double, seconds since 1970), step 2 (int64),
///                file_version 3 (string, "brain.Event:2", the first event), summary 5
/// Summary        value 1 (repeated)
/// Summary.Value  tag 1 (string), simple_value 2 (float), image 4
/// Summary.Image  height 1, width 2, colorspace 3 (1 grey, 3 RGB, 4 RGBA), encoded_image_string 4 (PNG)
/// ```
/// Scalars are stored as float32 (`simple_value`), which is what TensorBoard reads back.
/// Each process writes a new file, so a run continued later adds a file beside the first.
public final class TensorBoardWriter {
    public let directory: String
    public let file: TFRecordWriter

    /// Creates `directory` (and its parents) and a new event file in it.
    public init(directory: String) throws {
        self.directory = directory
        do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
            throw DescentError("\(directory): cannot create the folder")
        }
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "localhost"
        let stem = "\(directory)/events.out.tfevents.\(Int(Date().timeIntervalSince1970)).\(host).\(getpid())"
        var n = 0
        while true {
            do { file = try TFRecordWriter(creating: "\(stem).\(n)"); break } catch {
                n += 1
                if n > 1000 || !FileManager.default.fileExists(atPath: "\(stem).\(n - 1)") { throw error }
            }
        }
        try write(step: 0) { $0.string(3, "brain.Event:2") }
        try file.sync()
    }

    /// One Event at `step`, its fields after wall_time and step written by `body`.
    func write(step: Int, _ body: (inout ProtobufWriter) -> Void) throws {
        var w = ProtobufWriter()
        w.double(1, Date().timeIntervalSince1970)
        w.int(2, step)
        body(&w)
        try file.append(w.bytes)
    }

    /// Scalars at `step`, one Event holding a Summary value per tag.
    public func scalars(_ values: [(tag: String, value: Double)], step: Int) throws {
        try write(step: step) { e in
            e.message(5) { s in
                for (tag, value) in values {
                    s.message(1) { v in
                        v.string(1, tag)
                        v.float(2, Float(value))
                    }
                }
            }
        }
    }

    /// A PNG image at `step`.
    public func image(_ tag: String, png: [UInt8], width: Int, height: Int, channels: Int, step: Int) throws {
        try write(step: step) { e in
            e.message(5) { s in
                s.message(1) { v in
                    v.string(1, tag)
                    v.message(4) { i in
                        i.int(1, height)
                        i.int(2, width)
                        i.int(3, channels)
                        i.bytes(4, png)
                    }
                }
            }
        }
    }

    /// Makes everything written so far durable.
    public func sync() throws { try file.sync() }
}

/// The TensorBoard log of one training run: every epoch's metrics under `epoch/<key>` (the
/// keys of `EpochMetrics`' JSON, as in metrics.jsonl, at step = the epoch) with
/// `epoch/learning_rate`, and every `logEvery` training steps the minibatch loss and the
/// learning rate in effect under `step/train_loss` and `step/learning_rate` (step = steps
/// since the run began, also when it was resumed).
public final class TensorBoardLog {
    public let writer: TensorBoardWriter
    public let logEvery: Int

    public init(directory: String, logEvery: Int) throws {
        guard logEvery >= 0 else { throw DescentError("log every: must be ≥ 0 steps, got \(logEvery)") }
        writer = try TensorBoardWriter(directory: directory)
        self.logEvery = logEvery
    }

    /// Makes `trainer` log its steps, calling `then` (e.g. a progress line) first.
    public func observe(_ trainer: Trainer, then: ((Int, Int) -> Void)?) {
        let every = logEvery
        trainer.onStep = { [unowned trainer, writer] step, steps in
            then?(step, steps)
            guard every > 0, step % every == 0 else { return }
            let global = trainer.epochsDone * steps + step
            // A failed write stops nothing: the epoch's own write reports it.
            try? writer.scalars([("step/train_loss", trainer.lastStepLoss),
                                 ("step/learning_rate", Double(trainer.optimizer.learningRate))], step: global)
        }
    }

    /// Writes one epoch's metrics and makes the log durable.
    public func epoch(_ m: EpochMetrics, learningRate: Float, prefix: String = "epoch/") throws {
        try writer.scalars(TensorBoardLog.scalars(m, prefix: prefix) + [(prefix + "learning_rate", Double(learningRate))], step: m.epoch)
        try writer.sync()
    }

    /// The numbers of `m`'s JSON but its epoch, by key, sorted.
    public static func scalars(_ m: EpochMetrics, prefix: String) -> [(tag: String, value: Double)] {
        guard let data = try? JSONEncoder().encode(m),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        return object.keys.sorted().compactMap { key in
            guard key != "epoch", let n = object[key] as? NSNumber else { return nil }
            return (prefix + key, n.doubleValue)
        }
    }
}
