import Checkpoints
import DACLIP
import Foundation
import WildTensor

/// Pretrained OpenCLIP weights for DA-CLIP's `clip` and the controller's start from them, as the official
/// `create_model_from_pretrained(…, pretrained=<tag>)` does: load the CLIP weights into `model.clip` only, then
/// `initial_controller()` and `lock_clip()` (open_clip `factory.py:236-239`).
public enum OpenCLIPWeights {
    /// Loads an OpenCLIP state dict (`visual.*`, `token_embedding.weight`, `positional_embedding`, `transformer.*`,
    /// `ln_final.*`, `text_projection`, `logit_scale`) strictly into `model.clip`: every parameter present with its
    /// shape, no other key, every value finite. A `module.` prefix is removed when the first key starts with
    /// "module" (DDP files, as the official loader decides it; keys that then coincide are refused); the
    /// `{'state_dict': …}` wrapper is read by the checkpoint reader.
    /// - Throws: ``DACLIPTrainingError/model(_:)`` naming `file` and the missing, unexpected or mismatched keys.
    public static func load(_ named: [(name: String, tensor: StoredTensor)], into model: DACLIPModel, file: String) throws {
        let state: [String: StoredTensor]
        do { state = try DACLIPStateDict.removingModulePrefix(named, file: file) } catch {
            throw DACLIPTrainingError.model("\(error)")
        }
        if state.keys.contains(where: { $0.hasPrefix("clip.") || $0.hasPrefix("visual_control.") }) {
            throw DACLIPTrainingError.model("\(file) is a DA-CLIP checkpoint (clip.*, visual_control.* keys), not an OpenCLIP "
                                            + "one; model.pretrained takes the CLIP weights DA-CLIP starts from")
        }
        if let bad = state.keys.sorted().first(where: { !(state[$0]?.isFinite ?? true) }) {
            throw DACLIPTrainingError.model("\(file): tensor '\(bad)' holds values that are not finite")
        }
        do {
            try model.clip.loadStateDict(state, strict: true)
        } catch let TensorError.stateDictMismatch(missing, unexpected, wrongShape) {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.count): " + missing.prefix(8).joined(separator: ", ")) }
            if !unexpected.isEmpty { parts.append("unexpected \(unexpected.count): " + unexpected.prefix(8).joined(separator: ", ")) }
            if !wrongShape.isEmpty { parts.append("shapes \(wrongShape.count): " + wrongShape.prefix(8).joined(separator: ", ")) }
            throw DACLIPTrainingError.model("\(file) does not fit model.config as an OpenCLIP state dict: " + parts.joined(separator: "; "))
        }
    }

    /// Reads and loads an OpenCLIP checkpoint file (see ``load(_:into:file:)``).
    public static func load(contentsOf url: URL, into model: DACLIPModel) throws {
        let named: [(name: String, tensor: StoredTensor)]
        do { named = try CheckpointFile.load(url) } catch {
            throw DACLIPTrainingError.model("\(url.path): \(error)")
        }
        try load(named, into: model, file: url.path)
    }

    /// Starts the controller from CLIP's image tower and copies CLIP's `logit_scale` into DA-CLIP's trained one
    /// (`DaCLIP.initial_controller`, daclip_model.py:26-34).
    ///
    /// ``ControllerInitialisation/official`` reproduces the official code step by step: parameters of
    /// `clip.visual` and `visual_control` are paired **by position**, those whose CLIP name lacks "transformer" are
    /// copied (with broadcasting), then the blocks are copied pair by pair. Because the controller's parameter list
    /// has the 2L zero-module tensors before its `ln_post`, CLIP's `ln_post.weight` [W] lands in
    /// `zero_modules.0.weight` [W, W] (every row) and `ln_post.bias` in `zero_modules.0.bias`, while the
    /// controller's `ln_post` keeps the value it had (OpenCLIP's (1, 0) for a model built at random).
    /// ``ControllerInitialisation/copy`` copies the tower by name and zeroes every zero module.
    public static func initialiseController(_ model: DACLIPModel, _ mode: ControllerInitialisation) {
        let visual = model.clip.visual, controller = model.visualControl
        switch mode {
        case .official:
            for ((name, source), (_, target)) in zip(visual.namedParameters(), controller.namedParameters())
                where !name.contains("transformer") {
                broadcastCopy(source, into: target)
            }
            for (source, target) in zip(visual.transformer.parameters(), controller.transformer.parameters()) {
                broadcastCopy(source, into: target)
            }
        case .copy:
            let targets = Dictionary(uniqueKeysWithValues: controller.namedParameters().map { ($0.name, $0.tensor) })
            for (name, tensor) in visual.namedParameters() {
                targets[name.hasPrefix("transformer.") ? "transformer." + name : name]?.assign(tensor)
            }
            for layer in controller.transformer.zeroModules {
                for p in layer.parameters() { p.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
            }
        }
        model.logitScale.assign(model.clip.logitScale)
    }

    /// `target.data.copy_(source.data)`: the same element count copies as is; a source whose shape is the target's
    /// trailing shape is repeated over the leading axes (PyTorch broadcasting).
    static func broadcastCopy(_ source: Tensor, into target: Tensor) {
        if source.count == target.count { target.assign(source); return }
        precondition(target.shape.count >= source.shape.count && Array(target.shape.suffix(source.shape.count)) == source.shape,
                     "initial_controller: \(source.shape) does not broadcast to \(target.shape)")
        let values = source.values
        target.withUnsafeMutableBufferPointer { buffer in
            for start in stride(from: 0, to: buffer.count, by: values.count) {
                for (i, v) in values.enumerated() { buffer[start + i] = v }
            }
        }
    }
}
