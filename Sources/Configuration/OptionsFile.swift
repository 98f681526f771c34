import Foundation

/// Options read from a YAML file as a whole (a training run's recipe), through ``ConfigurationLoader``: laid over the
/// type's defaults, unknown keys and out-of-range values refused with their key paths, `base:` files resolved.
public protocol OptionsFile: Decodable {}

extension OptionsFile {
    /// Parses YAML; `file` names the source in errors.
    /// - Throws: ``ConfigurationError`` naming the key path.
    public init(yaml text: String, file: String = "<options>") throws {
        self = try ConfigurationLoader.load(Self.self, yaml: text, source: file)
    }

    /// Reads a YAML options file.
    /// - Throws: ``ConfigurationError`` naming the file and key path.
    public init(contentsOf url: URL) throws {
        self = try ConfigurationLoader.load(Self.self, contentsOf: url.path)
    }
}
