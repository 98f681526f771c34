/// What can go wrong building or loading Stable Diffusion's parts: configurations, inputs of the wrong shape,
/// weight folders and files that do not fit.
public enum StableDiffusionError: Error, CustomStringConvertible, Equatable {
    /// A configuration value that cannot be built (`field` names it, with the diffusers `config.json` name).
    case invalidConfiguration(field: String, reason: String)
    /// A tensor the module cannot take; `name` says which input.
    case invalidShape(name: String, shape: [Int], expected: String)
    /// A file or folder that is absent or unreadable.
    case unreadable(path: String, reason: String)
    /// Weights whose names or shapes do not fit the model, each list in the file's own naming.
    case weightsMismatch(file: String, missing: [String], unexpected: [String], wrongShape: [String])

    public var description: String {
        switch self {
        case let .invalidConfiguration(field, reason):
            return "invalid Stable Diffusion configuration: \(field) \(reason)"
        case let .invalidShape(name, shape, expected):
            return "Stable Diffusion: \(name) has shape \(shape), expected \(expected)"
        case let .unreadable(path, reason):
            return "cannot read \(path): \(reason)"
        case let .weightsMismatch(file, missing, unexpected, wrongShape):
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing keys (\(missing.count)): " + Self.list(missing)) }
            if !unexpected.isEmpty { parts.append("unexpected keys (\(unexpected.count)): " + Self.list(unexpected)) }
            if !wrongShape.isEmpty { parts.append("shape mismatches (\(wrongShape.count)): " + Self.list(wrongShape)) }
            return "the weights of \(file) do not fit the model: " + parts.joined(separator: "; ")
        }
    }

    private static func list(_ items: [String]) -> String {
        items.count <= 12 ? items.joined(separator: ", ") : items.prefix(12).joined(separator: ", ") + ", …"
    }
}
