import Checkpoints
import Parallelism

/// An exponential moving average of model parameters, as BasicSR's `BaseModel.model_ema(decay=0.999)`:
/// after each optimiser step, for every parameter,
///
///     ema ← decay · ema + (1 − decay) · p
///
/// in Float32, as `ema.mul_(decay).add_(p, alpha=1 − decay)` (each factor rounded to Float32 once). The averages
/// start as copies of the parameters (BasicSR calls `model_ema(0)` when it creates `net_g_ema`). Only the
/// parameters given are averaged; BasicSR likewise averages `named_parameters()`, not buffers.
///
/// The averages are keyed by the parameter names, so `stateTensors()` is itself a state dict of the averaged
/// model (BasicSR saves it as the `params_ema` weights). Note: the official IR-SDE / DA-CLIP training instead
/// uses the `ema_pytorch` package (`EMA(beta=0.995, update_every=10)`, with a warm-up of its own); that is a
/// different schedule, not reproduced here.
public final class ExponentialMovingAverage: TrainingStateful {
    /// The live parameters being averaged.
    public let parameters: [(name: String, tensor: Tensor)]
    /// The averages, one per parameter, same names and shapes.
    public let averages: [(name: String, tensor: Tensor)]
    /// The weight of the old average in `update()`.
    public var decay: Double
    /// Number of `update` calls so far.
    public private(set) var updateCount: Int

    /// Starts the averages as copies of `parameters` (names must be unique).
    public init(_ parameters: [(name: String, tensor: Tensor)], decay: Double = 0.999) {
        precondition((0...1).contains(decay), "ExponentialMovingAverage: decay \(decay) not in [0, 1]")
        StateCoding.checkUnique(parameters, "ExponentialMovingAverage")
        self.parameters = parameters
        self.averages = parameters.map { ($0.name, $0.tensor.copy()) }
        self.decay = decay
        self.updateCount = 0
    }

    /// Folds the current parameter values into the averages with `decay`.
    public func update() { update(decay: decay) }

    /// Folds the current parameter values into the averages with the given decay (0 copies the parameters).
    public func update(decay: Double) {
        let keep = Float(decay), take = Float(1 - decay)
        for ((_, parameter), (_, average)) in zip(parameters, averages) {
            let p = UncheckedSendableBox(parameter.storage.pointer), e = UncheckedSendableBox(average.storage.pointer)
            Elementwise.forEachChunk(parameter.count) { range in
                for i in range { e.value[i] = e.value[i] * keep + take * p.value[i] }
            }
        }
        updateCount += 1
    }

    /// The average of parameter `name`, or nil.
    public func average(of name: String) -> Tensor? { averages.first { $0.name == name }?.tensor }

    /// Copies the averages into the live parameters (evaluate or export the averaged model; BasicSR's
    /// `net_g_ema` weights).
    public func copyToParameters() {
        for ((_, parameter), (_, average)) in zip(parameters, averages) { parameter.assign(average) }
    }

    /// Copies the averages into another model's parameters, matched by name (for example a separate inference
    /// model built from the same configuration).
    ///
    /// - Throws: `TensorError.stateMismatch` listing missing, unexpected and wrongly shaped names; nothing is
    ///   copied then.
    public func copy(into target: [(name: String, tensor: Tensor)]) throws {
        let byName = Dictionary(averages.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let targetNames = Set(target.map(\.name))
        var problems: [String] = []
        let missing = target.map(\.name).filter { byName[$0] == nil }
        let unused = averages.map(\.name).filter { !targetNames.contains($0) }
        let wrong = target.compactMap { name, tensor in
            byName[name].flatMap { $0.shape == tensor.shape ? nil : "'\(name)' is \(tensor.shape), the average \($0.shape)" }
        }
        if !missing.isEmpty { problems.append("no average for (\(missing.count)): " + StateCoding.list(missing)) }
        if !unused.isEmpty { problems.append("averages without a target (\(unused.count)): " + StateCoding.list(unused)) }
        if !wrong.isEmpty { problems.append("wrong shape (\(wrong.count)): " + StateCoding.list(wrong)) }
        guard problems.isEmpty else {
            throw TensorError.stateMismatch("ExponentialMovingAverage.copy(into:): " + problems.joined(separator: "; "))
        }
        for (name, tensor) in target { tensor.assign(byName[name]!) }
    }

    // MARK: State

    private static let typeName = "ExponentialMovingAverage"

    /// The averages under the parameter names (Float32, the parameters' shapes).
    public func stateTensors() -> [(name: String, tensor: StoredTensor)] {
        averages.map { ($0.name, StateCoding.stored($0.tensor)) }
    }

    /// `type`, `updates` (restored on load) and `decay` (the configuration, checked on load).
    public func stateMetadata() -> [String: String] {
        ["type": Self.typeName, "decay": StateCoding.text(decay), "updates": "\(updateCount)"]
    }

    /// Restores the averages and update count.
    ///
    /// - Throws: `TensorError.stateMismatch` for a different decay, or averages whose names or shapes do not
    ///   match the parameters (every parameter needs one).
    public func loadState(tensors: [String: StoredTensor], metadata: [String: String]) throws {
        try StateCoding.checkConfiguration(Self.typeName, metadata: metadata, type: Self.typeName,
                                           configuration: ["decay": StateCoding.text(decay)])
        let updates = try StateCoding.integer(Self.typeName, metadata, "updates")
        var expected: [String: StateCoding.Expected] = [:]
        for (name, tensor) in parameters {
            expected[name] = .init(shape: tensor.shape, elementType: .float32, owner: "parameter '\(name)'")
        }
        try StateCoding.validate(Self.typeName, tensors: tensors, expected: expected, groups: parameters.map { [$0.name] },
                                 optionalGroups: false)
        for (name, average) in averages {
            let values = tensors[name]!.floatValues()
            average.withUnsafeMutableBufferPointer { buffer in
                for i in 0..<buffer.count { buffer[i] = values[i] }
            }
        }
        updateCount = updates
    }
}
