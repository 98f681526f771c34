import Configuration
import DACLIP
import Foundation

/// `model:`: the DA-CLIP to train and how it starts.
///
/// - `config`: an OpenCLIP model-config name (``CLIPModelName``), the path of an OpenCLIP model-config JSON, or the
///   same fields inline (`{embed_dim: 64, vision_cfg: {…}, text_cfg: {…}}`).
/// - `pretrained`: an OpenCLIP checkpoint (state dict with `visual.*`, `token_embedding.weight`,
///   `positional_embedding`, `transformer.*`, `ln_final.*`, `text_projection`, `logit_scale`; `.pt`/`.bin` or
///   safetensors), loaded into `clip`; the controller is then initialised from the visual tower
///   (`initial_controller`). Without it, the model starts from random weights drawn from `train.seed`.
public struct DACLIPModelOptions: Codable, Equatable, Sendable, DefaultedOptions, ValidatedOptions {
    public var config: ConfigurationValue = .scalar(CLIPModelName.daclipViTB32.rawValue)
    public var pretrained: String?
    /// How the controller starts from pretrained weights (``ControllerInitialisation``).
    public var initialController: ControllerInitialisation = .official
    /// Train CLIP's text tower too (from-scratch configurations only: see ``DACLIPTrainableParameters``).
    public var trainText = false
    /// CLIP's BPE vocabulary (`bpe_simple_vocab_16e6.txt.gz`).
    public var tokenizer = "models/clip/bpe_simple_vocab_16e6.txt.gz"

    public init() {}

    public static var defaults: DACLIPModelOptions { DACLIPModelOptions() }

    enum CodingKeys: String, CodingKey {
        case config, pretrained, initialController = "initial_controller", trainText = "train_text", tokenizer
    }

    public func validate() throws {
        try OptionViolation.check(!(trainText && pretrained != nil), "train_text",
                                  "applies to models trained from scratch only: with pretrained weights CLIP stays frozen, as the official recipe keeps it")
        if case .null = config { throw OptionViolation("config", "must name a model, an OpenCLIP JSON file or hold its fields") }
    }

    /// The model's hyper-parameters; `file` names the options file in errors.
    /// - Throws: ``DACLIPTrainingError/model(_:)`` naming `model.config` and what is wrong.
    public func configuration(file: String) throws -> CLIPConfiguration {
        do {
            switch config {
            case let .scalar(text):
                if let preset = CLIPModelName(rawValue: text) { return preset.configuration }
                guard FileManager.default.fileExists(atPath: text) else {
                    throw DACLIPTrainingError.model("\(file): model.config '\(text)' is neither a known model ("
                        + CLIPModelName.allCases.map(\.rawValue).joined(separator: ", ") + ") nor an OpenCLIP model-config JSON file")
                }
                return try CLIPConfiguration(openCLIPJSON: Data(try ConfigurationLoader.text(contentsOf: text).utf8))
            case .mapping:
                return try CLIPConfiguration(openCLIPJSON: Data(Self.json(config).utf8))
            case .list, .null:
                throw DACLIPTrainingError.model("\(file): model.config must be a model name, a JSON path or a mapping")
            }
        } catch let error as DACLIPTrainingError {
            throw error
        } catch {
            throw DACLIPTrainingError.model("\(file): model.config: \(error)")
        }
    }

    /// A tree as JSON text (scalars that read as numbers or booleans unquoted), for the OpenCLIP JSON reader.
    static func json(_ value: ConfigurationValue) -> String {
        switch value {
        case .null: return "null"
        case let .scalar(text):
            if Double(text) != nil || ["true", "false"].contains(text) { return text }
            return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case let .list(items): return "[" + items.map(json).joined(separator: ", ") + "]"
        case let .mapping(map):
            return "{" + map.keys.sorted().map { json(.scalar($0)) + ": " + json(map[$0] ?? .null) }.joined(separator: ", ") + "}"
        }
    }
}

/// The OpenCLIP model configurations known by name (`model.config`). DA-CLIP's configs are CLIP's with the
/// `daclip_` prefix (same towers), so both spellings name the same architecture.
public enum CLIPModelName: String, NamedOption, Codable, Sendable {
    case daclipViTB32 = "daclip_ViT-B-32"
    case daclipViTL14 = "daclip_ViT-L-14"
    case viTB32 = "ViT-B-32"
    case viTL14 = "ViT-L-14"

    /// The hyper-parameters.
    public var configuration: CLIPConfiguration {
        switch self {
        case .daclipViTB32, .viTB32: return .daclipViTB32
        case .daclipViTL14, .viTL14: return .daclipViTL14
        }
    }
}

/// How the controller starts when CLIP comes from a pretrained checkpoint (`model.initial_controller`).
public enum ControllerInitialisation: String, NamedOption, Codable, Sendable {
    /// The official `DaCLIP.initial_controller()` (daclip_model.py:26-34), quirk included: parameters are paired by
    /// position, so CLIP's `ln_post.weight`/`.bias` land in `zero_modules.0` (the gain broadcast to every row, the
    /// bias as the bias) and the controller's own `ln_post` stays at (1, 0). Training starts with control 0 not
    /// zero, exactly as the official DA-CLIP did.
    case official
    /// A deliberate deviation: the controller is an exact copy of CLIP's image tower (its `ln_post` included) and
    /// every zero module is zero, so DA-CLIP starts as plain CLIP (the ControlNet intent of zero modules).
    case copy
}
