/// Why a DA-CLIP configuration, checkpoint or input cannot be used.
///
/// Field and key names are the official ones (OpenCLIP's `vision_cfg.width`, the state-dict key
/// `clip.visual.conv1.weight`), so a message can be matched against the Python code and files.
public enum DACLIPError: Error, CustomStringConvertible, Equatable {
    /// A configuration value outside what can be built; `field` is its OpenCLIP name.
    case invalidConfiguration(field: String, reason: String)
    /// An OpenCLIP model-config JSON that is not readable, or asks for an architecture this port does not have.
    case unsupportedConfiguration(String)
    /// The configuration could not be read from the tensor names and shapes of a checkpoint.
    case unrecognisedStateDict(file: String, reason: String)
    /// The checkpoint's keys or shapes do not fit the model (strict loading, as PyTorch `strict=True`).
    case stateDictMismatch(file: String, missing: [String], unexpected: [String], wrongShape: [String])
    /// `visual.*` and `clip.visual.*` (one module registered twice in the official model) hold different values.
    case aliasMismatch(file: String, keys: [String])
    /// A weight holds NaN or ±infinity.
    case nonFiniteWeight(file: String, key: String)
    /// Pixels or token ids that the model cannot take.
    case invalidInput(String)

    public var description: String {
        switch self {
        case let .invalidConfiguration(field, reason): return "invalid DA-CLIP configuration: \(field) \(reason)"
        case let .unsupportedConfiguration(why): return "unsupported DA-CLIP configuration: \(why)"
        case let .unrecognisedStateDict(file, why):
            return "\(file): cannot read the DA-CLIP configuration from the weights: \(why); pass the configuration explicitly"
        case let .stateDictMismatch(file, missing, unexpected, wrongShape):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys (\(missing.count)): " + Self.list(missing)) }
            if !unexpected.isEmpty { parts.append("unexpected keys (\(unexpected.count)): " + Self.list(unexpected)) }
            if !wrongShape.isEmpty { parts.append("shape mismatches (\(wrongShape.count)): " + Self.list(wrongShape)) }
            let aliasHint = missing.contains { $0.hasPrefix("clip.visual.") }
                ? " (clip.visual.* may also be given as its alias visual.*)" : ""
            return "\(file): the weights do not fit the DA-CLIP model: " + parts.joined(separator: "; ") + aliasHint
        case let .aliasMismatch(file, keys):
            return "\(file): visual.* must repeat clip.visual.* (the same module in the official model), but "
                + "\(keys.count) tensor(s) differ: " + Self.list(keys)
        case let .nonFiniteWeight(file, key): return "\(file): tensor '\(key)' holds values that are not finite (NaN or ±inf)"
        case let .invalidInput(why): return "invalid DA-CLIP input: \(why)"
        }
    }

    private static func list(_ items: [String]) -> String {
        items.count <= 12 ? items.joined(separator: ", ") : items.prefix(12).joined(separator: ", ") + ", …"
    }
}
