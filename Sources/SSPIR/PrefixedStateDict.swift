import Checkpoints
import WildTensor

extension Module {
    /// Loads the entries of `state` whose keys start with `prefix`, with the prefix removed, strictly (every
    /// parameter present, no unknown key under the prefix, shapes equal). Keys outside the prefix are ignored, so a
    /// whole official ControlNet state dict loads the Processor from its `controlnet_cond_embedding.` entries.
    ///
    /// - Throws: ``SSPIRError/noWeights(prefix:)`` when no key has the prefix; `TensorError.stateDictMismatch`
    ///   listing every missing, unexpected or misshapen key (nothing is modified then).
    public func loadStateDict(_ state: [String: StoredTensor], stripping prefix: String) throws {
        var own: [String: StoredTensor] = [:]
        for (key, tensor) in state where key.hasPrefix(prefix) { own[String(key.dropFirst(prefix.count))] = tensor }
        guard !own.isEmpty else { throw SSPIRError.noWeights(prefix: prefix) }
        try loadStateDict(own, strict: true)
    }
}
