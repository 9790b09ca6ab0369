/// Starting a described network from weights trained elsewhere: a PyTorch `state_dict`
/// saved with safetensors (`safetensors.torch.save_file(model.state_dict(), path)`), its
/// tensors named as `Tools/descent_checkpoint.py`'s module names them (`layers.<i>.weight`,
/// `layers.<i>.bias`, the layout of the description), float32.
///
/// ```
/// every parameter of the network: a tensor of that name and that shape in the file
/// every tensor of the file: a parameter of the network (optimizer/… of a Descent checkpoint excepted)
/// ```
/// Every value must be finite. The first difference, parameters in the network's order then the file's extra names in
/// sorted order, is the error; nothing is copied unless everything matches.
public enum StateDictImport {
    /// Copies the tensors of the safetensors file at `path` into `network`'s parameters.
    public static func load(_ path: String, into network: Network) throws {
        let (tensors, _) = try SafeTensors.read(path)
        try load(tensors, from: path, into: network)
    }

    /// `load(_:into:)` from tensors already read (`path` names them in messages).
    public static func load(_ tensors: [String: Tensor], from path: String, into network: Network) throws {
        for p in network.parameters {
            guard let t = tensors[p.name] else {
                throw DescentError("\(path): no tensor '\(p.name)' (the model's \(shapeText(p.value.shape)) parameter)")
            }
            guard t.shape == p.value.shape else {
                throw DescentError("\(path): '\(p.name)' is \(shapeText(t.shape)), the model's is \(shapeText(p.value.shape))")
            }
            if let i = t.buffer.firstIndex(where: { !$0.isFinite }) {
                throw DescentError("\(path): '\(p.name)' holds \(t.buffer[i]) at index \(i); weights must be finite")
            }
        }
        let names = Set(network.parameters.map(\.name))
        if let extra = tensors.keys.filter({ !names.contains($0) && !$0.hasPrefix(Checkpoint.optimizerPrefix) }).sorted().first {
            throw DescentError("\(path): '\(extra)' is not a parameter of the model (its parameters are \(network.parameters.map(\.name).joined(separator: ", ")))")
        }
        for p in network.parameters { p.value.data.update(from: tensors[p.name]!.data, count: p.value.count) }
    }

    static func shapeText(_ shape: [Int]) -> String { shape.isEmpty ? "scalar" : shape.map(String.init).joined(separator: "×") }
}
