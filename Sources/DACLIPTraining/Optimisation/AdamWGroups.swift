import Checkpoints
import WildTensor

/// AdamW with the two parameter groups of the official DA-CLIP training (`training/main.py`): gains, biases,
/// 1-D tensors and `logit_scale` without weight decay, every other tensor with it —
///
///     exclude(n, p) = p.ndim < 2 or "bn" in n or "ln" in n or "bias" in n or "logit_scale" in n
///
/// Both groups share one learning rate (one scheduler drives it). The state is saved as the two optimisers' states
/// under `decay/` and `no_decay/`.
public final class AdamWGroups: Optimiser {
    public let decay: AdamW
    public let noDecay: AdamW

    /// The official rule: whether parameter `name` of shape `shape` is excluded from weight decay.
    public static func excludedFromDecay(name: String, shape: [Int]) -> Bool {
        shape.count < 2 || name.contains("bn") || name.contains("ln") || name.contains("bias") || name.contains("logit_scale")
    }

    public init(_ parameters: [(name: String, tensor: Tensor)], learningRate: Double, betas: (Double, Double), epsilon: Double,
                weightDecay: Double) {
        let split = Dictionary(grouping: parameters) { Self.excludedFromDecay(name: $0.name, shape: $0.tensor.shape) }
        decay = AdamW(split[false] ?? [], learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: weightDecay)
        noDecay = AdamW(split[true] ?? [], learningRate: learningRate, betas: betas, epsilon: epsilon, weightDecay: 0)
    }

    public var parameters: [(name: String, tensor: Tensor)] { decay.parameters + noDecay.parameters }

    public var learningRate: Double {
        get { decay.learningRate }
        set { decay.learningRate = newValue; noDecay.learningRate = newValue }
    }

    public func step() {
        decay.step()
        noDecay.step()
    }

    private var groups: [(prefix: String, component: any TrainingStateful)] { [("decay", decay), ("no_decay", noDecay)] }

    public func stateTensors() -> [(name: String, tensor: StoredTensor)] { TrainingState.collect(groups).tensors }

    public func stateMetadata() -> [String: String] { TrainingState.collect(groups).metadata }

    /// Restores both groups, all or nothing (a group whose state does not fit leaves both as they were).
    /// - Throws: `TensorError.stateMismatch` when a group's state is absent or does not fit.
    public func loadState(tensors: [String: StoredTensor], metadata: [String: String]) throws {
        var restored: [(component: any TrainingStateful, tensors: [String: StoredTensor], metadata: [String: String])] = []
        do {
            for (prefix, component) in groups {
                let head = prefix + "/"
                let own = Dictionary(uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix(head) }.map { (String($0.key.dropFirst(head.count)), $0.value) })
                let meta = Dictionary(uniqueKeysWithValues: metadata.filter { $0.key.hasPrefix(head) }.map { (String($0.key.dropFirst(head.count)), $0.value) })
                guard !meta.isEmpty else { throw TensorError.stateMismatch("AdamWGroups: no state under '\(head)'") }
                let previous = (component, Dictionary(uniqueKeysWithValues: component.stateTensors().map { ($0.name, $0.tensor) }),
                                component.stateMetadata())
                try component.loadState(tensors: own, metadata: meta)
                restored.append(previous)
            }
        } catch {
            for (component, tensors, metadata) in restored.reversed() { try? component.loadState(tensors: tensors, metadata: metadata) }
            throw error
        }
    }
}
