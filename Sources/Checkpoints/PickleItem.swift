import Foundation

/// A value on the pickle machine's stack or in its memo: data, a container, or what only the machine itself
/// handles (an allowlisted global, a storage from a persistent id).
enum PickleItem {
    case none
    case bool(Bool)
    case int(Int)
    case bigInteger([UInt8])
    case float(Double)
    case string(String)
    case bytes(Data)
    case container(PickleContainer)
    case tensor(StoredTensor)
    case global(TorchGlobal)
    case storage(TorchStorage)

    /// The kind of item, for messages.
    var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInteger: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case let .container(c): return c.kind.rawValue
        case .tensor: return "tensor"
        case let .global(g): return g.qualifiedName
        case .storage: return "storage"
        }
    }
}

/// A list, tuple or dictionary. A class, because Python's containers are shared references: the memo may hold a
/// dictionary that `SETITEMS` fills afterwards, and every later reference must see the filled one.
final class PickleContainer {
    enum Kind: String { case list, tuple, dict }

    let kind: Kind
    /// List and tuple elements; dictionary keys.
    private(set) var elements: [PickleItem]
    /// Dictionary values, parallel to `elements`.
    private(set) var values: [PickleItem] = []
    private var positions: [PickleKey: Int] = [:]

    init(_ kind: Kind, elements: [PickleItem] = []) {
        self.kind = kind
        self.elements = elements
    }

    func append(_ item: PickleItem) { elements.append(item) }

    /// Sets `key` to `value`: a new key goes last, an existing one keeps its place (Python's dict).
    func set(_ key: PickleItem, _ value: PickleItem, file: String) throws {
        let hashable = try PickleKey(key, file: file)
        if let i = positions[hashable] {
            values[i] = value
        } else {
            positions[hashable] = elements.count
            elements.append(key)
            values.append(value)
        }
    }

    /// Drops the contents, so that releasing a deep or cyclic structure never recurses (see `PickleMachine`).
    func clear() {
        elements = []
        values = []
        positions = [:]
    }
}

/// A dictionary key: the hashable values (Python raises `TypeError` for a list or dict key; so does this).
indirect enum PickleKey: Hashable {
    case none, bool(Bool), int(Int), bigInteger([UInt8]), float(UInt64), string(String), bytes(Data), tuple([PickleKey])

    /// Deepest tuple nesting accepted in a key.
    static let maximumDepth = 32

    init(_ item: PickleItem, file: String, depth: Int = 0) throws {
        switch item {
        case .none: self = .none
        case let .bool(b): self = .bool(b)
        case let .int(i): self = .int(i)
        case let .bigInteger(b): self = .bigInteger(b)
        case let .float(f): self = .float(f.bitPattern)
        case let .string(s): self = .string(s)
        case let .bytes(b): self = .bytes(b)
        case let .container(c) where c.kind == .tuple && depth < Self.maximumDepth:
            self = .tuple(try c.elements.map { try PickleKey($0, file: file, depth: depth + 1) })
        default:
            throw CheckpointError.malformed(file: file, detail: "a dictionary key is a \(item.kindName), which cannot be a key")
        }
    }
}
