/// A named set of workloads with their targets, as AlgoPerf's. Targets are set as AlgoPerf
/// sets them: the validation score the baseline (Adam, external tuning) reaches within the
/// budget, the median over studies of each study's best trial (`descent benchmark
/// --calibrate` measures it; docs/benchmark/README.md says when and where).
public struct BenchmarkSuite: Sendable {
    public let name: String
    public let workloads: [Workload]

    public init(name: String, workloads: [Workload]) {
        self.name = name
        self.workloads = workloads
    }

    /// Two small workloads on Fashion-MNIST slices, for a run of minutes on 2 cores. Targets
    /// from `descent benchmark --preset quick --calibrate --studies 3 --trials 5` (seed 0,
    /// 2026-12-08; Intel Xeon family 6 model 207, oneDNN avx512_core_bf16; the trials are in
    /// docs/benchmark/quick-calibration): 0.8490 and 0.0225.
    public static let quick = BenchmarkSuite(name: "quick", workloads: [
        Workload(name: "mlp", model: "784-256-10", trainImages: 4000, validationImages: 1000, batchSize: 128,
                 metric: .accuracy, target: 0.849, stepBudget: 480, evalEvery: 16),
        Workload(name: "ae", model: "seed-ae", trainImages: 4000, validationImages: 1000, batchSize: 100,
                 metric: .mse, target: 0.0225, stepBudget: 1200, evalEvery: 40),
    ])

    /// The seed article's networks, a convolutional one and an autoencoder, on larger slices.
    /// Targets from `descent benchmark --preset standard --calibrate --studies 3 --trials 5`
    /// (seed 0, 2026-12-08; Intel Xeon family 6 model 207, oneDNN avx512_core_bf16; the trials
    /// are in docs/benchmark/standard-calibration): 0.8480, 0.8600, 0.8710 and 0.0230.
    /// fmnist-2c2d runs 400 steps of 64 (a quarter of the others' examples): at 128 × 800 its
    /// trials alone took about 12 core-hours of the external ruleset.
    public static let standard = BenchmarkSuite(name: "standard", workloads: [
        Workload(name: "seed-mlp", model: "seed-mlp", trainImages: 10000, validationImages: 2000, batchSize: 128,
                 metric: .accuracy, target: 0.848, stepBudget: 800, evalEvery: 40),
        Workload(name: "lenet5", model: "lenet5", trainImages: 10000, validationImages: 2000, batchSize: 128,
                 metric: .accuracy, target: 0.860, stepBudget: 800, evalEvery: 40),
        Workload(name: "fmnist-2c2d", model: "fmnist-2c2d", trainImages: 10000, validationImages: 2000, batchSize: 64,
                 metric: .accuracy, target: 0.871, stepBudget: 400, evalEvery: 20),
        Workload(name: "seed-ae", model: "seed-ae", trainImages: 10000, validationImages: 2000, batchSize: 100,
                 metric: .mse, target: 0.0230, stepBudget: 1000, evalEvery: 50),
    ])

    /// The standard suite and a ResNet (resnet-fmnist: batch norm and skip connections), whose
    /// step costs about 3× fmnist-2c2d's. Its target from `descent benchmark --preset full
    /// --calibrate --studies 3 --trials 5 --workloads resnet-fmnist` (seed 0, 2026-12-08; Intel
    /// Xeon family 6 model 207, oneDNN avx512_core_bf16; docs/benchmark/standard-calibration): 0.8510.
    public static let full = BenchmarkSuite(name: "full", workloads: standard.workloads + [
        Workload(name: "resnet-fmnist", model: "resnet-fmnist", trainImages: 10000, validationImages: 2000, batchSize: 64,
                 metric: .accuracy, target: 0.851, stepBudget: 400, evalEvery: 20),
    ])

    /// The suites by name; a merged benchmark takes the first whose workloads hold all of its.
    public static let all: [BenchmarkSuite] = [.quick, .standard, .full]
    public static func named(_ name: String) -> BenchmarkSuite? { all.first { $0.name == name } }
}
