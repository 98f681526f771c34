import Yams

/// An options tree as read from YAML (or encoded from defaults): mappings, lists, scalars kept as their text, and
/// null. Scalars are typed only when a field asks for a type, so `3e-4`, `!!float 3e-4` and `0.0003` all read as
/// the same number and a string field keeps its text exactly.
public indirect enum ConfigurationValue: Equatable, Sendable {
    case null
    case scalar(String)
    case list([ConfigurationValue])
    case mapping([String: ConfigurationValue])

    /// Limits that keep a hostile file from exhausting memory: a YAML alias expands to a copy of its anchor, so a
    /// few hundred bytes of nested aliases describe billions of nodes.
    public struct Limits: Sendable {
        /// Largest file accepted, in bytes.
        public var maximumBytes = 4 << 20
        /// Largest number of nodes after aliases are expanded.
        public var maximumNodes = 200_000
        /// Deepest nesting of mappings and lists.
        public var maximumDepth = 64

        public init() {}
    }

    /// The tree of a YAML document (an empty document is an empty mapping).
    /// - Throws: ``ConfigurationError/invalidYAML(_:_:)`` for a syntax error or a duplicate key,
    ///   ``ConfigurationError/tooLarge(_:_:)`` past `limits`.
    public static func parse(yaml: String, source: String, limits: Limits = Limits()) throws -> ConfigurationValue {
        guard yaml.utf8.count <= limits.maximumBytes else {
            throw ConfigurationError.tooLarge(source, "\(yaml.utf8.count) bytes; at most \(limits.maximumBytes) are read")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch {
            throw ConfigurationError.invalidYAML(source, "\(error)")
        }
        guard let node else { return .mapping([:]) }
        var budget = limits.maximumNodes
        return try convert(node, depth: 0, budget: &budget, limits: limits, source: source, path: "")
    }

    private static func convert(_ node: Node, depth: Int, budget: inout Int, limits: Limits, source: String,
                                path: String) throws -> ConfigurationValue {
        budget -= 1
        guard budget >= 0 else {
            throw ConfigurationError.tooLarge(source, "more than \(limits.maximumNodes) values once aliases are expanded")
        }
        guard depth <= limits.maximumDepth else {
            throw ConfigurationError.tooLarge(source, "nested deeper than \(limits.maximumDepth) levels at '\(path)'")
        }
        switch node {
        case let .scalar(scalar):
            return scalar.style == .plain && node.null != nil ? .null : .scalar(scalar.string)
        case let .sequence(sequence):
            return .list(try sequence.enumerated().map { index, item in
                try convert(item, depth: depth + 1, budget: &budget, limits: limits, source: source, path: "\(path)[\(index)]")
            })
        case let .mapping(mapping):
            var out: [String: ConfigurationValue] = [:]
            for (keyNode, valueNode) in mapping {
                guard case let .scalar(key) = keyNode else {
                    throw ConfigurationError.invalidYAML(source, "a key under '\(path.isEmpty ? "top level" : path)' is not a plain name")
                }
                let keyPath = path.isEmpty ? key.string : "\(path).\(key.string)"
                guard out[key.string] == nil else { throw ConfigurationError.invalidYAML(source, "'\(keyPath)' is given twice") }
                out[key.string] = try convert(valueNode, depth: depth + 1, budget: &budget, limits: limits, source: source,
                                              path: keyPath)
            }
            return .mapping(out)
        }
    }

    /// `self` with `overlay` laid over it: mappings merge key by key (recursively), anything else is replaced.
    public func overlaid(with overlay: ConfigurationValue) -> ConfigurationValue {
        guard case let .mapping(base) = self, case let .mapping(top) = overlay else { return overlay }
        var out = base
        for (key, value) in top { out[key] = base[key].map { $0.overlaid(with: value) } ?? value }
        return .mapping(out)
    }

    /// Every key path in the tree that leads to a value (`a.b`, `a.list[0].c`), for unknown-key checks.
    func keyPaths(prefix: String = "") -> [String] {
        switch self {
        case let .mapping(map):
            return map.flatMap { key, value -> [String] in
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                return [path] + value.keyPaths(prefix: path)
            }
        case let .list(items):
            return items.enumerated().flatMap { index, item in item.keyPaths(prefix: "\(prefix)[\(index)]") }
        case .null, .scalar:
            return []
        }
    }

    /// A short description of the value for error messages.
    var summary: String {
        switch self {
        case .null: return "null"
        case let .scalar(text): return "'\(text.count > 40 ? text.prefix(40) + "…" : Substring(text))'"
        case .list: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// `ConfigurationValue` is itself decodable from a tree: an option that holds free-form settings (such as a
/// degradation pipeline's, read once the pipeline is known) keeps its subtree as it is.
extension ConfigurationValue: Codable {
    public init(from decoder: Decoder) throws {
        if let tree = decoder as? ConfigurationDecoder {
            self = tree.value
            tree.state.consumeSubtree(at: tree.codingPath)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null } else if let text = try? container.decode(String.self) {
            self = .scalar(text)
        } else if let list = try? container.decode([ConfigurationValue].self) {
            self = .list(list)
        } else {
            self = .mapping(try container.decode([String: ConfigurationValue].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .scalar(text): try container.encode(text)
        case let .list(items): try container.encode(items)
        case let .mapping(map): try container.encode(map)
        }
    }
}
