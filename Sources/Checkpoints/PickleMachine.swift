import Foundation

/// A pickle virtual machine restricted to data (CPython's `pickle` format, protocols 2–5 as PyTorch writes them).
///
/// It runs the opcodes of ``PickleOpcode`` over a stack, a mark stack and a memo, exactly as CPython's unpickler
/// does, with three differences: a global is resolved only against the torch allowlist (``TorchGlobal``) and never
/// imported; `REDUCE`, `NEWOBJ`, `BUILD` and `BINPERSID` are interpreted by ``TorchEnvironment`` rather than
/// called; and every length, index and nesting is checked, so damaged input ends in a ``CheckpointError``.
///
/// Containers are reference objects (as in Python, where the memo and the stack share them), so a hostile pickle
/// can build a structure millions of levels deep or containing itself. Such structures are refused when the result
/// is converted (`maximumDepth`), and every container is emptied before the machine is released, so freeing them
/// never recurses.
final class PickleMachine {
    /// Deepest nesting of containers in a result.
    static let maximumDepth = 1000
    /// Most memo entries.
    static let maximumMemoEntries = 1 << 24
    /// Longest line of a `GLOBAL` opcode.
    static let maximumGlobalLength = 256

    private let file: String
    private var environment: TorchEnvironment
    private var stack: [PickleItem] = []
    /// Stack heights at each open `MARK`.
    private var marks: [Int] = []
    private var memo: [Int: PickleItem] = [:]
    /// Every container made, so that `deinit` can empty them all (see the type's notes).
    private var containers: [PickleContainer] = []

    init(file: String, environment: TorchEnvironment) {
        self.file = file
        self.environment = environment
    }

    deinit {
        for container in containers { container.clear() }
    }

    /// Runs `pickle` up to its `STOP` and returns the result.
    func run(_ pickle: Data) throws -> PickleValue {
        try run(prefixOf: pickle).value
    }

    /// Runs the pickle at the start of `data` up to its `STOP`; returns the result and the pickle's length in bytes
    /// (what follows it is not read: the legacy `torch.save` format writes several pickles and raw bytes in a row).
    func run(prefixOf data: Data) throws -> (value: PickleValue, length: Int) {
        let (result, length) = try data.withUnsafeBytes { try execute($0) }
        var conversion = PickleConversion(file: file, maximumDepth: Self.maximumDepth)
        return (try conversion.value(of: result), length)
    }

    private func bad(_ detail: String) -> CheckpointError { .malformed(file: file, detail: detail) }

    // MARK: Stack

    private func push(_ item: PickleItem) {
        if case let .container(c) = item { containers.append(c) }
        stack.append(item)
    }

    /// The top item; never one below the innermost mark (CPython keeps marked items on a separate stack).
    private func pop(_ at: Int) throws -> PickleItem {
        guard stack.count > (marks.last ?? 0), let item = stack.popLast() else { throw bad("pickle stack underflow at byte \(at)") }
        return item
    }

    private func top(_ at: Int) throws -> PickleItem {
        guard stack.count > (marks.last ?? 0), let item = stack.last else { throw bad("pickle stack underflow at byte \(at)") }
        return item
    }

