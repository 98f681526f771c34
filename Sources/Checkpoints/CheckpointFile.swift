import Foundation

/// The weight-file formats recognised by their first bytes.
public enum CheckpointFormat: String, Sendable, CaseIterable {
    /// Hugging Face safetensors: a little-endian header length, then a JSON header (`{`).
    case safetensors
    /// `torch.save` since PyTorch 1.6: a zip archive (`PK`).
    case torchZip = "PyTorch zip"
    /// `torch.save` before PyTorch 1.6 (or with `_use_new_zipfile_serialization=False`): a stream of pickles and raw
    /// storages, read by ``TorchCheckpoint/init(legacyData:name:)``; or a tar archive for the versions before
    /// PyTorch 0.1.10, recognised so that the error can say what to do, not read.
    case legacyTorch = "legacy PyTorch"

    /// The format of a file that starts with `data`, or nil when it is none of these.
    public static func sniff(_ data: Data) -> CheckpointFormat? {
        let head = [UInt8](data.prefix(262))
        if head.count >= 4, head[0] == 0x50, head[1] == 0x4B, [0x03, 0x05].contains(head[2]), head[3] == head[2] + 1 {
            return .torchZip
        }
        if head.count >= 10, head[8] == UInt8(ascii: "{") {
            let length = head[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            if length >= 2, length <= UInt64(data.count - 8) { return .safetensors }
        }
        if head.count >= 2, head[0] == 0x80, (2...5).contains(head[1]) { return .legacyTorch }
        if head.count >= 262, head[257..<262].elementsEqual("ustar".utf8) { return .legacyTorch }
        return nil
    }
}

/// Loads the weights of a checkpoint in any supported format as a flat, ordered list of named tensors.
public enum CheckpointFile {
    /// The named tensors of the file at `url`: every tensor of a safetensors file (in the order of their data), or
    /// the state dict of a PyTorch zip checkpoint (see ``TorchCheckpoint/stateDict(preferring:)``).
    ///
    /// Throws ``CheckpointError/unsupported(file:detail:)`` for a PyTorch tar file (before 0.1.10), with the one-line
    /// command that converts it, and for anything else that is neither format.
    public static func load(_ url: URL) throws -> [(name: String, tensor: StoredTensor)] {
        try contents(of: url).tensors
    }

    /// The named tensors of the file at `url` and its string metadata (a safetensors `__metadata__` map; empty
    /// for PyTorch checkpoints), from one read of the file.
    public static func contents(of url: URL) throws -> (tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String]) {
        let data = try CheckpointError.mappedContents(of: url)
        return try contents(data: data, name: url.path)
    }

    /// The named tensors of checkpoint bytes; `name` appears in error messages.
    public static func load(data: Data, name: String) throws -> [(name: String, tensor: StoredTensor)] {
        try contents(data: data, name: name).tensors
    }

    /// The named tensors and metadata of checkpoint bytes; `name` appears in error messages.
    public static func contents(data: Data, name: String) throws
        -> (tensors: [(name: String, tensor: StoredTensor)], metadata: [String: String]) {
        guard !data.isEmpty else { throw CheckpointError.malformed(file: name, detail: "the file is empty") }
        switch CheckpointFormat.sniff(data) {
        case .safetensors:
            let file = try SafeTensorsFile(data: data, name: name)
            return (try file.names.map { ($0, try file.tensor($0, file: name)) }, file.metadata)
        case .torchZip:
            return (try TorchCheckpoint(data: data, name: name).stateDict(), [:])
        case .legacyTorch:
            return (try TorchCheckpoint(legacyData: data, name: name).stateDict(), [:])
        case nil:
            let bytes = data.prefix(8).map(hexDigits)
            throw CheckpointError.unsupported(
                file: name, detail: "neither safetensors nor a PyTorch checkpoint (it starts with \(bytes.joined(separator: " ")))")
        }
    }
}
