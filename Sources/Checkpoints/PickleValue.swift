import Foundation

/// A value read from a PyTorch checkpoint's pickle: plain data and tensors, never an object that could run code.
///
/// Dictionaries keep their insertion order (Python's, and `collections.OrderedDict`'s) and may have keys of any
/// hashable kind (an optimizer's state is keyed by parameter index). Tensors are ``StoredTensor`` records whose
/// bytes are, where the layout allows, slices of the memory-mapped file.
public indirect enum PickleValue: Sendable, Equatable {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer beyond 64 bits: little-endian two's-complement bytes, as pickle's `LONG1` stores it.
    case bigInteger([UInt8])
    case float(Double)
    case string(String)
    case bytes(Data)
    case list([PickleValue])
    case tuple([PickleValue])
    /// A dictionary's entries in insertion order.
    case dict([Entry])
    case tensor(StoredTensor)

    /// One key–value pair of a dictionary.
    public struct Entry: Sendable, Equatable {
        public let key: PickleValue
        public let value: PickleValue
        public init(key: PickleValue, value: PickleValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value under the string key `key` when this is a dictionary.
    public subscript(key: String) -> PickleValue? {
        guard case let .dict(entries) = self else { return nil }
        return entries.first { $0.key == .string(key) }?.value
    }

    /// The tensor, when this is one.
    public var tensor: StoredTensor? {
        if case let .tensor(t) = self { return t }
        return nil
    }

    /// A short name of the kind of value, for messages.
    public var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInteger: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .list: return "list"
        case .tuple: return "tuple"
        case .dict: return "dict"
        case .tensor: return "tensor"
        }
    }
}
