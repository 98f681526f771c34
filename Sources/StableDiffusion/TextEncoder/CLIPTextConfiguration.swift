import DACLIP
import Foundation

/// The hyper-parameters of a CLIP text encoder in HF transformers' `CLIPTextConfig` terms (the names of
/// `text_encoder/config.json` in the comments). ``stableDiffusion15`` is SD 1.5's: the text tower of
/// openai/clip-vit-large-patch14.
public struct CLIPTextConfiguration: Sendable, Equatable {
    /// `vocab_size`: rows of the token embedding.
    public var vocabSize: Int = 49408
    /// `hidden_size`: token width.
    public var width: Int = 768
    /// `intermediate_size`: hidden width of each MLP.
    public var intermediateSize: Int = 3072
    /// `num_hidden_layers`.
    public var layers: Int = 12
    /// `num_attention_heads`.
    public var heads: Int = 12
    /// `max_position_embeddings`: the longest token row (77).
    public var contextLength: Int = 77
    /// `hidden_act`: "quick_gelu" (SD 1.x) or "gelu".
    public var activation: CLIPActivation = .quickGELU
    /// `layer_norm_eps`: only 1e-5 (every CLIP) is supported.
    public var layerNormEps: Double = 1e-5

    public init() {}

    /// SD 1.5's text encoder: vocabulary 49408, width 768, MLP 3072, 12 layers of 12 heads, 77 positions,
    /// QuickGELU.
    public static var stableDiffusion15: CLIPTextConfiguration { CLIPTextConfiguration() }

    /// The fields of an HF `config.json` (`CLIPTextConfig`, or a `CLIPConfig` holding it as `text_config`); absent
    /// fields keep SD 1.5's values.
    /// - Throws: ``TextEncoderError/invalidConfiguration(field:reason:)`` for JSON that is not an object, a field of
    ///   the wrong type, or an activation other than `quick_gelu` and `gelu`.
    public init(configJSON data: Data, file: String) throws {
        guard var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TextEncoderError.invalidConfiguration(field: file, reason: "is not a JSON object")
        }
        if let text = object["text_config"] as? [String: Any] { object = text }
        func integer(_ key: String) throws -> Int? {
            guard let value = object[key] else { return nil }
            guard let number = DiffusersConfig.number(value), let exact = Int(exactly: number) else {
                throw TextEncoderError.invalidConfiguration(field: key, reason: "in \(file) must be an integer, got \(value)")
            }
            return exact
        }
        self.init()
        vocabSize = try integer("vocab_size") ?? vocabSize
        width = try integer("hidden_size") ?? width
        intermediateSize = try integer("intermediate_size") ?? intermediateSize
        layers = try integer("num_hidden_layers") ?? layers
        heads = try integer("num_attention_heads") ?? heads
        contextLength = try integer("max_position_embeddings") ?? contextLength
        if let value = object["layer_norm_eps"] {
            guard let number = DiffusersConfig.number(value) else {
                throw TextEncoderError.invalidConfiguration(field: "layer_norm_eps", reason: "in \(file) must be a number, got \(value)")
            }
            layerNormEps = number
        }
        if let value = object["hidden_act"] {
            guard let name = value as? String, let activation = CLIPActivation(rawValue: name) else {
                throw TextEncoderError.invalidConfiguration(
                    field: "hidden_act", reason: "in \(file) is \(value); supported: \(CLIPActivation.allCases.map(\.rawValue))")
            }
            self.activation = activation
        }
    }

    /// Throws when a value cannot be built.
    public func validate() throws {
        let counts = [("vocab_size", vocabSize), ("hidden_size", width), ("intermediate_size", intermediateSize),
                      ("num_hidden_layers", layers), ("num_attention_heads", heads), ("max_position_embeddings", contextLength)]
        for (field, value) in counts where value <= 0 {
            throw TextEncoderError.invalidConfiguration(field: field, reason: "must be positive, got \(value)")
        }
        if width % heads != 0 {
            throw TextEncoderError.invalidConfiguration(field: "num_attention_heads", reason: "\(heads) does not divide hidden_size \(width)")
        }
        if abs(layerNormEps - 1e-5) > 1e-12 {
            throw TextEncoderError.invalidConfiguration(field: "layer_norm_eps", reason: "only 1e-5 is supported, got \(layerNormEps)")
        }
    }
}
