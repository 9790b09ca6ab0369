import Foundation

/// What a model description, an optimizer configuration, a run and a checkpoint may name: the
/// layer kinds, optimizer rules (with their hyper-parameters), losses and dataset formats a
/// program knows.
///
/// A registry is a value. Descent's own pieces are registered into `Registry.builtIn` with the
/// same `register` calls a user makes for theirs, and whoever reads names — the text parser
/// (`ModelSpec.parse(_:registry:)`), JSON decoding (`JSONDecoder.descent(_:)`), checkpoint
/// reading (`Checkpoint.modelSpec(registry:)`), the command line (`DescentCommandLine`) — is
/// handed the registry to look them up in. There is no process-wide list to append to.
///
/// ```
/// var registry = Registry.builtIn
/// try registry.register(Swish.kind)            // a LayerKind
/// try registry.register(Lookahead.rule)        // an OptimizerRule (and its new hyper-parameters)
/// try registry.register(HuberLoss.kind)        // a LossKind
/// try registry.register(PixelText.format)      // a DatasetFormat (read by `--format pixel-text`)
/// let spec = try ModelSpec.parse("784: linear(100), swish, linear(10)", registry: registry)
/// ```
/// Names are unique within each list; registering a second piece under a taken name throws.
/// Lists keep the order of registration (`--help` lists them in that order).
public struct Registry: Sendable {
    /// Layer kinds, in the order registered.
    public private(set) var layers: [LayerKind] = []
    /// Optimizer rules, in the order registered.
    public private(set) var optimizers: [OptimizerKind] = []
    /// Losses, in the order registered.
    public private(set) var losses: [LossKind] = []
    /// Dataset formats (readers of a folder of data), in the order registered.
    public private(set) var datasetFormats: [DatasetFormat] = []
    /// Every hyper-parameter of the registered rules, in order of first use.
    public private(set) var hyperParameters: [HyperParameter] = []

    /// An empty registry (`Registry.builtIn` holds Descent's own pieces).
    public init() {}

    /// Adds a layer kind; throws if one of that name is registered.
    public mutating func register(_ kind: LayerKind) throws {
        guard layer(named: kind.name) == nil else { throw DescentError("registry: a layer named '\(kind.name)' is already registered") }
        layers.append(kind)
    }

    /// Adds an optimizer rule and any hyper-parameter of it not yet known; throws if a rule
    /// of that name is registered, or if a hyper-parameter reuses another's name or flag.
    public mutating func register(_ rule: OptimizerRule) throws {
        guard optimizer(named: rule.name) == nil else {
            throw DescentError("registry: an optimizer named '\(rule.name)' is already registered")
        }
        var added = hyperParameters
        for o in rule.options where !added.contains(o.parameter) {
            guard !["kind", "clipNorm", "schedule"].contains(o.parameter.rawValue) else {
                throw DescentError("registry: '\(o.parameter.rawValue)' is a field of every optimizer configuration, not a hyper-parameter name")
            }
            if let clash = added.first(where: { $0.rawValue == o.parameter.rawValue || ($0.flag != nil && $0.flag == o.parameter.flag) }) {
                throw DescentError("registry: \(rule.name)'s hyper-parameter '\(o.parameter.rawValue)' clashes with '\(clash.rawValue)'")
            }
            added.append(o.parameter)
        }
        hyperParameters = added
        optimizers.append(OptimizerKind(rule))
    }

    /// Adds a loss; throws if one of that name is registered.
    public mutating func register(_ loss: LossKind) throws {
        guard self.loss(named: loss.rawValue) == nil else {
            throw DescentError("registry: a loss named '\(loss.rawValue)' is already registered")
        }
        losses.append(loss)
    }

    /// Adds a dataset format; throws if one of that name is registered.
    public mutating func register(_ format: DatasetFormat) throws {
        guard datasetFormat(named: format.name) == nil else {
            throw DescentError("registry: a dataset format named '\(format.name)' is already registered")
        }
        datasetFormats.append(format)
    }

