import Configuration
import Foundation

/// The official DA-CLIP model configurations by their OpenCLIP names (`open_clip/model_configs/<name>.json`), as
/// `open_clip.create_model_from_pretrained(name, …)` takes them.
public enum DACLIPArchitecture: String, NamedOption, Sendable {
    /// `daclip_ViT-B-32`: the DA-CLIP of daclip-sde (embed 512).
    case vitB32 = "daclip_ViT-B-32"
    /// `daclip_ViT-L-14`: the (wild) DA-CLIP of wild-IR (embed 768).
    case vitL14 = "daclip_ViT-L-14"

    public var configuration: CLIPConfiguration {
        switch self {
        case .vitB32: return .daclipViTB32
        case .vitL14: return .daclipViTL14
        }
    }
}

extension CLIPConfiguration {
    /// A configuration named on a command line: an official name (``DACLIPArchitecture``, e.g. `daclip_ViT-L-14`), an
    /// OpenCLIP model-config JSON written inline (starting with `{`), or the path of such a JSON file.
    /// - Throws: ``DACLIPError/unsupportedConfiguration(_:)`` when `text` is none of these (the known names are
    ///   listed), or what ``init(openCLIPJSON:)`` finds wrong in the JSON.
    public init(nameOrJSON text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let architecture = DACLIPArchitecture(rawValue: trimmed) {
            self = architecture.configuration
        } else if trimmed.hasPrefix("{") {
            self = try CLIPConfiguration(openCLIPJSON: Data(trimmed.utf8))
        } else if FileManager.default.fileExists(atPath: trimmed) {
            guard let data = FileManager.default.contents(atPath: trimmed), data.count <= 1 << 20 else {
                throw DACLIPError.unsupportedConfiguration("\(trimmed): not a readable model-config JSON of at most 1 MB")
            }
            do { self = try CLIPConfiguration(openCLIPJSON: data) } catch let DACLIPError.unsupportedConfiguration(why) {
                throw DACLIPError.unsupportedConfiguration("\(trimmed): \(why)")
            }
        } else {
            throw DACLIPError.unsupportedConfiguration("'\(trimmed)' is not one of "
                + DACLIPArchitecture.allCases.map(\.rawValue).joined(separator: ", ")
                + ", an OpenCLIP model-config JSON file, or inline JSON")
        }
    }
}
