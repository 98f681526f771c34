import Foundation

/// One storage of a checkpoint: the raw bytes of `data/<key>` and their element type.
struct TorchStorage {
    let key: String
    let elementType: StoredElementType
    /// Little-endian elements (a slice of the archive).
    let bytes: Data
    var count: Int { bytes.count / elementType.byteCount }
}

/// What the torch globals do when the pickle calls them, and where persistent ids lead: interpretation of data,
/// with every argument checked.
struct TorchEnvironment {
    let file: String
    /// The raw bytes of the storage `key` of `count` elements of `type`, or nil when there is none.
    let record: (_ key: String, _ type: StoredElementType, _ count: Int) throws -> Data?
    /// Bytes that rebuilding non-contiguous tensors may still allocate (see ``TorchTensorLayout``).
    var copyBudget: Int
    private var storages: [String: TorchStorage] = [:]

    init(file: String, copyBudget: Int, record: @escaping (_ key: String, _ type: StoredElementType, _ count: Int) throws -> Data?) {
        self.file = file
        self.copyBudget = copyBudget
        self.record = record
    }

    private func bad(_ detail: String) -> CheckpointError { .malformed(file: file, detail: detail) }

    /// `REDUCE`: `callable(*arguments)`.
    mutating func call(_ callable: PickleItem, _ arguments: [PickleItem]) throws -> PickleItem {
        guard case let .global(global) = callable else {
            throw bad("REDUCE applied to a \(callable.kindName), which is not callable")
        }
        switch global {
        case .orderedDict:
            let dict = PickleContainer(.dict)
            switch arguments.count {
            case 0: break
            case 1:
                // OrderedDict(pairs): a list or tuple of two-element lists or tuples.
                guard case let .container(pairs) = arguments[0], pairs.kind != .dict else {
                    throw bad("OrderedDict called with a \(arguments[0].kindName)")
                }
                for pair in pairs.elements {
                    guard case let .container(p) = pair, p.kind != .dict, p.elements.count == 2 else {
                        throw bad("OrderedDict called with an item that is not a key–value pair")
                    }
                    try dict.set(p.elements[0], p.elements[1], file: file)
                }
            default: throw bad("OrderedDict called with \(arguments.count) arguments")
            }
            return .container(dict)
        case .rebuildTensor:
            return .tensor(try rebuildTensor(arguments))
        case .rebuildTensorV1:
            guard arguments.count == 4 else { throw bad("_rebuild_tensor called with \(arguments.count) arguments instead of 4") }
            return .tensor(try rebuildTensor(arguments + [.bool(false), .none]))
        case .rebuildParameter, .rebuildParameterWithState:
            let expected = global == .rebuildParameter ? 3 : 4
            guard arguments.count == expected, case .tensor = arguments[0] else {
                throw bad("\(global.qualifiedName) expects a tensor and \(expected - 1) more arguments")
            }
            return arguments[0]
        case .storageType:
            throw CheckpointError.unsupported(file: file, detail: "the pickle calls \(global.qualifiedName); only tensors built from storages are supported")
        }
    }

    /// `NEWOBJ`: `cls.__new__(cls, *arguments)`; only an empty `OrderedDict`.
    func newObject(_ cls: PickleItem, _ arguments: [PickleItem]) throws -> PickleItem {
        guard case .global(.orderedDict) = cls, arguments.isEmpty else {
            throw CheckpointError.unsupported(file: file, detail: "NEWOBJ of \(cls.kindName) is not supported")
        }
        return .container(PickleContainer(.dict))
    }

    /// `BUILD`: sets an object's Python attributes. A state dict's `_metadata` and a parameter's attributes carry
    /// no weights, so they are accepted and dropped; any other target is refused.
    func build(_ target: PickleItem) throws {
        switch target {
        case .tensor: return
        case let .container(c) where c.kind == .dict: return
        default: throw CheckpointError.unsupported(file: file, detail: "BUILD on a \(target.kindName) is not supported")
        }
    }

