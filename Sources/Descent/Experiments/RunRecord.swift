import Foundation

/// How a run ended.
public enum RunStatus: String, Codable, Sendable {
    /// All epochs done.
    case finished
    /// Loss or gradients became NaN/inf; `epochs` holds the epochs completed before.
    case diverged
}

/// Where and with what a run was produced.
public struct RunEnvironment: Codable, Equatable, Sendable {
    public var descentVersion: String
    public var threads: Int
    public var hostname: String
    public var cpu: String
    public var cores: Int
    public var os: String
    /// The OpenBLAS kernels that computed the products of records written before products
    /// moved to oneDNN (e.g. "Haswell"); nil since then, and in records written before it was recorded.
    public var blasCore: String?
    /// What computed the products (`BLAS.kernels`, e.g. "oneDNN 2.6.3 avx512_core_bf16"):
    /// another library or instruction set rounds products differently, so two records agree
    /// bit for bit only on the same kernels. Nil in records written before oneDNN.
    public var kernels: String?
    /// The LAPACK kernels (`OpenBLAS.kernels`, e.g. "OpenBLAS SkylakeX") when the process had
    /// loaded them by the end of the run: Shampoo's inverse roots and PCA run on them. Nil when
    /// nothing had used them, and in records written before they were recorded.
    public var lapack: String?

    enum CodingKeys: String, CodingKey {
        case descentVersion = "descent_version", threads, hostname, cpu, cores, os, blasCore = "blas_core", kernels, lapack
    }

    /// The kernels that computed the products, whichever field names them ("OpenBLAS Haswell"
    /// for older records); nil when the record does not say.
    public var productKernels: String? { kernels ?? blasCore.map { "OpenBLAS " + $0 } }

    /// The current process's environment.
    public static func current(threads: Int) -> RunEnvironment {
        RunEnvironment(descentVersion: Descent.version, threads: threads,
                       hostname: ProcessInfo.processInfo.hostName, cpu: cpuModel(),
                       cores: ProcessInfo.processInfo.activeProcessorCount,
                       os: ProcessInfo.processInfo.operatingSystemVersionString, blasCore: nil, kernels: BLAS.kernels,
                       lapack: OpenBLAS.kernelsIfLoaded)
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
}

/// One finished (or diverged) run: one line of `results.jsonl`.
public struct RunRecord: Codable, Equatable, Sendable {
    public var key: String
    public var seed: UInt64
    public var config: ClassifierRunConfig
    public var status: RunStatus
    public var epochs: [EpochMetrics]
    /// For diverged runs: where it happened, e.g. "training loss is not finite at epoch 3, step 17".
    public var divergence: String?
    public var divergedEpoch: Int?
    public var divergedStep: Int?
    /// Wall-clock seconds of the whole run (data loading excluded).
    public var totalSeconds: Double
    public var environment: RunEnvironment
    /// ISO 8601 time the run finished.
    public var finishedAt: String
    /// What the run was trained and tested on (nil in records written before data
    /// fingerprints, which count as runs on the catalogue's files of their dataset).
    public var data: RunData?
    /// The validation split the run held out (configurations with `validation`).
    public var validationSplit: ValidationSplit.Record?

    enum CodingKeys: String, CodingKey {
        case key, seed, config, status, epochs, divergence, environment, data
        case divergedEpoch = "diverged_epoch", divergedStep = "diverged_step"
        case totalSeconds = "total_seconds", finishedAt = "finished_at", validationSplit = "validation_split"
    }
}

/// The data of a run, in its record (`"data": {"fingerprint": …, "train_images": 4000,
/// "test_images": 1000}`): the `DataFingerprint` of the four files read (before any train
/// limit) and how many images were trained and tested on.
public struct RunData: Codable, Hashable, Sendable {
    /// `DataFingerprint.value` of the files.
    public var fingerprint: String
    /// Training images used (after the configuration's train limit).
    public var trainImages: Int
    public var testImages: Int

    public init(fingerprint: String, trainImages: Int, testImages: Int) {
        self.fingerprint = fingerprint
        self.trainImages = trainImages
        self.testImages = testImages
    }

    enum CodingKeys: String, CodingKey {
        case fingerprint, trainImages = "train_images", testImages = "test_images"
    }
}

extension RunRecord {
    /// The data fingerprint the record stands for: its own, or for a record written before
    /// fingerprints, that of the catalogue's files of its dataset where the catalogue knows
    /// them (nil otherwise: unknown data).
    public var dataFingerprint: String? {
        data?.fingerprint ?? DataFingerprint.catalogue(config.dataset)?.value
    }

    /// Whether the record is a run on data with fingerprint `data`: the same fingerprint, or
    /// — for a record written before fingerprints — data that are the catalogue's files of its
    /// dataset (`isCatalogue`, asked only for such records).
    public func isRun(on data: DataFingerprint, isCatalogue: (DatasetName) -> Bool) -> Bool {
        if let recorded = self.data { return recorded.fingerprint == data.value }
        return isCatalogue(config.dataset)
    }
}

/// Library identification written into every record.
public enum Descent {
    public static let version = "0.1.0"
}
