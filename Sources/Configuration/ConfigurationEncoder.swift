/// Encodes a value into a ``ConfigurationValue`` tree: how the defaults of an options type become the tree a
/// user's file is laid over. Numbers are written as their shortest round-tripping text (`Float(0.1)` as "0.1").
/// Written by hand because Foundation's encoders stop at JSON bytes, whose numbers would have to be parsed back.
public struct ConfigurationEncoder {
    public init() {}

    /// The tree of `value`.
    public func encode<T: Encodable>(_ value: T) throws -> ConfigurationValue {
        let root = Slot()
        try value.encode(to: TreeEncoder(slot: root, codingPath: []))
        return root.finished
    }
}

/// A place in the tree being built; containers fill their slots in place.
private final class Slot {
    var value: ConfigurationValue = .null
    var children: [String: Slot] = [:]
    var items: [Slot] = []
    enum Kind { case empty, keyed, unkeyed, single }
    var kind = Kind.empty

    /// The finished tree below this slot.
    var finished: ConfigurationValue {
        switch kind {
        case .keyed: return .mapping(children.mapValues(\.finished))
        case .unkeyed: return .list(items.map(\.finished))
        case .single, .empty: return value
        }
    }
}

private struct TreeEncoder: Encoder {
    let slot: Slot
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        slot.kind = .keyed
        return KeyedEncodingContainer(Keyed<Key>(slot: slot, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        slot.kind = .unkeyed
        return Unkeyed(slot: slot, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { Single(slot: slot, codingPath: codingPath) }
}

/// The text of a scalar, or nil when `value` is not one.
private func scalarText<T: Encodable>(_ value: T) -> String? {
    switch value {
    case let v as String: return v
    case let v as Bool: return v ? "true" : "false"
    case let v as Double: return "\(v)"
    case let v as Float: return "\(v)"
    case let v as any BinaryInteger: return "\(v)"
    default: return nil
    }
}

private func encodeValue<T: Encodable>(_ value: T, into slot: Slot, codingPath: [CodingKey]) throws {
    if let text = scalarText(value) {
        slot.kind = .single
        slot.value = .scalar(text)
    } else {
        try value.encode(to: TreeEncoder(slot: slot, codingPath: codingPath))
    }
}

private struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: Slot
    let codingPath: [CodingKey]

    private func child(_ key: Key) -> Slot {
        let child = Slot()
        slot.children[key.stringValue] = child
        return child
    }

    mutating func encodeNil(forKey key: Key) throws { child(key).kind = .single }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try encodeValue(value, into: child(key), codingPath: codingPath + [key])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(slot: child(key), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        TreeEncoder(slot: child(key), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> Encoder { TreeEncoder(slot: slot, codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> Encoder { TreeEncoder(slot: child(key), codingPath: codingPath + [key]) }
}

private struct Unkeyed: UnkeyedEncodingContainer {
    let slot: Slot
    let codingPath: [CodingKey]
    var count: Int { slot.items.count }

    private func next() -> Slot {
        let item = Slot()
        slot.items.append(item)
        return item
    }

    mutating func encodeNil() throws { next().kind = .single }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try encodeValue(value, into: next(), codingPath: codingPath + [IndexKey(count)])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(slot: next(), codingPath: codingPath).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        TreeEncoder(slot: next(), codingPath: codingPath).unkeyedContainer()
    }
    mutating func superEncoder() -> Encoder { TreeEncoder(slot: next(), codingPath: codingPath) }
}

private struct Single: SingleValueEncodingContainer {
    let slot: Slot
    let codingPath: [CodingKey]

    mutating func encodeNil() throws {
        slot.kind = .single
        slot.value = .null
    }
    mutating func encode<T: Encodable>(_ value: T) throws { try encodeValue(value, into: slot, codingPath: codingPath) }
}
