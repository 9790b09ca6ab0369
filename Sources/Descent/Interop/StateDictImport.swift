/// Starting a described network from weights trained elsewhere: a PyTorch `state_dict`
/// saved with safetensors (`safetensors.torch.save_file(model.state_dict(), path)`), its
/// tensors named as `Tools/descent_checkpoint.py`'s module names them (`layers.<i>.weight`,
/// `layers.<i>.bias`, the layout of the description), float32.
///
/// ```
/// every parameter and buffer of the network: a tensor of that name and that shape in the file
///     (a one-value buffer such as num_batches_tracked may be torch's scalar, stored as I64)
/// every tensor of the file: a parameter or buffer of the network (optimizer/… of a Descent checkpoint excepted)
/// ```
/// Every value must be finite. The first difference, parameters in the network's order then the file's extra names in
/// sorted order, is the error; nothing is copied unless everything matches.
public enum StateDictImport {
    /// Copies the tensors of the safetensors file at `path` into `network`'s parameters and buffers.
    public static func load(_ path: String, into network: Network) throws {
        let (tensors, _) = try SafeTensors.read(path)
        try load(tensors, from: path, into: network)
    }

    /// `load(_:into:)` from tensors already read (`path` names them in messages).
    public static func load(_ tensors: [String: Tensor], from path: String, into network: Network) throws {
        let targets = network.parameters.map { ($0.name, $0.value, "parameter") } + network.buffers.map { ($0.name, $0.value, "buffer") }
        for (name, value, what) in targets {
            guard let t = tensors[name] else {
                throw DescentError("\(path): no tensor '\(name)' (the model's \(shapeText(value.shape)) \(what))")
            }
            let scalarForOne = what == "buffer" && t.shape.isEmpty && value.shape == [1]
            guard t.shape == value.shape || scalarForOne else {
                throw DescentError("\(path): '\(name)' is \(shapeText(t.shape)), the model's is \(shapeText(value.shape))")
            }
            if let i = t.buffer.firstIndex(where: { !$0.isFinite }) {
                throw DescentError("\(path): '\(name)' holds \(t.buffer[i]) at index \(i); weights must be finite")
            }
        }
        let names = Set(targets.map(\.0))
        if let extra = tensors.keys.filter({ !names.contains($0) && !$0.hasPrefix(Checkpoint.optimizerPrefix) }).sorted().first {
            throw DescentError("\(path): '\(extra)' is not a parameter of the model (its parameters are \(network.parameters.map(\.name).joined(separator: ", ")))")
        }
        for (name, value, _) in targets { value.data.update(from: tensors[name]!.data, count: value.count) }
    }

    static func shapeText(_ shape: [Int]) -> String { shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×") }
}
