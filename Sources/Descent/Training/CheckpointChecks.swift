/// What `Checkpoint.read` checks before anything uses a checkpoint: every number in it
/// comes from a file, so it is checked for range, not defaulted.
///
/// - `epochs_done` (required in a descent checkpoint) is a whole number in
///   0...`largestEpochCount`; `threads`, when present, one in 1...`Parallel.maxThreads`;
/// - every tensor is finite (a NaN or ±∞ weight would be trained on and saved again: a
///   ReLU after it turns the NaN into 0, so no loss or gradient shows it);
/// - the header names each tensor once (`SafeTensors.decode`).
///
/// When the checkpoint is restored with an optimizer (`--resume`), its optimizer state must be
/// complete (`checkOptimizerState`), the history must hold exactly epochs 1…`epochs_done`
/// (`history()`), and the data must be those it was trained on (`checkData`).
extension Checkpoint {
    /// The metadata key of the data's fingerprint (`DataFingerprint.value`).
    public static let dataFingerprintKey = "data_fingerprint"
    /// The most epochs a checkpoint may claim to have trained.
    public static let largestEpochCount = 1_000_000

    /// Throws the first problem found (see the extension's documentation), naming the file.
    func check() throws {
        func fail(_ what: String) -> DescentError { DescentError("\(path): \(what)") }
        if let text = metadata["epochs_done"] {
            guard let n = Int(text), n >= 0, n <= Checkpoint.largestEpochCount else {
                throw fail("epochs_done must be a whole number in 0...\(Checkpoint.largestEpochCount), got '\(text.prefix(40))'")
            }
        } else if metadata["format"]?.hasPrefix("descent-checkpoint") == true {
            throw fail("has no epochs_done")
        }
        if let text = metadata["threads"] {
            guard let n = Int(text), n >= 1, n <= Parallel.maxThreads else {
                throw fail("threads must be a whole number in 1...\(Parallel.maxThreads), got '\(text.prefix(40))'")
            }
        }
        for name in tensors.keys.sorted() {
            let t = tensors[name]!
            guard Kernels.allFinite(t.data, count: t.count) else {
                throw fail("tensor '\(name)' holds NaN or infinite values (a run that diverged, or damage)")
            }
        }
    }

    /// With `optimizer` state to restore after `epochsDone` > 0 epochs: every parameter's
    /// step count must be there (a checkpoint without them would resume with a fresh state,
    /// silently another run); the slots are checked by `Optimizer.loadState`.
    func checkOptimizerState(for parameters: [Parameter]) throws {
        guard epochsDone > 0 else { return }
        let prefix = Checkpoint.optimizerPrefix
        let missing = (["optimizer.step"] + parameters.map { "\($0.name).step" }).filter { tensors[prefix + $0] == nil }
        if let first = missing.first {
            throw DescentError("\(path): the optimizer state is incomplete after \(epochsDone) epoch(s): no tensor '\(prefix)\(first)'\(missing.count > 1 ? " (and \(missing.count - 1) more)" : "")")
        }
    }

    /// The data fingerprint it was trained on (nil: not recorded).
    public var dataFingerprint: String? { metadata[Checkpoint.dataFingerprintKey] }

    /// Refuses to continue on other data than those the checkpoint was trained on (or on
    /// data it cannot tell, when it records none), naming both fingerprints and `source`.
    public func checkData(_ fingerprint: DataFingerprint, source: String) throws {
        guard let stored = dataFingerprint else {
            throw DescentError("\(path) records no data fingerprint (written by an older descent), so it cannot be checked against the data in \(source) (\(fingerprint)); start a new run")
        }
        guard stored == fingerprint.value else {
            throw DescentError("\(path) was trained on data with fingerprint \(DataFingerprint.short(stored)), but the data in \(source) have fingerprint \(fingerprint): a run continues on its own data only")
        }
    }
}