    /// The items pushed since the innermost mark, which is closed.
    private func popToMark(_ at: Int) throws -> [PickleItem] {
        guard let mark = marks.popLast() else { throw bad("pickle opcode at byte \(at) needs a MARK that is not there") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private func container(_ item: PickleItem, _ kind: PickleContainer.Kind, _ at: Int) throws -> PickleContainer {
        guard case let .container(c) = item, c.kind == kind else {
            throw bad("pickle opcode at byte \(at) expects a \(kind.rawValue), finds a \(item.kindName)")
        }
        return c
    }

    private func tuple(_ items: [PickleItem]) -> PickleItem { .container(PickleContainer(.tuple, elements: items)) }

    // MARK: Execution

    private func execute(_ code: UnsafeRawBufferPointer) throws -> (PickleItem, Int) {
        var position = 0

        func take(_ length: Int) throws -> UnsafeRawBufferPointer {
            guard length >= 0, length <= code.count - position else {
                throw bad("pickle is cut short: \(length) bytes wanted at byte \(position) of \(code.count)")
            }
            defer { position += length }
            return UnsafeRawBufferPointer(rebasing: code[position..<(position + length)])
        }
        func integer<T: FixedWidthInteger>(_: T.Type) throws -> T {
            let bytes = try take(MemoryLayout<T>.size)
            return T(littleEndian: bytes.loadUnaligned(as: T.self))
        }
        /// A length field: at most what is left of the pickle.
        func length<T: FixedWidthInteger>(_: T.Type) throws -> Int {
            let n = try integer(T.self)
            guard n >= 0, UInt64(n) <= UInt64(code.count - position) else {
                throw bad("pickle length \(n) at byte \(position) runs past its end")
            }
            return Int(n)
        }
        func text(_ bytes: UnsafeRawBufferPointer) throws -> String {
            guard let s = validUTF8(bytes) else { throw bad("pickle string before byte \(position) is not UTF-8") }
            return s
        }
        func line() throws -> String {
            let rest = code.count - position
            guard let newline = (0..<min(rest, Self.maximumGlobalLength)).first(where: { code[position + $0] == 0x0A }) else {
                throw bad("GLOBAL at byte \(position) has no name line")
            }
            let bytes = try take(newline + 1)
            return try text(UnsafeRawBufferPointer(rebasing: bytes[..<newline]))
        }
        func memoize(_ index: Int, _ at: Int) throws {
            let item = try top(at)
            guard memo.updateValue(item, forKey: index) != nil || memo.count <= Self.maximumMemoEntries else {
                throw bad("pickle memo grows beyond \(Self.maximumMemoEntries) entries")
            }
        }
        func recall(_ index: Int, _ at: Int) throws {
            guard let item = memo[index] else { throw bad("pickle refers to memo entry \(index), never stored (byte \(at))") }
            push(item)
        }
        func global(_ module: String, _ name: String) throws {
            push(.global(try TorchGlobal(module: module, name: name, file: file)))
        }

        while true {
            let at = position
            let byte = try take(1)[0]
            guard let opcode = PickleOpcode(rawValue: byte) else {
                if let name = PickleOpcode.refusedNames[byte] {
                    throw CheckpointError.unsupported(file: file, detail: "pickle opcode \(name) at byte \(at) is not supported")
                }
                throw bad("unknown pickle opcode 0x\(hexDigits(byte)) at byte \(at)")
            }
            switch opcode {
            case .proto:
                let version = try integer(UInt8.self)
                guard version <= 5 else { throw CheckpointError.unsupported(file: file, detail: "pickle protocol \(version)") }
            case .frame:
                _ = try length(UInt64.self)
            case .stop:
                return (try pop(at), position)
            case .mark:
                marks.append(stack.count)
            case .pop:
                if stack.count > (marks.last ?? 0) { _ = try pop(at) } else { _ = try popToMark(at) }
            case .popMark:
                _ = try popToMark(at)

            case .emptyDict: push(.container(PickleContainer(.dict)))
            case .emptyList: push(.container(PickleContainer(.list)))
            case .emptyTuple: push(tuple([]))
            case .list: push(.container(PickleContainer(.list, elements: try popToMark(at))))
            case .dict:
                let items = try popToMark(at)
                guard items.count % 2 == 0 else { throw bad("DICT at byte \(at) has an odd number of items") }
                let dict = PickleContainer(.dict)
                for i in stride(from: 0, to: items.count, by: 2) { try dict.set(items[i], items[i + 1], file: file) }
                push(.container(dict))
            case .tuple: push(tuple(try popToMark(at)))
            case .tuple1:
                let a = try pop(at)
                push(tuple([a]))
            case .tuple2:
                let b = try pop(at), a = try pop(at)
                push(tuple([a, b]))
            case .tuple3:
                let c = try pop(at), b = try pop(at), a = try pop(at)
                push(tuple([a, b, c]))

            case .binUnicode: push(.string(try text(take(length(UInt32.self)))))
            case .shortBinUnicode: push(.string(try text(take(length(UInt8.self)))))
            case .binUnicode8: push(.string(try text(take(length(UInt64.self)))))
            case .binBytes: push(.bytes(Data(try take(length(UInt32.self)))))
            case .shortBinBytes: push(.bytes(Data(try take(length(UInt8.self)))))
            case .binBytes8: push(.bytes(Data(try take(length(UInt64.self)))))
            // Python 2's `str`, in legacy checkpoints: decoded as UTF-8, as `torch.load` does by default.
            case .binString: push(.string(try text(take(length(Int32.self)))))
            case .shortBinString: push(.string(try text(take(length(UInt8.self)))))

            case .binInt: push(.int(Int(try integer(Int32.self))))
            case .binInt1: push(.int(Int(try integer(UInt8.self))))
            case .binInt2: push(.int(Int(try integer(UInt16.self))))
            case .long1: push(Self.integer(littleEndian: try take(length(UInt8.self))))
            case .long4: push(Self.integer(littleEndian: try take(length(Int32.self))))
            case .binFloat:
                let bits = try take(8).loadUnaligned(as: UInt64.self)
                push(.float(Double(bitPattern: UInt64(bigEndian: bits))))
            case .newTrue: push(.bool(true))
            case .newFalse: push(.bool(false))
            case .none: push(.none)

            case .setItem:
                let value = try pop(at), key = try pop(at)
                try container(top(at), .dict, at).set(key, value, file: file)
            case .setItems:
                let items = try popToMark(at)
                guard items.count % 2 == 0 else { throw bad("SETITEMS at byte \(at) has an odd number of items") }
                let dict = try container(top(at), .dict, at)
                for i in stride(from: 0, to: items.count, by: 2) { try dict.set(items[i], items[i + 1], file: file) }
            case .append:
                let value = try pop(at)
                try container(top(at), .list, at).append(value)
            case .appends:
                let items = try popToMark(at)
                let list = try container(top(at), .list, at)
                for item in items { list.append(item) }

            case .binPut: try memoize(Int(integer(UInt8.self)), at)
            case .longBinPut: try memoize(Int(integer(UInt32.self)), at)
            case .memoize: try memoize(memo.count, at)
            case .binGet: try recall(Int(integer(UInt8.self)), at)
            case .longBinGet: try recall(Int(integer(UInt32.self)), at)

            case .global:
                let module = try line(), name = try line()
                try global(module, name)
            case .stackGlobal:
                let name = try pop(at), module = try pop(at)
                guard case let .string(m) = module, case let .string(n) = name else {
                    throw bad("STACK_GLOBAL at byte \(at) wants two strings, finds \(module.kindName) and \(name.kindName)")
                }
                try global(m, n)
            case .reduce:
                let arguments = try container(pop(at), .tuple, at)
                let callable = try pop(at)
                push(try environment.call(callable, arguments.elements))
            case .newObj:
                let arguments = try container(pop(at), .tuple, at)
                let cls = try pop(at)
                push(try environment.newObject(cls, arguments.elements))
            case .build:
                _ = try pop(at)
                try environment.build(top(at))
            case .binPersId:
                push(try environment.persistentLoad(pop(at)))
            }
        }
    }

    /// A `LONG1`/`LONG4` integer (little-endian two's complement; no bytes is zero).
    static func integer(littleEndian bytes: UnsafeRawBufferPointer) -> PickleItem {
        guard let last = bytes.last else { return .int(0) }
        let negative = last & 0x80 != 0
        // Bytes beyond the eighth that only extend the sign do not change the value.
        let significant = bytes.count - (bytes.reversed().prefix { $0 == (negative ? 0xFF : 0) }.count)
        let needed = significant == 0 ? 1 : significant + ((bytes[significant - 1] & 0x80 != 0) != negative ? 1 : 0)
        guard needed <= 8 else { return .bigInteger(Array(bytes)) }
        var value: UInt64 = negative ? .max : 0
        for i in 0..<min(bytes.count, 8) {
            value &= ~(UInt64(0xFF) << (8 * UInt64(i)))
            value |= UInt64(bytes[i]) << (8 * UInt64(i))
        }
        return .int(Int(Int64(bitPattern: value)))
    }
}
