import Foundation

/// Reading and writing the safetensors format (the layout of Hugging Face's
/// `safetensors`, readable by `safetensors.numpy.load_file` and torch):
///
/// ```
/// bytes 0..<8     N, the header length, unsigned 64-bit little-endian
/// bytes 8..<8+N   JSON: {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …,
///                        "__metadata__": {"<key>": "<string>", …}}   (padded with spaces to a multiple of 8)
/// bytes 8+N…      the tensors' raw little-endian data; offsets are relative to this point
/// ```
/// Tensors are written in name order, back to back. Only F32 is written; F32 is read, and I64
/// for counts (torch's num_batches_tracked) when each value is a whole number a float holds
/// exactly (|v| ≤ 2^24).
public enum SafeTensors {
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) throws -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            guard name != "__metadata__" else { throw DescentError("safetensors: '__metadata__' is not a tensor name") }
            let t = tensors[name]!
            header[name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.count]] as [String: Any]
            offset += 4 * t.count
        }
        var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while json.count % 8 != 0 { json.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for name in names {
            let t = tensors[name]!
            for i in 0..<t.count {
                withUnsafeBytes(of: t.data[i].bitPattern.littleEndian) { out.append(contentsOf: $0) }
            }
        }
        return out
    }

    public static func decode(_ bytes: [UInt8]) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw DescentError("safetensors: truncated: \(bytes.count) bytes") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(bytes.count - 8) else { throw DescentError("safetensors: header length \(n) exceeds the file") }
        let dataStart = 8 + Int(n)
        guard let header = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) as? [String: Any] else {
            throw DescentError("safetensors: header is not a JSON object")
        }
        if let name = JSONKeys.firstRepeatedTopLevelKey(Array(bytes[8..<dataStart])) {
            throw DescentError("safetensors: the header names '\(name)' more than once")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: Tensor] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: String] else { throw DescentError("safetensors: __metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else { throw DescentError("safetensors: bad entry for '\(name)'") }
            // I64 for counts only (torch's num_batches_tracked), each exactly a float.
            guard dtype == "F32" || dtype == "I64" else {
                throw DescentError("safetensors: '\(name)' has dtype \(dtype); only F32 (and I64 counts) are supported")
            }
            let width = dtype == "F32" ? 4 : 8
            let (count, overflow) = shape.reduce((1, false)) { r, d in
                let (p, o) = r.0.multipliedReportingOverflow(by: d)
                return (p, r.1 || o)
            }
            guard shape.allSatisfy({ $0 >= 0 }), !overflow, count <= bytes.count else {
                throw DescentError("safetensors: '\(name)' has an impossible shape \(shape)")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= bytes.count - dataStart, end - begin == width * count else {
                throw DescentError("safetensors: '\(name)' offsets \(offsets) do not fit shape \(shape) or the file")
            }
            let t = Tensor(shape: shape)
            try bytes.withUnsafeBufferPointer { p in
                let base = p.baseAddress! + dataStart + begin
                for i in 0..<count {
                    var bits: UInt64 = 0
                    for b in 0..<width { bits |= UInt64(base[width * i + b]) << (8 * UInt64(b)) }
                    if width == 4 {
                        t.data[i] = Float(bitPattern: UInt32(bits))
                    } else {
                        let v = Int64(bitPattern: bits)
                        guard v >= -(1 << 24), v <= 1 << 24 else { throw DescentError("safetensors: '\(name)' holds \(v), beyond the whole numbers a float holds exactly") }
                        t.data[i] = Float(v)
                    }
                }
            }
            tensors[name] = t
        }
        return (tensors, metadata)
    }

    /// Writes atomically (temporary file + rename).
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String) throws {
        try writeAtomically(encode(tensors, metadata: metadata), to: path)
    }

    public static func read(_ path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        guard let d = FileManager.default.contents(atPath: path) else { throw DescentError("\(path): cannot read") }
        do { return try decode(Array(d)) } catch let e as DescentError { throw DescentError("\(path): \(e.message)") }
    }
}

/// A training checkpoint in safetensors, which carries its architecture:
///
/// ```
/// tensors   every parameter and buffer under its name (layers.0.weight, layers.1.running_mean, …;
///           a count such as num_batches_tracked as one F32), the optimizer's state under
///           optimizer/<key> (Optimizer.state(for:), e.g. optimizer/layers.0.weight.exp_avg)
/// metadata  format "descent-checkpoint-2", epochs_done, model (the ModelSpec as JSON),
///           run (the run configuration as JSON), history (the EpochMetrics so far as JSON),
///           threads, kernels (BLAS.kernels), plus whatever the caller adds
/// ```
/// Any reader of safetensors gets the weights by name (`Tools/descent_checkpoint.py` builds
/// the equivalent PyTorch module from the `model` entry); `Checkpoint.read` + `makeNetwork`
/// rebuild the network with no other information.
public struct Checkpoint {
    public static let optimizerPrefix = "optimizer/"
    public static let format = "descent-checkpoint-2"

    /// Every tensor, by name.
    public let tensors: [String: Tensor]
    /// The metadata strings.
    public let metadata: [String: String]
    /// Where it was read from (for messages).
    public let path: String

