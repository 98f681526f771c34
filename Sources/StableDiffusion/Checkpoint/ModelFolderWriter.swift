import Checkpoints
import Foundation

/// Writes the files of a diffusers or transformers model folder (`config.json` and a safetensors file), each
/// atomically, creating the folders on the way; the inverse of the readers' layouts (``DiffusersWeights``).
package enum ModelFolderWriter {
    /// `config` as pretty-printed JSON with sorted keys at `url`.
    /// - Throws: ``CheckpointError/io(file:detail:)`` when the folder or the file cannot be written.
    package static func writeConfig(_ config: [String: Any], to url: URL) throws {
        try createFolder(url.deletingLastPathComponent())
        do {
            let data = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys, .prettyPrinted])
            try data.write(to: url, options: .atomic)
        } catch {
            throw CheckpointError.io(file: url.path, detail: "cannot write: \(error.localizedDescription)")
        }
    }

    /// `tensors` as a safetensors file at `url` (``SafeTensorsFile/write(_:metadata:to:)``).
    /// - Throws: ``CheckpointError/io(file:detail:)`` when the folder or the file cannot be written.
    package static func writeWeights(_ tensors: [(name: String, tensor: StoredTensor)], to url: URL) throws {
        try createFolder(url.deletingLastPathComponent())
        try SafeTensorsFile.write(tensors, to: url)
    }

    /// Creates `url` and its parents when absent.
    /// - Throws: ``CheckpointError/io(file:detail:)``.
    package static func createFolder(_ url: URL) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw CheckpointError.io(file: url.path, detail: "cannot create: \(error.localizedDescription)")
        }
    }
}
