import Degradation
import Foundation
import Yams

/// Reads a degradation pipeline's settings from YAML: every field is optional and falls back to the published
/// default, and unknown keys are errors (so a typo never passes silently). Field names are the Swift property
/// names of ``WildPipeline`` or ``RealESRGANPipeline``; ranges are two-element lists, e.g.
///
/// ```yaml
/// noiseProbability: 0.5
/// firstJPEGQuality: [50, 90]
/// thirdBlur: { sincProbability: 0.5 }
/// ```
public enum PipelineConfiguration {
    /// The pipeline described by the YAML text (defaults for everything it leaves out).
    /// - Throws: ``ConfigurationError`` naming the file and the offending key or value.
    public static func wild(yaml: String, source: String) throws -> WildPipeline {
        let pipeline = try decode(WildPipeline.self, defaults: WildPipeline(), yaml: yaml, source: source)
        do {
            try pipeline.validate()
        } catch let error as DegradationError {
            throw ConfigurationError.invalidValue(source, error.description)
        }
        return pipeline
    }

    /// Real-ESRGAN's pipeline at `scale` described by the YAML text (fields of ``RealESRGANPipeline``).
    public static func realESRGAN(yaml: String, scale: Int, source: String) throws -> RealESRGANPipeline {
        let pipeline = try decode(RealESRGANPipeline.self, defaults: RealESRGANPipeline(scale: scale), yaml: yaml, source: source)
        do {
            try pipeline.validate()
        } catch let error as DegradationError {
            throw ConfigurationError.invalidValue(source, error.description)
        }
        return pipeline
    }

    /// The mild augmentation described by the YAML text (fields of ``MildPipeline``).
    public static func mild(yaml: String, source: String) throws -> MildPipeline {
        let pipeline = try decode(MildPipeline.self, defaults: MildPipeline(), yaml: yaml, source: source)
        do {
            try pipeline.validate()
        } catch let error as DegradationError {
            throw ConfigurationError.invalidValue(source, error.description)
        }
        return pipeline
    }

    /// The text of a configuration file.
    public static func text(of path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError.unreadable(path)
        }
        return text
    }

    static func decode<T: Codable>(_ type: T.Type, defaults: T, yaml: String, source: String) throws -> T {
        let user: Any?
        do {
            user = try Yams.load(yaml: yaml)
        } catch {
            throw ConfigurationError.invalidYAML(source, "\(error)")
        }
        let base = try JSONSerialization.jsonObject(with: JSONEncoder().encode(defaults))
        let merged = try merge(base, user ?? [String: Any](), path: "", source: source)
        do {
            return try JSONDecoder().decode(T.self, from: JSONSerialization.data(withJSONObject: merged))
        } catch {
            throw ConfigurationError.invalidValue(source, "\(error)")
        }
    }

    /// Overlays `user` on `base`; dictionaries merge key by key, anything else replaces.
    static func merge(_ base: Any, _ user: Any, path: String, source: String) throws -> Any {
        guard let baseObject = base as? [String: Any] else { return user }
        guard let userObject = user as? [String: Any] else {
            throw ConfigurationError.invalidValue(source, "'\(path.isEmpty ? "top level" : path)' must be a mapping")
        }
        var out = baseObject
        for (key, value) in userObject {
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard let existing = baseObject[key] else {
                throw ConfigurationError.unknownKey(source, keyPath, known: baseObject.keys.sorted())
            }
            out[key] = try merge(existing, value, path: keyPath, source: source)
        }
        return out
    }
}

/// Why a configuration file was refused.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    case unreadable(String)
    case invalidYAML(String, String)
    case unknownKey(String, String, known: [String])
    case invalidValue(String, String)

    public var description: String {
        switch self {
        case let .unreadable(path): return "\(path): cannot read the configuration file"
        case let .invalidYAML(path, reason): return "\(path): not valid YAML: \(reason)"
        case let .unknownKey(path, key, known):
            return "\(path): unknown option '\(key)'; known here: \(known.joined(separator: ", "))"
        case let .invalidValue(path, reason): return "\(path): invalid value: \(reason)"
        }
    }
}
