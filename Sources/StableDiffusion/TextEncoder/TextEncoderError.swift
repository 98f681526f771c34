/// Why a CLIP text encoder cannot be built, loaded or run. Key names are those of the file (HF transformers'
/// `text_model.encoder.layers.N.self_attn.q_proj.weight`, with the file's prefix), so a message can be matched
/// against the checkpoint.
public enum TextEncoderError: Error, CustomStringConvertible, Equatable {
    /// A configuration value outside what can be built; `field` is its HF `config.json` name.
    case invalidConfiguration(field: String, reason: String)
    /// A folder or file that is not a text encoder checkpoint, or that this port cannot read.
    case unrecognisedCheckpoint(file: String, reason: String)
    /// The checkpoint's keys or shapes do not fit the model (strict loading, as PyTorch `strict=True`).
    case stateDictMismatch(file: String, missing: [String], unexpected: [String], wrongShape: [String])
    /// A weight holds NaN or ±infinity.
    case nonFiniteWeight(file: String, key: String)
    /// Token rows the encoder cannot take.
    case invalidTokens(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(field, reason): return "invalid CLIP text encoder configuration: \(field) \(reason)"
        case let .unrecognisedCheckpoint(file, reason): return "\(file): not a CLIP text encoder checkpoint: \(reason)"
        case let .stateDictMismatch(file, missing, unexpected, wrongShape):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys (\(missing.count)): " + Self.list(missing)) }
            if !unexpected.isEmpty { parts.append("unexpected keys (\(unexpected.count)): " + Self.list(unexpected)) }
            if !wrongShape.isEmpty { parts.append("shape mismatches (\(wrongShape.count)): " + Self.list(wrongShape)) }
            return "\(file): the weights do not fit the CLIP text encoder: " + parts.joined(separator: "; ")
        case let .nonFiniteWeight(file, key): return "\(file): tensor '\(key)' holds values that are not finite (NaN or ±inf)"
        case let .invalidTokens(why): return "CLIP text encoder input: \(why)"
        }
    }

    private static func list(_ items: [String]) -> String {
        items.count <= 12 ? items.joined(separator: ", ") : items.prefix(12).joined(separator: ", ") + ", …"
    }
}
