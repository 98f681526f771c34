/// Why an options file (or a part of one) was refused. Each case names the source (a file path or a flag) and,
/// where there is one, the key path.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable, Sendable {
    case unreadable(String)
    case invalidYAML(String, String)
    /// The file exceeds ``ConfigurationValue/Limits`` (size, nesting, or values once aliases are expanded).
    case tooLarge(String, String)
    /// A key that no option reads, with the keys that are known in the same mapping.
    case unknownKey(String, String, known: [String])
    /// A value of the wrong type or out of range at a key path.
    case invalidValue(String, String, String)

    public var description: String {
        switch self {
        case let .unreadable(source): return "\(source): cannot read the options file"
        case let .invalidYAML(source, reason): return "\(source): not valid YAML: \(reason)"
        case let .tooLarge(source, reason): return "\(source): refused, too large: \(reason)"
        case let .unknownKey(source, key, known):
            let list = known.isEmpty ? "" : "; known here: \(known.joined(separator: ", "))"
            return "\(source): unknown option '\(key)'\(list)"
        case let .invalidValue(source, keyPath, reason):
            return keyPath.isEmpty ? "\(source): \(reason)" : "\(source): \(keyPath): \(reason)"
        }
    }

    /// A decoding error thrown inside a type's own `init(from:)` (such as a ``NamedOption``'s unknown name), with
    /// its key path.
    init(decoding error: DecodingError, source: String) {
        switch error {
        case let .dataCorrupted(context), let .typeMismatch(_, context), let .valueNotFound(_, context):
            self = .invalidValue(source, DecodingState.path(context.codingPath), context.debugDescription)
        case let .keyNotFound(key, context):
            self = .invalidValue(source, DecodingState.path(context.codingPath + [key]), "is required")
        @unknown default:
            self = .invalidValue(source, "", "\(error)")
        }
    }
}