    /// The layer kind called `name`, if registered.
    public func layer(named name: String) -> LayerKind? { layers.first { $0.name == name } }
    /// The optimizer called `name` (`--optimizer` value), if registered.
    public func optimizer(named name: String) -> OptimizerKind? { optimizers.first { $0.rawValue == name } }
    /// The loss called `name` (`loss=` value), if registered.
    public func loss(named name: String) -> LossKind? { losses.first { $0.rawValue == name } }
    /// The dataset format called `name` (`--format` value), if registered.
    public func datasetFormat(named name: String) -> DatasetFormat? { datasetFormats.first { $0.name == name } }
    /// The hyper-parameter whose `rawValue` (JSON key) is `name`, if a registered rule uses it.
    public func hyperParameter(named name: String) -> HyperParameter? { hyperParameters.first { $0.rawValue == name } }

    /// "unknown layer 'x'; layers are linear, relu, …" and the like.
    func unknown(_ what: String, _ name: String, _ names: [String]) -> DescentError {
        DescentError("unknown \(what) '\(name)'; \(what)s are \(names.joined(separator: ", "))")
    }

    /// Descent's own layers, optimizers, losses and dataset formats, registered as a user registers theirs.
    public static let builtIn: Registry = {
        var r = Registry()
        do {
            for kind in [Linear.kind, ActivationLayer.reluKind, ActivationLayer.sigmoidKind, ActivationLayer.tanhKind,
                         ActivationLayer.leakyReluKind, ActivationLayer.geluKind, ActivationLayer.siluKind,
                         BatchNorm.kind1d, BatchNorm.kind2d, Dropout.kind, MaskingNoise.kind, SparsityLayer.kind, Flatten.kind,
                         Conv2D.kind, ConvTranspose2D.kind, MaxPool2D.kind, AvgPool2D.kind, Upsample.kind, Reshape.kind,
                         Residual.kind, GaussianLayer.kind] {
                try r.register(kind)
            }
            for rule in [SGD.rule, MomentumSGD.rule, AdaGrad.rule, RMSprop.rule, AdaDelta.rule, Adam.rule, AdamW.rule,
                         NAdam.rule, NAdamW.rule, RAdam.rule, Adamax.rule, Lion.rule, Muon.rule,
                         ScheduleFreeAdamW.rule, Shampoo.rule] {
                try r.register(rule)
            }
            for loss in [LossKind.crossEntropy, .meanSquaredError, .binaryCrossEntropy, .bernoulli] { try r.register(loss) }
            for format in [DatasetFormat.idx, .cifar10, .cifar100, .imageFolder] { try r.register(format) }
        } catch {
            preconditionFailure("the built-in registry has two pieces of one name: \(error)")
        }
        return r
    }()
}

extension CodingUserInfoKey {
    /// Where `JSONDecoder.descent(_:)` puts the registry that names in the JSON are looked
    /// up in (`LayerSpec`, `LossKind`, `OptimizerKind`, `OptimizerConfig`).
    public static let descentRegistry = CodingUserInfoKey(rawValue: "descent.registry")!
}

extension Decoder {
    /// The registry this decoder was given (`JSONDecoder.descent(_:)`), else the built-in one.
    var registry: Registry { userInfo[.descentRegistry] as? Registry ?? .builtIn }

    /// A registered piece stored by its name (a JSON string), looked up in this decoder's
    /// registry with `lookup`; an unknown name is a decoding error listing the `names` there are.
    func registered<T>(_ what: String, lookup: (Registry, String) -> T?, names: (Registry) -> [String]) throws -> T {
        let c = try singleValueContainer()
        let name = try c.decode(String.self)
        guard let piece = lookup(registry, name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath,
                debugDescription: registry.unknown(what, name, names(registry)).message))
        }
        return piece
    }
}

extension JSONDecoder {
    /// A decoder that looks up layer, optimizer and loss names in `registry`.
    public static func descent(_ registry: Registry) -> JSONDecoder {
        let d = JSONDecoder()
        d.userInfo[.descentRegistry] = registry
        return d
    }
}