    /// Writes `network`'s parameters, the optimizer's state and the metadata atomically.
    public static func save(_ network: Network, optimizer: Optimizer?, epochsDone: Int, run: String? = nil,
                            history: [EpochMetrics] = [], metadata extra: [String: String] = [:], to path: String) throws {
        var tensors: [String: Tensor] = [:]
        for p in network.parameters {
            guard tensors[p.name] == nil else { throw DescentError("checkpoint: parameter name '\(p.name)' is used twice") }
            tensors[p.name] = p.value
        }
        for b in network.buffers {
            guard tensors[b.name] == nil else { throw DescentError("checkpoint: buffer name '\(b.name)' is used twice") }
            tensors[b.name] = b.value
        }
        for (k, t) in optimizer?.state(for: network.parameters) ?? [:] { tensors[optimizerPrefix + k] = t }
        var meta = extra
        meta["format"] = format
        meta["epochs_done"] = String(epochsDone)
        meta["threads"] = String(Parallel.threads)
        meta["kernels"] = BLAS.kernels
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let spec = network.spec { meta["model"] = String(decoding: try encoder.encode(spec), as: UTF8.self) }
        if let run { meta["run"] = run }
        meta["history"] = String(decoding: try encoder.encode(history), as: UTF8.self)
        try SafeTensors.write(tensors, metadata: meta, to: path)
    }

    /// Reads a checkpoint (any safetensors file; `model` is needed to rebuild the network).
    public static func read(_ path: String) throws -> Checkpoint {
        let (tensors, metadata) = try SafeTensors.read(path)
        let checkpoint = Checkpoint(tensors: tensors, metadata: metadata, path: path)
        try checkpoint.check()
        return checkpoint
    }

    /// Epochs trained so far (checked by `read`).
    public var epochsDone: Int { Int(metadata["epochs_done"] ?? "0") ?? 0 }

    /// Threads of the process that wrote it (nil if not recorded).
    public var threads: Int? { metadata["threads"].flatMap(Int.init) }

    /// The kernels that computed its products (`BLAS.kernels`; nil in checkpoints written before oneDNN).
    public var kernels: String? { metadata["kernels"] }

    /// The model description stored in the checkpoint, its layer kinds and loss looked up
    /// in `registry`.
    public func modelSpec(registry: Registry = .builtIn) throws -> ModelSpec {
        guard let text = metadata["model"] else {
            throw DescentError("\(path): has no model description (not written by this version of descent)")
        }
        do { return try JSONDecoder.descent(registry).decode(ModelSpec.self, from: Data(text.utf8)) } catch {
            throw DescentError("\(path): the model description is invalid: \(Checkpoint.reason(error))")
        }
    }

    /// The run configuration stored by the command that trained it, decoded as `T` (names
    /// looked up in `registry`).
    public func runConfig<T: Decodable>(as type: T.Type, registry: Registry = .builtIn) throws -> T {
        guard let text = metadata["run"] else { throw DescentError("\(path): has no run configuration") }
        do { return try JSONDecoder.descent(registry).decode(T.self, from: Data(text.utf8)) } catch {
            throw DescentError("\(path): the run configuration is not one this command reads: \(Checkpoint.reason(error))")
        }
    }

    /// The per-epoch metrics recorded so far: exactly epochs 1…`epochsDone`, in order.
    public func history() throws -> [EpochMetrics] {
        guard let text = metadata["history"] else { return [] }
        let history: [EpochMetrics]
        do { history = try JSONDecoder().decode([EpochMetrics].self, from: Data(text.utf8)) } catch {
            throw DescentError("\(path): the training history is invalid: \(Checkpoint.reason(error))")
        }
        guard history.map(\.epoch) == Array(stride(from: 1, through: epochsDone, by: 1)) else {
            throw DescentError("\(path): the training history holds \(history.count) epoch(s) (\(history.map { String($0.epoch) }.prefix(5).joined(separator: ", "))\(history.count > 5 ? ", …" : "")), but epochs_done is \(epochsDone)")
        }
        return history
    }

    /// A network built from the stored description (names looked up in `registry`), with
    /// the stored weights.
    public func makeNetwork(registry: Registry = .builtIn) throws -> Network {
        let network = try Network(try modelSpec(registry: registry), seed: 0)
        try restore(into: network, optimizer: nil)
        return network
    }

    /// Copies the stored values into `network`'s parameters and buffers (names and shapes
    /// must match) and, when given, restores `optimizer`'s state.
    public func restore(into network: Network, optimizer: Optimizer?) throws {
        for b in network.buffers {
            guard let t = tensors[b.name] else { throw DescentError("\(path): no tensor '\(b.name)'") }
            guard t.shape == b.value.shape else {
                throw DescentError("\(path): '\(b.name)' has shape \(t.shape), the model has \(b.value.shape)")
            }
            b.value.data.update(from: t.data, count: t.count)
        }
        try restore(parameters: network.parameters, optimizer: optimizer)
    }

    /// `restore(into:optimizer:)` for a list of parameters.
    public func restore(parameters: [Parameter], optimizer: Optimizer?) throws {
        for p in parameters {
            guard let t = tensors[p.name] else { throw DescentError("\(path): no tensor '\(p.name)'") }
            guard t.shape == p.value.shape else {
                throw DescentError("\(path): '\(p.name)' has shape \(t.shape), the model has \(p.value.shape)")
            }
            p.value.data.update(from: t.data, count: t.count)
        }
        guard let optimizer else { return }
        try checkOptimizerState(for: parameters)
        var state: [String: Tensor] = [:]
        for (k, t) in tensors where k.hasPrefix(Checkpoint.optimizerPrefix) { state[String(k.dropFirst(Checkpoint.optimizerPrefix.count))] = t }
        do { try optimizer.loadState(state, for: parameters) } catch let e as DescentError {
            throw DescentError("\(path): \(e.message)")
        }
    }

    static func reason(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let c) = error { return c.debugDescription }
        if case DecodingError.keyNotFound(let k, _) = error { return "missing '\(k.stringValue)'" }
        if case DecodingError.typeMismatch(_, let c) = error { return "wrong type at '\(c.codingPath.map(\.stringValue).joined(separator: "."))'" }
        return "\(error)"
    }
}
