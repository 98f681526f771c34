import Checkpoints
import Foundation
import WildTensor

extension CLIPModel {
    /// Loads a CLIP strictly from a checkpoint: a plain OpenCLIP one (`visual.*`, `token_embedding.weight`,
    /// `positional_embedding`, `transformer.*`, `ln_final.*`, `text_projection`, `logit_scale`; as open_clip's
    /// `load_checkpoint` reads it, a `module.` prefix removed when the first key has it), or the frozen `clip` of a
    /// DA-CLIP checkpoint (any file ``DACLIPModel/init(contentsOf:configuration:)`` reads). Read by the restricted
    /// reader of `Checkpoints`: no code from the file runs.
    ///
    /// The configuration is `configuration` when given, else read from the tensor shapes (head width 64, as
    /// OpenCLIP's ViT configurations). Only ViT image towers exist in this port: a ResNet CLIP (`visual.layer1.*`) is
    /// refused by name.
    /// - Throws: ``DACLIPError`` (`stateDictMismatch`, `nonFiniteWeight`, `unrecognisedStateDict`,
    ///   `invalidConfiguration`), or the reader's error for a file that is not a checkpoint.
    public static func load(contentsOf url: URL, configuration: CLIPConfiguration? = nil) throws -> CLIPModel {
        let (tensors, metadata) = try CheckpointFile.contents(of: url)
        return try load(tensors: tensors, metadata: metadata, file: url.path, configuration: configuration)
    }

    /// ``load(contentsOf:configuration:)`` on a checkpoint's named tensors (`file` names it in errors).
    public static func load(tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String] = [:],
                            file: String = "<memory>", configuration: CLIPConfiguration? = nil) throws -> CLIPModel {
        let state = try DACLIPStateDict.removingModulePrefix(tensors, file: file)
        if state.keys.contains(where: { $0.hasPrefix("clip.") || $0.hasPrefix("visual_control.") }) {
            return try DACLIPModel(tensors: tensors, metadata: metadata, file: file, configuration: configuration).clip
        }
        if state.keys.contains(where: { $0.hasPrefix("visual.layer1.") || $0.hasPrefix("visual.attnpool.") }) {
            throw DACLIPError.unrecognisedStateDict(file: file, reason: "a ResNet image tower (visual.layer1.*): only ViT CLIPs are supported")
        }
        if let bad = state.keys.sorted().first(where: { !(state[$0]?.isFinite ?? true) }) {
            throw DACLIPError.nonFiniteWeight(file: file, key: bad)
        }
        // The configuration reader knows DA-CLIP's names: CLIP's own keys are its `clip.*`.
        let resolved = try configuration ?? CLIPConfiguration(
            inferringFrom: Dictionary(uniqueKeysWithValues: state.map { ("clip." + $0.key, $0.value) }), file: file)
        try resolved.validate()
        var generator = TensorRandom.placeholder
        let model = CLIPModel(resolved, generator: &generator)
        do {
            try model.loadStateDict(state, strict: true)
        } catch let TensorError.stateDictMismatch(missing, unexpected, wrongShape) {
            throw DACLIPError.stateDictMismatch(file: file, missing: missing, unexpected: unexpected, wrongShape: wrongShape)
        }
        model.eval()
        return model
    }
}
