import Checkpoints

/// Adam (Kingma & Ba, 2015) with the semantics of PyTorch's `torch.optim.Adam`.
///
/// Each parameter keeps its own step count t and moment estimates m (`exp_avg`) and v (`exp_avg_sq`), created
/// as zeros at its first gradient. A step with learning rate lr updates, elementwise:
///
///     g ← grad + weight_decay · p          (L2 penalty added to the gradient; `AdamW` decays p instead)
///     m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
///     p ← p − lr / (1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
///
/// with `amsgrad` using the running maximum of v, and `maximize` negating the gradient. `AdamUpdate` gives the
/// exact float32 operation order, which follows PyTorch's. Parameters whose `grad` is nil are skipped, and their
/// step count does not advance. Defaults are PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay.
///
/// Large tensors are updated in chunks on the engine's threads (`Elementwise.forEachChunk`); the result does not depend on the
/// number of threads.
public class Adam: Optimiser {
    public let parameters: [(name: String, tensor: Tensor)]
    public var learningRate: Double
    /// Decay rates (β1, β2) of the first and second moment estimates.
    public var betas: (Double, Double)
    /// Added to the denominator for numerical stability.
    public var epsilon: Double
    /// L2 penalty for `Adam`; decoupled decay rate for `AdamW`.
    public var weightDecay: Double
    /// Normalise by the running maximum of the second moment (AMSGrad).
    public var amsgrad: Bool
    /// Maximise the objective instead of minimising it.
    public var maximize: Bool
    /// Whether weight decay multiplies the parameters (AdamW) rather than adding to the gradient (Adam).
    let decoupledWeightDecay: Bool

    /// The state of one parameter, created at its first gradient.
    struct ParameterState {
        var step: Int
        let expAvg: Tensor
        let expAvgSq: Tensor
        var maxExpAvgSq: Tensor?
    }
    /// Per parameter, in `parameters` order; nil until the parameter first has a gradient.
    private(set) var states: [ParameterState?]

