import Foundation

/// Options with a default for every field: a file gives only what it changes, and the rest keeps its default
/// (the types' own defaults, encoded once per decoding by ``ConfigurationEncoder``).
public protocol DefaultedOptions: Codable {
    /// The options when nothing is given.
    static var defaults: Self { get }
}

extension DefaultedOptions {
    /// The defaults as a tree, for overlaying a file on them.
    static func defaultsTree() throws -> ConfigurationValue { try ConfigurationEncoder().encode(defaults) }
}

/// Options that check their values once decoded; a violation names the key path and the allowed range.
public protocol ValidatedOptions {
    /// - Throws: ``OptionViolation`` for the first value out of range.
    func validate() throws
}

/// A value outside its allowed range, found by ``ValidatedOptions/validate()``.
public struct OptionViolation: Error, CustomStringConvertible, Equatable, Sendable {
    /// Where the value is (`train.lr_G`).
    public let keyPath: String
    /// What is wrong and what is allowed.
    public let reason: String

    public init(_ keyPath: String, _ reason: String) {
        self.keyPath = keyPath
        self.reason = reason
    }

    public var description: String { keyPath.isEmpty ? reason : "\(keyPath) \(reason)" }

    /// The violation seen from a parent mapping: `prefix.keyPath`.
    public func prefixed(_ prefix: String) -> OptionViolation {
        OptionViolation(keyPath.isEmpty ? prefix : "\(prefix).\(keyPath)", reason)
    }

    /// Runs `body` (a nested options type's validation) and prefixes its violations with `prefix`.
    public static func within(_ prefix: String, _ body: () throws -> Void) throws {
        do { try body() } catch let violation as OptionViolation { throw violation.prefixed(prefix) }
    }

    /// Throws a violation at `keyPath` unless `condition` holds.
    public static func check(_ condition: Bool, _ keyPath: String, _ reason: @autoclosure () -> String) throws {
        if !condition { throw OptionViolation(keyPath, reason()) }
    }
}

/// The one way WildIR reads options files (training recipes, degradation pipelines, network descriptions): YAML
/// parsed within ``ConfigurationValue/Limits``, laid over the type's defaults, decoded with key paths in every
/// error, refused when a key is unknown, then range-checked.
public enum ConfigurationLoader {
    /// Options of `type` from YAML text; `source` names it in errors (a file path, a flag).
    public static func load<T: Decodable>(_ type: T.Type, yaml: String, source: String) throws -> T {
        try decode(type, from: try ConfigurationValue.parse(yaml: yaml, source: source), source: source)
    }

    /// Options of `type` from a YAML file (its `base:` chain resolved: ``tree(contentsOf:)``).
    public static func load<T: Decodable>(_ type: T.Type, contentsOf path: String) throws -> T {
        try decode(type, from: try tree(contentsOf: path), source: path)
    }

    /// The key an options file names another with, whose options it starts from.
    public static let baseKey = "base"

    /// A YAML file's tree with its `base:` chain resolved: a top-level `base: other.yml` (relative to the file's
    /// folder) is read first, and this file's keys are laid over it (mappings merge key by key, other values
    /// replace), so an ablation is its recipe's file and the few keys it changes. Chains of up to 8 files.
    /// - Throws: ``ConfigurationError`` for an unreadable file, a `base` that is not a path, or a cycle.
    public static func tree(contentsOf path: String) throws -> ConfigurationValue {
        var chain: [String] = []
        return try tree(contentsOf: path, chain: &chain)
    }

    private static func tree(contentsOf path: String, chain: inout [String]) throws -> ConfigurationValue {
        let resolved = URL(fileURLWithPath: path).standardizedFileURL.path
        guard !chain.contains(resolved) else {
            throw ConfigurationError.invalidValue(path, baseKey, "the base files form a cycle: \((chain + [resolved]).joined(separator: " → "))")
        }
        guard chain.count < 8 else { throw ConfigurationError.invalidValue(path, baseKey, "more than 8 base files in a chain") }
        chain.append(resolved)
        let parsed = try ConfigurationValue.parse(yaml: try text(contentsOf: path), source: path)
        guard case var .mapping(keys) = parsed, let base = keys.removeValue(forKey: baseKey) else { return parsed }
        guard case let .scalar(name) = base, !name.isEmpty else {
            throw ConfigurationError.invalidValue(path, baseKey, "must be the path of another options file")
        }
        let basePath = name.hasPrefix("/") ? name : URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(name).path
        return try tree(contentsOf: basePath, chain: &chain).overlaid(with: .mapping(keys))
    }

    /// Options of `type` from a tree (a file's, or a subtree of another file kept as a ``ConfigurationValue``).
    /// - Throws: ``ConfigurationError`` naming `source`, the key path and what is wrong.
    public static func decode<T: Decodable>(_ type: T.Type, from tree: ConfigurationValue, source: String) throws -> T {
        let state = DecodingState(source: source)
        let value: T
        do {
            value = try state.decode(type, from: tree, at: [])
        } catch let error as DecodingError {
            throw ConfigurationError(decoding: error, source: source)
        }
        let unknown = tree.keyPaths().filter { !state.wasRead($0) }.sorted()
        // Report the outermost unknown key (its children are unknown with it).
        if let first = unknown.first {
            let parent = first.split(separator: ".", omittingEmptySubsequences: false).dropLast().joined(separator: ".")
            let knownHere = state.known[parent].map { Array($0).sorted() } ?? []
            throw ConfigurationError.unknownKey(source, first, known: knownHere)
        }
        if let validated = value as? any ValidatedOptions {
            do { try validated.validate() } catch let violation as OptionViolation {
                throw ConfigurationError.invalidValue(source, violation.keyPath, violation.reason)
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw ConfigurationError.invalidValue(source, "", "\(error)")
            }
        }
        return value
    }

    /// The text of an options file, refused when it is too large to be one.
    public static func text(contentsOf path: String, limits: ConfigurationValue.Limits = .init()) throws -> String {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let size = attributes?[.size] as? Int, size > limits.maximumBytes {
            throw ConfigurationError.tooLarge(path, "\(size) bytes; at most \(limits.maximumBytes) are read")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigurationError.unreadable(path) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError.invalidYAML(path, "the file is not UTF-8 text")
        }
        return text
    }
}