    /// `BINPERSID`: `('storage', storage_type, key, location, numel)` → the storage `data/<key>`; legacy files add
    /// a sixth element, a view of the storage, which must be None (views are not supported).
    mutating func persistentLoad(_ id: PickleItem) throws -> PickleItem {
        if case let .container(tuple) = id, tuple.kind == .tuple, tuple.elements.count == 6, case .string("storage") = tuple.elements[0] {
            guard case .none = tuple.elements[5] else {
                throw CheckpointError.unsupported(file: file, detail: "a legacy storage view (tensors sharing part of a storage); "
                    + "re-save the file with a current PyTorch")
            }
            return try persistentLoad(.container(PickleContainer(.tuple, elements: Array(tuple.elements.prefix(5)))))
        }
        guard case let .container(tuple) = id, tuple.kind == .tuple, tuple.elements.count == 5,
              case .string("storage") = tuple.elements[0],
              case let .global(.storageType(elementType)) = tuple.elements[1],
              case let .string(key) = tuple.elements[2],
              case .string = tuple.elements[3],
              case let .int(count) = tuple.elements[4] else {
            throw bad("a persistent id is not ('storage', storage type, key, location, element count)")
        }
        if let known = storages[key] {
            guard known.elementType == elementType, known.count == count else {
                throw bad("storage '\(key)' is named with two different types or sizes")
            }
            return .storage(known)
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: elementType.byteCount)
        guard count >= 0, !overflow else { throw bad("storage '\(key)' claims \(count) elements") }
        guard let bytes = try record(key, elementType, count) else { throw bad("storage '\(key)' has no data record in the archive") }
        guard bytes.count == byteCount else {
            throw bad("storage '\(key)' should hold \(count) \(elementType.rawValue) elements (\(byteCount) bytes) but its record has \(bytes.count) bytes")
        }
        let storage = TorchStorage(key: key, elementType: elementType, bytes: bytes)
        storages[key] = storage
        return .storage(storage)
    }

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`.
    private mutating func rebuildTensor(_ arguments: [PickleItem]) throws -> StoredTensor {
        let what = "_rebuild_tensor_v2"
        guard arguments.count == 6 || arguments.count == 7 else {
            throw bad("\(what) called with \(arguments.count) arguments instead of 6 or 7")
        }
        guard case let .storage(storage) = arguments[0] else { throw bad("\(what): the first argument is a \(arguments[0].kindName), not a storage") }
        guard case let .int(offset) = arguments[1] else { throw bad("\(what): the storage offset is not an integer") }
        let size = try integers(arguments[2], what: "\(what): the size")
        let stride = try integers(arguments[3], what: "\(what): the stride")
        guard case .bool = arguments[4] else { throw bad("\(what): requires_grad is not a bool") }
        if arguments.count == 7 {
            // Lazy negation or conjugation bits (torch._utils.get_tensor_metadata) would change the values.
            let metadata: PickleContainer
            switch arguments[6] {
            case .none: metadata = PickleContainer(.dict)
            case let .container(c) where c.kind == .dict: metadata = c
            default: throw bad("\(what): the metadata is a \(arguments[6].kindName), not a dict")
            }
            for (key, value) in zip(metadata.elements, metadata.values) {
                if case .bool(false) = value { continue }
                let name = if case let .string(s) = key { s } else { key.kindName }
                throw CheckpointError.unsupported(file: file, detail: "a tensor carries the lazy '\(name)' flag; save it after .resolve_neg()/.resolve_conj()")
            }
        }
        return try TorchTensorLayout(file: file).tensor(storage: storage, offset: offset, size: size, stride: stride, copyBudget: &copyBudget)
    }

    private func integers(_ item: PickleItem, what: String) throws -> [Int] {
        guard case let .container(c) = item, c.kind == .tuple else { throw bad("\(what) is a \(item.kindName), not a tuple") }
        return try c.elements.map {
            guard case let .int(n) = $0 else { throw bad("\(what) holds a \($0.kindName), not an integer") }
            return n
        }
    }
}
