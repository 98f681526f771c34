import Foundation

extension TorchCheckpoint {
    /// The magic number that opens a legacy file, 0x1950a86a20f9469cfc6c, as the little-endian bytes of its `LONG1`.
    static let legacyMagicNumber: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    /// The only legacy protocol version (`torch.serialization.PROTOCOL_VERSION`).
    static let legacyProtocolVersion = 1001

    /// Reads a checkpoint in the format `torch.save` wrote before PyTorch 1.6 (still written with
    /// `_use_new_zipfile_serialization=False`; torchvision's 2017 weights such as `vgg16-397923af.pth` are in it),
    /// without executing anything.
    ///
    /// The file is five pickles in a row — the magic number, the protocol version 1001, a dictionary of system
    /// information, the saved object and the list of storage keys — followed by every storage of that list, in its
    /// order, as an 8-byte little-endian element count and the raw little-endian elements (`torch/serialization.py`,
    /// `_legacy_save`). The saved object names its storages by persistent ids `('storage', type, key, location,
    /// count, view)`; views of a part of a storage are not supported. Tensors may be rebuilt by
    /// `torch._utils._rebuild_tensor_v2` or by the older `_rebuild_tensor`, and Python 2 strings are read as UTF-8
    /// (`torch.load`'s default). The pickle machine, its allowlist and every check are those of the zip format.
    ///
    /// Because the storages follow the object, the object's pickle is run twice: first over zero-filled stand-ins
    /// (never touched, so they cost address space, not memory) to learn where it ends and what each storage holds,
    /// then over slices of the file.
    /// - Throws: ``CheckpointError/malformed(file:detail:)`` for a damaged file, ``CheckpointError/unsupported(file:detail:)``
    ///   for a tar archive (PyTorch before 0.1.10), big-endian storages or storage views.
    public init(legacyData data: Data, name: String) throws {
        if data.count >= 262, data[data.startIndex + 257 ..< data.startIndex + 262].elementsEqual("ustar".utf8) {
            throw CheckpointError.unsupported(
                file: name, detail: "this is a PyTorch tar checkpoint (before PyTorch 0.1.10), which WildIR does not read; re-save "
                    + "it with a current PyTorch: python -c \"import torch; torch.save(torch.load('IN', weights_only=True), 'OUT.pth')\"")
        }
        func bad(_ detail: String) -> CheckpointError { .malformed(file: name, detail: detail) }
        var offset = 0
        func nextPickle(_ what: String, _ environment: TorchEnvironment) throws -> (value: PickleValue, start: Int) {
            guard offset < data.count else { throw bad("the file ends before its \(what)") }
            let start = offset
            let machine = PickleMachine(file: name, environment: environment)
            let (value, length) = try machine.run(prefixOf: data[(data.startIndex + offset)...])
            offset += length
            return (value, start)
        }
        let noStorages = TorchEnvironment(file: name, copyBudget: 0) { _, _, _ in nil }

        guard case let .bigInteger(magic) = try nextPickle("magic number", noStorages).value, magic == Self.legacyMagicNumber else {
            throw bad("the first pickle is not the magic number of a PyTorch checkpoint")
        }
        let version = try nextPickle("protocol version", noStorages).value
        guard version == .int(Self.legacyProtocolVersion) else {
            throw CheckpointError.unsupported(file: name, detail: "legacy protocol version \(version), not \(Self.legacyProtocolVersion)")
        }
        if try nextPickle("system information", noStorages).value["little_endian"] == .bool(false) {
            throw CheckpointError.unsupported(file: name, detail: "the storages are big-endian; only little-endian is supported")
        }

        // First run of the object: where it ends and what each storage holds.
        let storages = LegacyStorages()
        let discovery = TorchEnvironment(file: name, copyBudget: data.count) { key, type, count in
            let (bytes, overflow) = count.multipliedReportingOverflow(by: type.byteCount)
            guard count >= 0, !overflow, bytes <= data.count else { return nil }
            storages.expected[key] = (type, count)
            return Data(count: bytes)
        }
        let objectStart = try nextPickle("saved object", discovery).start
        guard case let .list(keyList) = try nextPickle("storage keys", noStorages).value else {
            throw bad("the pickle after the saved object is not the list of storage keys")
        }
        for item in keyList {
            guard case let .string(key) = item else { throw bad("a storage key is a \(item.kindName), not a string") }
            guard let (type, count) = storages.expected[key] else { throw bad("the file stores '\(key)', which no tensor uses") }
            guard storages.records[key] == nil else { throw bad("the storage '\(key)' is stored twice") }
            guard data.count - offset >= 8 else { throw bad("the file ends before the storage '\(key)'") }
            let stored = data[(data.startIndex + offset)...].prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            offset += 8
            guard stored == UInt64(count) else {
                throw bad("the storage '\(key)' holds \(stored) elements where the tensors expect \(count)")
            }
            let bytes = count * type.byteCount
            guard data.count - offset >= bytes else { throw bad("the file ends inside the storage '\(key)'") }
            storages.records[key] = data[(data.startIndex + offset) ..< (data.startIndex + offset + bytes)]
            offset += bytes
        }
        // Second run over the real bytes (every storage must have been stored).
        let reading = TorchEnvironment(file: name, copyBudget: data.count) { key, _, _ in storages.records[key] }
        let machine = PickleMachine(file: name, environment: reading)
        self.root = try machine.run(prefixOf: data[(data.startIndex + objectStart)...]).value
        self.name = name
    }
}

/// What the first run of a legacy object learns about its storages, and then their bytes.
private final class LegacyStorages: @unchecked Sendable {
    var expected: [String: (type: StoredElementType, count: Int)] = [:]
    var records: [String: Data] = [:]
}
