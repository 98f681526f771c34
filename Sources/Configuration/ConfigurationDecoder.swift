/// Decodes a ``ConfigurationValue`` tree into `Decodable` options, recording which keys each type asked for, so
/// that a key nobody read is reported as unknown (with the keys that are known there) and every error names its
/// key path (`datasets.train.patch_size`). Types that adopt ``DefaultedOptions`` are decoded from their defaults
/// overlaid with what the file gives, so a file names only what it changes.
///
/// Written by hand because Foundation's `JSONDecoder` neither reports unread keys nor decodes from a tree.
struct ConfigurationDecoder: Decoder {
    let value: ConfigurationValue
    let codingPath: [CodingKey]
    let state: DecodingState
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case let .mapping(map) = value else { throw state.mismatch("a mapping", value, codingPath) }
        return KeyedDecodingContainer(KeyedContainer<Key>(map: map, codingPath: codingPath, state: state))
    }

    func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        guard case let .list(items) = value else { throw state.mismatch("a list", value, codingPath) }
        return UnkeyedContainer(items: items, codingPath: codingPath, state: state)
    }

    func singleValueContainer() throws -> SingleValueDecodingContainer {
        SingleContainer(value: value, codingPath: codingPath, state: state)
    }
}

/// What one decoding run read: key paths consumed, subtrees taken whole, and the keys each mapping was asked for.
final class DecodingState {
    let source: String
    private(set) var consumed: Set<String> = []
    private(set) var wholeSubtrees: [String] = []
    private(set) var known: [String: Set<String>] = [:]

    init(source: String) { self.source = source }

