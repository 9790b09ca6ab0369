import ArgumentParser
import Descent
import Foundation

/// `--tensorboard DIR` and `--log-every N` of the commands that train (docs/interop.md):
/// TensorBoard event files in DIR (train, autoencoder; stacked: DIR/level<i>, DIR/finetune), or one
/// run folder per record key (compare, tune; `<optimizer>[-lr<rate>]-seed<seed>-<key>`), so TensorBoard
/// overlays seeds and optimizers.
struct TensorBoardOptions: ParsableArguments {
    @Option(help: "Write TensorBoard event files into this folder (compare, tune: one folder per run, ending in its record key).")
    var tensorboard: String?

    @Option(parsing: .unconditional, help: "With --tensorboard: also log the minibatch loss and learning rate every N training steps (0: per epoch only).")
    var logEvery = 50

    func validate() throws {
        if logEvery < 0 { throw ValidationError("--log-every must be ≥ 0, got \(logEvery)") }
        // Before any data are read: the nearest existing folder of DIR must be a folder.
        if let tensorboard {
            guard !tensorboard.isEmpty else { throw ValidationError("--tensorboard: an empty path") }
            var path = (tensorboard as NSString).standardizingPath
            var isFolder: ObjCBool = false
            while !FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
                let parent = (path as NSString).deletingLastPathComponent
                if parent.isEmpty || parent == path { path = "."; continue }
                path = parent
            }
            guard isFolder.boolValue else { throw ValidationError("--tensorboard: \(path) is a file, not a folder") }
        }
    }

    /// The log of a run in DIR (or DIR/`run`), nil without --tensorboard.
    func log(run: String? = nil) throws -> TensorBoardLog? {
        guard let tensorboard else { return nil }
        return try CLI.flag("--tensorboard") {
            try TensorBoardLog(directory: run.map { tensorboard + "/" + $0 } ?? tensorboard, logEvery: logEvery)
        }
    }

    /// The worker's arguments that pass these options on.
    var workerArguments: [String] {
        guard let tensorboard else { return [] }
        let absolute = tensorboard.hasPrefix("/") ? tensorboard : FileManager.default.currentDirectoryPath + "/" + tensorboard
        return ["--tensorboard", absolute, "--log-every", "\(logEvery)"]
    }
}
