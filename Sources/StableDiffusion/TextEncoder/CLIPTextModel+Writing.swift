import Checkpoints
import Foundation

extension CLIPTextModel {
    /// The parameters under HF transformers' `CLIPTextModel` names (`text_model.embeddings.…`,
    /// `text_model.encoder.layers.{i}.self_attn.q_proj.…`, `text_model.final_layer_norm.…`): the inverse of the
    /// name map ``load(tensors:file:configuration:sizesFromShapes:)`` applies.
    /// - Throws: ``StableDiffusionError`` for a parameter HF has no name for.
    public func transformersState() throws -> [(name: String, tensor: StoredTensor)] {
        let (layers, others) = try HFCLIPEncoderNames.transformersState(stateDict())
        let renames = Dictionary(uniqueKeysWithValues: HFTextEncoderNames.outsideRenames.map { ($0.openCLIP, $0.hf) })
        let outside = try others.map { name, tensor -> (name: String, tensor: StoredTensor) in
            guard let renamed = renames[name] else {
                throw StableDiffusionError.invalidConfiguration(field: name, reason: "has no HF transformers CLIPTextModel name")
            }
            return (renamed, tensor)
        }
        return (outside + layers).map { ("text_model." + $0.name, $0.tensor) }
    }

    /// Writes the text encoder as a transformers model folder, what ``load(contentsOf:configuration:)`` reads (a
    /// diffusers pipeline's `text_encoder/`): `config.json` (``CLIPTextConfiguration/transformersConfig()``) and
    /// `model.safetensors` (``transformersState()``), each file atomically.
    /// - Throws: ``StableDiffusionError`` as ``transformersState()``; ``Checkpoints/CheckpointError/io(file:detail:)``
    ///   when a file cannot be written.
    public func write(transformersFolder folder: URL) throws {
        let state = try transformersState()
        try ModelFolderWriter.writeConfig(configuration.transformersConfig(), to: folder.appendingPathComponent("config.json"))
        try ModelFolderWriter.writeWeights(state, to: folder.appendingPathComponent("model.safetensors"))
    }
}
