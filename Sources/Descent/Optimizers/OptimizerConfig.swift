// Provisional (replaced by the optimizers branch).
public enum OptimizerKind: String, CaseIterable, Codable, Sendable {
    case sgd, momentum, adagrad, rmsprop, adadelta, adam, adamw
    public var displayName: String {
        switch self { case .sgd: "SGD"; case .momentum: "MomentumSGD"; case .adagrad: "AdaGrad"; case .rmsprop: "RMSprop"; case .adadelta: "AdaDelta"; case .adam: "Adam"; case .adamw: "AdamW" }
    }
}
public struct OptimizerConfig: Codable, Hashable, Sendable {
    public var kind: OptimizerKind
    public var learningRate: Float?, momentum: Float?, nesterov: Bool?, alpha: Float?, centered: Bool?, rho: Float?
    public var beta1: Float?, beta2: Float?, epsilon: Float?, amsgrad: Bool?, weightDecay: Float?, clipNorm: Float?
    public init(kind: OptimizerKind) { self.kind = kind }
    public func make() throws -> Optimizer {
        switch kind { case .adam: return try Adam(learningRate: learningRate ?? 0.001); default: return try SGD(learningRate: learningRate ?? 0.01) }
    }
    public var summary: String { "\(kind.rawValue)(lr=\(learningRate ?? 0))" }
    public static let seedDefaults: [OptimizerConfig] = [.sgd, .momentum, .adagrad, .rmsprop, .adadelta, .adam].map { OptimizerConfig(kind: $0) }
}
