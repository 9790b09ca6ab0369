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
/// Tensors are written in name order, back to back. Only F32 is written and read.
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
            guard dtype == "F32" else { throw DescentError("safetensors: '\(name)' has dtype \(dtype); only F32 is supported") }
            let count = shape.reduce(1, *)
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end - begin == 4 * count, dataStart + end <= bytes.count else {
                throw DescentError("safetensors: '\(name)' offsets \(offsets) do not fit shape \(shape) or the file")
            }
            let t = Tensor(shape: shape)
            bytes.withUnsafeBufferPointer { p in
                let base = p.baseAddress! + dataStart + begin
                for i in 0..<count {
                    var bits: UInt32 = 0
                    for b in 0..<4 { bits |= UInt32(base[4 * i + b]) << (8 * UInt32(b)) }
                    t.data[i] = Float(bitPattern: bits)
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

/// A training checkpoint in safetensors: every model parameter under its own name
/// (`encoder.weight`, …), the optimizer's state under `optimizer/<key>` (keys of
/// `Optimizer.state(for:)`, e.g. `optimizer/encoder.weight.exp_avg`), and in the metadata
/// `epochs_done` plus whatever the caller adds (the configuration as JSON).
public enum Checkpoint {
    public static let optimizerPrefix = "optimizer/"

    public static func save(parameters: [Parameter], optimizerState: [String: Tensor] = [:], epochsDone: Int,
                            metadata: [String: String] = [:], to path: String) throws {
        var tensors: [String: Tensor] = [:]
        for p in parameters {
            guard tensors[p.name] == nil else { throw DescentError("checkpoint: parameter name '\(p.name)' is used twice") }
            tensors[p.name] = p.value
        }
        for (k, t) in optimizerState { tensors[optimizerPrefix + k] = t }
        var meta = metadata
        meta["epochs_done"] = String(epochsDone)
        meta["format"] = "descent-checkpoint-1"
        try SafeTensors.write(tensors, metadata: meta, to: path)
    }

    /// Copies the saved values into `parameters` (names and shapes must match) and returns
    /// the optimizer state (prefix removed), the epochs done and the metadata.
    public static func load(_ path: String, into parameters: [Parameter]) throws
        -> (optimizerState: [String: Tensor], epochsDone: Int, metadata: [String: String]) {
        let (tensors, meta) = try SafeTensors.read(path)
        for p in parameters {
            guard let t = tensors[p.name] else { throw DescentError("\(path): no tensor '\(p.name)'") }
            guard t.shape == p.value.shape else {
                throw DescentError("\(path): '\(p.name)' has shape \(t.shape), the model has \(p.value.shape)")
            }
            p.value.data.update(from: t.data, count: t.count)
        }
        var state: [String: Tensor] = [:]
        for (k, t) in tensors where k.hasPrefix(optimizerPrefix) { state[String(k.dropFirst(optimizerPrefix.count))] = t }
        return (state, Int(meta["epochs_done"] ?? "0") ?? 0, meta)
    }
}
