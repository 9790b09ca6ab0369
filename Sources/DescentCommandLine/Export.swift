import ArgumentParser
import Descent
import Foundation

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a checkpoint's network as an ONNX model (opset 17).",
        discussion: """
            Writes the network of any checkpoint (classifier or autoencoder) in evaluation
            mode: dropout and masking noise are identities. The graph's input is "input",
            float32 N × the model's input shape (N×784, or N×1×28×28 for models with
            convolutions or pooling) holding pixel / 255; its output "output" is a
            classifier's logits or an autoencoder's reconstruction, and autoencoders also
            output their "code". See docs/interop.md.
            Examples:
              descent export runs/lenet/model.safetensors --onnx lenet5.onnx
            """)

    @Argument(help: "The checkpoint (model.safetensors).") var checkpoint: String
    @Option(help: "The ONNX file to write.") var onnx: String

    func run() throws {
        try DescentCommand.run {
            let saved = try Checkpoint.read(checkpoint)
            // The stored model's sizes come from a file: the network is built only if it fits.
            try CLI.checkMemory(try saved.modelSpec(registry: CommandContext.registry), batchSize: 1, optimizer: nil, flag: "checkpoint \(checkpoint)")
            let network = try saved.makeNetwork(registry: CommandContext.registry)
            let name = ((checkpoint as NSString).deletingLastPathComponent as NSString).lastPathComponent
            let model = try ONNXExport.model(network, name: name.isEmpty ? "descent" : name)
            let folder = (onnx as NSString).deletingLastPathComponent
            if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
                throw DescentError("--onnx: the folder \(folder) does not exist")
            }
            do { try writeAtomically(model.serialized(producerVersion: Descent.version), to: onnx) } catch {
                throw DescentError("--onnx: cannot write \(onnx): \(error)")
            }
            print("wrote \(onnx): ONNX opset \(ONNX.opset), \(model.nodes.count) nodes, \(network.parameters.scalarCount) parameters; input \(model.inputs[0].name) N×\(ModelSpec.shapeText(network.spec!.inputShape)), outputs \(model.outputs.map(\.name).joined(separator: ", "))")
        }
    }
}
