import Foundation

extension CLIPTextConfiguration {
    /// The HF transformers `config.json` keys of this text encoder (a `CLIPTextConfig` of a `CLIPTextModel`, as
    /// diffusers pipelines hold in `text_encoder/`), what ``init(configJSON:file:)`` reads back to an equal
    /// configuration.
    public func transformersConfig() -> [String: Any] {
        [
            "architectures": ["CLIPTextModel"], "model_type": "clip_text_model", "vocab_size": vocabSize, "hidden_size": width,
            "intermediate_size": intermediateSize, "num_hidden_layers": layers, "num_attention_heads": heads,
            "max_position_embeddings": contextLength, "hidden_act": activation.rawValue, "layer_norm_eps": layerNormEps,
        ]
    }
}
