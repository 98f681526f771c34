import Foundation

/// A PyTorch checkpoint in the zip format that `torch.save` writes by default since PyTorch 1.6, read without
/// executing anything.
///
/// The archive holds `<name>/data.pkl` (a pickle of the saved object), `<name>/data/<key>` (one raw record per
/// storage), `<name>/byteorder` and `<name>/version`. The pickle is run by a machine that knows only data opcodes
/// and a short allowlist of globals: `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`,
/// `torch._utils._rebuild_parameter` (and `_with_state`) and the typed storage classes (`torch.FloatStorage`,
/// `HalfStorage`, `BFloat16Storage`, `DoubleStorage`, `LongStorage`, `IntStorage`, `ShortStorage`, `CharStorage`,
/// `ByteStorage`, `BoolStorage`). Any other global, such as `os.system` or `builtins.eval`, stops the reading with
/// ``CheckpointError/forbiddenGlobal(file:name:)``; nothing the pickle names is ever imported or called.
///
/// The file is memory-mapped and contiguous tensors are slices of it; non-contiguous views (a transpose, a strided
/// slice) are gathered into C order. Every size, offset and stride is checked against its storage. The format
/// `torch.save` wrote before PyTorch 1.6 (torchvision's older weights) is read too, by the same machine (see
/// ``init(legacyData:name:)``).
///
/// ```swift
/// let checkpoint = try TorchCheckpoint(contentsOf: URL(fileURLWithPath: "net_g_latest.pth"))
/// for (name, tensor) in try checkpoint.stateDict() { print(name, tensor.shape) }
/// ```
public struct TorchCheckpoint: Sendable {
    /// The saved object: usually a dictionary of tensors, or of dictionaries of tensors and training state.
    public let root: PickleValue
    /// The name used in error messages (the file's path).
    public let name: String

    /// Reads the checkpoint at `url`; `verifyChecksums` checks every storage against its CRC-32 (the pickle is
    /// always checked).
    public init(contentsOf url: URL, verifyChecksums: Bool = true) throws {
        let data = try CheckpointError.mappedContents(of: url)
        try self.init(data: data, name: url.path, verifyChecksums: verifyChecksums)
    }

    /// Parses the bytes of a checkpoint (the zip format, or the legacy format of ``init(legacyData:name:)``); `name`
    /// appears in error messages.
    public init(data: Data, name: String, verifyChecksums: Bool = true) throws {
        if CheckpointFormat.sniff(data) == .legacyTorch {
            self = try TorchCheckpoint(legacyData: data, name: name)
            return
        }
        let archive = try ZipArchive(data: data, file: name)
        // torch.save puts every record under one top-level folder named after the file.
        let pickles = archive.entries.filter {
            let parts = $0.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl"
        }
        guard let pickleEntry = pickles.first, pickles.count == 1 else {
            throw CheckpointError.malformed(
                file: name, detail: pickles.isEmpty ? "the zip archive has no <folder>/data.pkl: it was not written by torch.save"
                    : "the zip archive has \(pickles.count) data.pkl records")
        }
        let folder = String(pickleEntry.name.dropLast("data.pkl".count))
        if let order = archive.entry(named: folder + "byteorder") {
            let text = String(decoding: try archive.contents(of: order, verify: true), as: UTF8.self)
            guard text.trimmingCharacters(in: .whitespacesAndNewlines) == "little" else {
                throw CheckpointError.unsupported(file: name, detail: "the storages are in byte order '\(text)'; only little-endian is supported")
            }
        }
        // The storages' checksums are checked up front, all cores at once; the records are then read unchecked.
        if verifyChecksums { try archive.verify(archive.entries.filter { $0.name.hasPrefix(folder + "data/") }) }
        let environment = TorchEnvironment(file: name, copyBudget: data.count) { key, _, _ in
            guard let entry = archive.entry(named: folder + "data/" + key) else { return nil }
            return try archive.contents(of: entry, verify: false)
        }
        let machine = PickleMachine(file: name, environment: environment)
        self.root = try machine.run(archive.contents(of: pickleEntry, verify: true))
        self.name = name
    }
}