    /// An Adam optimiser over `parameters` (names must be unique).
    ///
    /// - Parameters:
    ///   - learningRate: lr (≥ 0).
    ///   - betas: (β1, β2), each in [0, 1).
    ///   - epsilon: ε (≥ 0).
    ///   - weightDecay: L2 penalty coefficient (≥ 0), added to the gradient as `weight_decay · p`.
    public convenience init(
        _ parameters: [(name: String, tensor: Tensor)], learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999),
        epsilon: Double = 1e-8, weightDecay: Double = 0, amsgrad: Bool = false, maximize: Bool = false
    ) {
        self.init(parameters, learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay,
                  amsgrad: amsgrad, maximize: maximize, decoupled: false)
    }

    init(
        _ parameters: [(name: String, tensor: Tensor)], learningRate: Double, betas: (Double, Double), epsilon: Double,
        weightDecay: Double, amsgrad: Bool, maximize: Bool, decoupled: Bool
    ) {
        let kind = decoupled ? "AdamW" : "Adam"
        precondition(learningRate >= 0, "\(kind): invalid learning rate \(learningRate)")
        precondition(epsilon >= 0, "\(kind): invalid epsilon \(epsilon)")
        precondition((0..<1).contains(betas.0) && (0..<1).contains(betas.1), "\(kind): invalid betas \(betas)")
        precondition(weightDecay >= 0, "\(kind): invalid weight decay \(weightDecay)")
        StateCoding.checkUnique(parameters, kind)
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.amsgrad = amsgrad
        self.maximize = maximize
        self.decoupledWeightDecay = decoupled
        self.states = Array(repeating: nil, count: parameters.count)
    }

    /// The name under which the state is saved ("Adam" or "AdamW").
    var typeName: String { decoupledWeightDecay ? "AdamW" : "Adam" }

    public func step() {
        for (index, (name, param)) in parameters.enumerated() {
            guard let grad = param.grad else { continue }
            precondition(grad.shape == param.shape, "\(typeName): gradient of shape \(grad.shape) for parameter '\(name)' of shape \(param.shape)")
            var state = states[index] ?? ParameterState(
                step: 0, expAvg: Tensor.zeros(param.shape), expAvgSq: Tensor.zeros(param.shape), maxExpAvgSq: nil)
            if amsgrad && state.maxExpAvgSq == nil { state.maxExpAvgSq = Tensor.zeros(param.shape) }
            state.step += 1
            let constants = AdamUpdate.Constants(
                step: state.step, learningRate: learningRate, beta1: betas.0, beta2: betas.1, epsilon: epsilon,
                weightDecay: weightDecay, decoupled: decoupledWeightDecay, maximize: maximize)
            AdamUpdate.apply(param: param, grad: grad, expAvg: state.expAvg, expAvgSq: state.expAvgSq,
                             maxExpAvgSq: amsgrad ? state.maxExpAvgSq : nil, constants)
            states[index] = state
        }
    }

    /// The step count and moment estimates of parameter `name` (nil before its first gradient); the tensors are
    /// the optimiser's own, for inspection.
    public func moments(of name: String) -> (step: Int, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor?)? {
        guard let index = parameters.firstIndex(where: { $0.name == name }), let state = states[index] else { return nil }
        return (state.step, state.expAvg, state.expAvgSq, state.maxExpAvgSq)
    }

    // MARK: State

    private static let fields = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]

    /// Per parameter that has state, in parameter order: `<name>.exp_avg`, `<name>.exp_avg_sq`,
    /// `<name>.max_exp_avg_sq` (amsgrad only; Float32, the parameter's shape) and `<name>.step` (rank-0 Int64) —
    /// PyTorch's per-parameter state entries.
    public func stateTensors() -> [(name: String, tensor: StoredTensor)] {
        var out: [(name: String, tensor: StoredTensor)] = []
        for ((name, _), state) in zip(parameters, states) {
            guard let state else { continue }
            out.append(("\(name).exp_avg", StateCoding.stored(state.expAvg)))
            out.append(("\(name).exp_avg_sq", StateCoding.stored(state.expAvgSq)))
            if amsgrad, let vmax = state.maxExpAvgSq { out.append(("\(name).max_exp_avg_sq", StateCoding.stored(vmax))) }
            out.append(("\(name).step", StateCoding.stored(state.step)))
        }
        return out
    }

    /// `type` ("Adam" or "AdamW"), `lr` (restored on load), and the configuration checked on load: `beta1`,
    /// `beta2`, `eps`, `weight_decay`, `amsgrad`, `maximize`.
    public func stateMetadata() -> [String: String] {
        configuration.merging(["type": typeName, "lr": StateCoding.text(learningRate)]) { $1 }
    }

    private var configuration: [String: String] {
        ["beta1": StateCoding.text(betas.0), "beta2": StateCoding.text(betas.1), "eps": StateCoding.text(epsilon),
         "weight_decay": StateCoding.text(weightDecay), "amsgrad": "\(amsgrad)", "maximize": "\(maximize)"]
    }

    /// Restores the moments, step counts and learning rate saved by `stateTensors()` / `stateMetadata()`.
    ///
    /// Unlike PyTorch's `load_state_dict`, which overwrites the hyper-parameters with the saved ones, the saved
    /// configuration must equal this optimiser's. Parameters absent from the saved state get none (as if they
    /// never had a gradient).
    ///
    /// - Throws: `TensorError.stateMismatch` for another optimiser type or configuration, state of a parameter
    ///   this optimiser does not have, or a shape or element type that does not match the parameter.
    public func loadState(tensors: [String: StoredTensor], metadata: [String: String]) throws {
        try StateCoding.checkConfiguration(typeName, metadata: metadata, type: typeName, configuration: configuration)
        let savedLearningRate = try StateCoding.double(typeName, metadata, "lr")
        var expected: [String: StateCoding.Expected] = [:]
        var groups: [[String]] = []
        for (name, tensor) in parameters {
            let owner = "parameter '\(name)'"
            var group = ["\(name).exp_avg", "\(name).exp_avg_sq", "\(name).step"]
            if amsgrad { group.insert("\(name).max_exp_avg_sq", at: 2) }
            for entry in group {
                expected[entry] = entry.hasSuffix(".step")
                    ? .init(shape: [], elementType: .int64, owner: "a step count")
                    : .init(shape: tensor.shape, elementType: .float32, owner: owner)
            }
            groups.append(group)
        }
        try StateCoding.validate(typeName, tensors: tensors, expected: expected, groups: groups, optionalGroups: true)
        var restored: [ParameterState?] = []
        for (name, _) in parameters {
            guard let expAvg = tensors["\(name).exp_avg"], let expAvgSq = tensors["\(name).exp_avg_sq"],
                  let step = tensors["\(name).step"] else { restored.append(nil); continue }
            let count = StateCoding.integer(step)
            guard count > 0 else {
                throw TensorError.stateMismatch("\(typeName): step count \(count) for parameter '\(name)' (must be positive)")
            }
            restored.append(ParameterState(
                step: count, expAvg: StateCoding.tensor(expAvg), expAvgSq: StateCoding.tensor(expAvgSq),
                maxExpAvgSq: tensors["\(name).max_exp_avg_sq"].map(StateCoding.tensor)))
        }
        states = restored
        learningRate = savedLearningRate
    }
}
