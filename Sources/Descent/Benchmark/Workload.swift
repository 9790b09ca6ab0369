/// One workload of a time-to-target suite (as AlgoPerf's): a model, its data, its loss and
/// metric, a validation split, a budget of steps, how often validation is measured, and the
/// validation target a training method must reach.
public struct Workload: Codable, Equatable, Sendable {
    /// What the target is on: validation accuracy (higher is better) or reconstruction MSE (lower).
    public enum Metric: String, Codable, Sendable {
        case accuracy
        case mse
        /// Whether `value` meets `target`.
        public func reaches(_ value: Double, _ target: Double) -> Bool {
            self == .accuracy ? value >= target : value <= target
        }
    }

    public var name: String
    /// A preset or description (`ModelSpec.resolve`); its loss decides classifier or autoencoder.
    public var model: String
    public var dataset: DatasetName
    /// Training images used (the first after the validation split) and images held out.
    public var trainImages: Int
    public var validationImages: Int
    public var batchSize: Int
    public var metric: Metric
    public var target: Double
    /// The most steps a trial may take, and validation every `evalEvery` steps.
    public var stepBudget: Int
    public var evalEvery: Int

    public init(name: String, model: String, dataset: DatasetName = .fashionMNIST, trainImages: Int, validationImages: Int,
                batchSize: Int, metric: Metric, target: Double, stepBudget: Int, evalEvery: Int) {
        self.name = name
        self.model = model
        self.dataset = dataset
        self.trainImages = trainImages
        self.validationImages = validationImages
        self.batchSize = batchSize
        self.metric = metric
        self.target = target
        self.stepBudget = stepBudget
        self.evalEvery = evalEvery
    }

    /// Checks the numbers (from a suite file or the code).
    public func validate() throws {
        for (what, n) in [("train images", trainImages), ("validation images", validationImages), ("batch size", batchSize),
                          ("step budget", stepBudget), ("eval-every", evalEvery)] where n < 1 {
            throw DescentError("workload \(name): \(what) must be at least 1, got \(n)")
        }
        guard target.isFinite, target > 0 else { throw DescentError("workload \(name): target must be a positive number, got \(target)") }
    }
}
