import Checkpoints
import Foundation

/// Compares a model folder the library wrote with one the reference library (diffusers, transformers) wrote: the
/// differences as readable lines, none when they agree.
public enum ModelFolderComparison {
    /// Every key of the written `config.json` that the reference's lacks or holds with another value.
    public static func configDifferences(written: URL, reference: URL) throws -> [String] {
        func object(_ url: URL) throws -> [String: Any] {
            (try JSONSerialization.jsonObject(with: try Data(contentsOf: url)) as? [String: Any]) ?? [:]
        }
        let (mine, theirs) = (try object(written), try object(reference))
        if mine.isEmpty { return ["\(written.path) holds no JSON object"] }
        return mine.keys.sorted().compactMap { key in
            guard let expected = theirs[key] else { return "\(key): not a key of \(reference.lastPathComponent)" }
            let value = mine[key] ?? NSNull()
            return canonical(value) == canonical(expected) ? nil : "\(key): \(value) written, \(expected) in the reference"
        }
    }

    /// A parsed JSON value as JSON text, for comparing values of both files.
    private static func canonical(_ value: Any) -> Data? {
        try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys])
    }

    /// The tensor names (after their prefixes) that only one file holds, and the tensors whose shapes or values
    /// differ; `ignoring` names reference tensors that need not be written (buffers such as `position_ids`).
    public static func tensorDifferences(written: URL, writtenPrefix: String = "", reference: URL, referencePrefix: String = "",
                                         ignoring: Set<String> = []) throws -> [String] {
        func tensors(_ url: URL, _ prefix: String) throws -> [String: StoredTensor] {
            let file = try SafeTensorsFile(contentsOf: url)
            var out: [String: StoredTensor] = [:]
            for name in file.names where name.hasPrefix(prefix) { out[String(name.dropFirst(prefix.count))] = try file.tensor(name) }
            return out
        }
        let mine = try tensors(written, writtenPrefix)
        let theirs = try tensors(reference, referencePrefix).filter { !ignoring.contains($0.key) }
        var differences = Set(mine.keys).symmetricDifference(theirs.keys).sorted().map { "\($0): in one file only" }
        for (name, tensor) in mine.sorted(by: { $0.key < $1.key }) {
            guard let expected = theirs[name] else { continue }
            if tensor.shape != expected.shape || tensor.floatValues() != expected.floatValues() {
                differences.append("\(name): shape \(tensor.shape) or values differ from the reference's \(expected.shape)")
            }
        }
        if mine.isEmpty { differences.append("\(written.path) holds no tensor under '\(writtenPrefix)'") }
        return differences
    }
}
