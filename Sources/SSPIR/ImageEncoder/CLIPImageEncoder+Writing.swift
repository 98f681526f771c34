import Checkpoints
import Foundation
import StableDiffusion

extension CLIPImageEncoder {
    /// The HF transformers `config.json` keys of this tower (a `CLIPVisionConfig` of a `CLIPVisionModel`), from which
    /// ``load(contentsOf:)`` rebuilds an equal tower: the heads and the activation (the loader reads the other sizes
    /// from the weights' shapes, and they are written here too for a self-describing folder).
    public func transformersConfig() -> [String: Any] {
        let c = tower.configuration
        let activation = tower.transformer.resblocks.first?.mlp.activation ?? .quickGELU
        return [
            "architectures": ["CLIPVisionModel"], "model_type": "clip_vision_model", "hidden_size": c.width,
            "intermediate_size": c.mlpWidth, "num_hidden_layers": c.layers, "num_attention_heads": c.heads, "num_channels": 3,
            "image_size": c.imageSize, "patch_size": c.patchSize, "hidden_act": activation.rawValue, "layer_norm_eps": 1e-5,
        ]
    }

    /// The tower's parameters under HF transformers' `CLIPVisionModel` names (`vision_model.embeddings.…`,
    /// `vision_model.encoder.layers.{i}.…`, `vision_model.pre_layrnorm.…`, `vision_model.post_layernorm.…`), the inverse
    /// of the loader's map; the OpenCLIP projection `proj`, which a `CLIPVisionModel` has not and SSP-IR never uses,
    /// is left out.
    /// - Throws: ``StableDiffusion/StableDiffusionError`` for a parameter HF has no name for.
    public func transformersState() throws -> [(name: String, tensor: StoredTensor)] {
        let (layers, others) = try HFCLIPEncoderNames.transformersState(tower.stateDict())
        let renames = Dictionary(uniqueKeysWithValues: CLIPImageEncoder.outsideRenames.map { ($0.openCLIP, $0.hf) })
        var outside: [(name: String, tensor: StoredTensor)] = []
        for (name, tensor) in others where name != "proj" {
            guard let renamed = renames[name] else {
                throw StableDiffusionError.invalidConfiguration(field: name, reason: "has no HF transformers CLIPVisionModel name")
            }
            outside.append((renamed, tensor))
        }
        return (outside + layers).map { ("vision_model." + $0.name, $0.tensor) }
    }

    /// Writes the tower as a transformers `CLIPVisionModel` folder, what ``load(contentsOf:)`` reads (the layout of
    /// `openai/clip-vit-large-patch14`'s vision tower): `config.json` (``transformersConfig()``) and `model.safetensors`
    /// (``transformersState()``), each file atomically.
    /// - Throws: as ``transformersState()``; ``Checkpoints/CheckpointError/io(file:detail:)`` when a file cannot be
    ///   written.
    public func write(transformersFolder folder: URL) throws {
        let state = try transformersState()
        try ModelFolderWriter.writeConfig(transformersConfig(), to: folder.appendingPathComponent("config.json"))
        try ModelFolderWriter.writeWeights(state, to: folder.appendingPathComponent("model.safetensors"))
    }
}