    static func path(_ codingPath: [CodingKey]) -> String {
        var out = ""
        for key in codingPath {
            if let index = key.intValue, key.stringValue == "\(index)" { out += "[\(index)]" } else {
                out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return out
    }

    func ask(_ key: String, in codingPath: [CodingKey]) { known[Self.path(codingPath), default: []].insert(key) }
    func consume(_ codingPath: [CodingKey]) { consumed.insert(Self.path(codingPath)) }
    func consumeSubtree(at codingPath: [CodingKey]) { wholeSubtrees.append(Self.path(codingPath)) }

    /// Whether the key at `path` was read (itself, or inside a subtree read whole).
    func wasRead(_ path: String) -> Bool {
        consumed.contains(path) || wholeSubtrees.contains { path.hasPrefix($0 + ".") || path.hasPrefix($0 + "[") || $0.isEmpty }
    }

    func mismatch(_ expected: String, _ value: ConfigurationValue, _ codingPath: [CodingKey]) -> ConfigurationError {
        .invalidValue(source, Self.path(codingPath), "expected \(expected), got \(value.summary)")
    }

    /// Decodes `type` from `value` at `codingPath`: scalars from their text, ``DefaultedOptions`` over their
    /// defaults, anything else through its own `init(from:)`.
    func decode<T: Decodable>(_ type: T.Type, from value: ConfigurationValue, at codingPath: [CodingKey]) throws -> T {
        if let scalar = try decodeScalar(type, value, codingPath) { return scalar }
        var tree = value
        if let defaulted = type as? any DefaultedOptions.Type, case .mapping = value {
            tree = try defaulted.defaultsTree().overlaid(with: value)
        }
        return try T(from: ConfigurationDecoder(value: tree, codingPath: codingPath, state: self))
    }

    private func decodeScalar<T>(_ type: T.Type, _ value: ConfigurationValue, _ codingPath: [CodingKey]) throws -> T? {
        func text(_ expected: String) throws -> String {
            guard case let .scalar(text) = value else { throw mismatch(expected, value, codingPath) }
            return text
        }
        func number(_ expected: String) throws -> Double {
            let raw = try text(expected)
            guard let parsed = Double(raw.replacingOccurrences(of: "_", with: "")), parsed.isFinite else {
                throw mismatch(expected, value, codingPath)
            }
            return parsed
        }
        func integer<I: FixedWidthInteger>(_: I.Type) throws -> I {
            let raw = try text("an integer")
            if let exact = I(raw.replacingOccurrences(of: "_", with: "")) { return exact }
            // `!!float 5e3` and `1e4` are integers too when they are whole and in range.
            let parsed = try number("an integer")
            guard parsed.rounded() == parsed, let exact = I(exactly: parsed) else {
                throw ConfigurationError.invalidValue(source, Self.path(codingPath),
                                                      "expected an integer in \(I.min)…\(I.max), got \(value.summary)")
            }
            return exact
        }
        switch type {
        case is String.Type: return try text("text") as? T
        case is Bool.Type:
            switch try text("true or false").lowercased() {
            case "true", "yes", "on": return true as? T
            case "false", "no", "off": return false as? T
            default: throw mismatch("true or false", value, codingPath)
            }
        case is Double.Type: return try number("a number") as? T
        case is Float.Type:
            let parsed = try number("a number")
            guard abs(parsed) <= Double(Float.greatestFiniteMagnitude) else { throw mismatch("a 32-bit number", value, codingPath) }
            return Float(parsed) as? T
        case is Int.Type: return try integer(Int.self) as? T
        case is Int32.Type: return try integer(Int32.self) as? T
        case is Int64.Type: return try integer(Int64.self) as? T
        case is UInt64.Type: return try integer(UInt64.self) as? T
        case is UInt32.Type: return try integer(UInt32.self) as? T
        case is UInt8.Type: return try integer(UInt8.self) as? T
        case is UInt.Type: return try integer(UInt.self) as? T
        default: return nil
        }
    }
}

/// A list index as a coding key (`[3]` in key paths).
struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let map: [String: ConfigurationValue]
    let codingPath: [CodingKey]
    let state: DecodingState

    var allKeys: [Key] { map.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool {
        state.ask(key.stringValue, in: codingPath)
        return map[key.stringValue] != nil
    }

    private func child(_ key: Key) throws -> ConfigurationValue {
        state.ask(key.stringValue, in: codingPath)
        guard let value = map[key.stringValue] else {
            throw ConfigurationError.invalidValue(state.source, DecodingState.path(codingPath + [key]), "is required")
        }
        state.consume(codingPath + [key])
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool {
        state.ask(key.stringValue, in: codingPath)
        guard let value = map[key.stringValue] else { return true }
        state.consume(codingPath + [key])
        return value == .null
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try state.decode(type, from: try child(key), at: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey> {
        try ConfigurationDecoder(value: try child(key), codingPath: codingPath + [key], state: state).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try ConfigurationDecoder(value: try child(key), codingPath: codingPath + [key], state: state).unkeyedContainer()
    }

    func superDecoder() throws -> Decoder { ConfigurationDecoder(value: .mapping(map), codingPath: codingPath, state: state) }

    func superDecoder(forKey key: Key) throws -> Decoder {
        ConfigurationDecoder(value: try child(key), codingPath: codingPath + [key], state: state)
    }
}

private struct UnkeyedContainer: UnkeyedDecodingContainer {
    let items: [ConfigurationValue]
    let codingPath: [CodingKey]
    let state: DecodingState
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [ConfigurationValue], codingPath: [CodingKey], state: DecodingState) {
        self.items = items
        self.codingPath = codingPath
        self.state = state
    }

    private mutating func next() throws -> (ConfigurationValue, [CodingKey]) {
        guard !isAtEnd else {
            throw ConfigurationError.invalidValue(state.source, DecodingState.path(codingPath),
                                                  "has \(items.count) item(s), more are needed")
        }
        defer { currentIndex += 1 }
        return (items[currentIndex], codingPath + [IndexKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, path) = try next()
        return try state.decode(type, from: value, at: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (value, path) = try next()
        return try ConfigurationDecoder(value: value, codingPath: path, state: state).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer {
        let (value, path) = try next()
        return try ConfigurationDecoder(value: value, codingPath: path, state: state).unkeyedContainer()
    }

    mutating func superDecoder() throws -> Decoder {
        let (value, path) = try next()
        return ConfigurationDecoder(value: value, codingPath: path, state: state)
    }
}

private struct SingleContainer: SingleValueDecodingContainer {
    let value: ConfigurationValue
    let codingPath: [CodingKey]
    let state: DecodingState

    func decodeNil() -> Bool { value == .null }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try state.decode(type, from: value, at: codingPath) }
}
