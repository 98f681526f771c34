import Foundation

/// A training run's `log.jsonl`: one JSON object per iteration, each with an integer `iteration`, appended as training
/// goes. Opening it for a run that starts at iteration n keeps only the lines up to n (and drops unreadable ones),
/// so a resumed run never repeats iterations and a new run starts an empty log.
public final class JSONLinesLog {
    public let url: URL
    private let handle: FileHandle

    /// Opens (or creates) the log, keeping the lines of iterations ≤ `iteration`.
    /// - Throws: ``CheckpointError/io(file:detail:)`` when the file cannot be written.
    public init(url: URL, keepingThrough iteration: Int) throws {
        self.url = url
        let kept = (try? String(contentsOf: url, encoding: .utf8))?.split(separator: "\n").filter { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let logged = (object["iteration"] as? NSNumber)?.intValue else { return false }
            return logged <= iteration
        } ?? []
        do {
            try Data(kept.map { $0 + "\n" }.joined().utf8).write(to: url, options: .atomic)
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw CheckpointError.io(file: url.path, detail: "cannot write the training log: \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    /// Appends one line (a JSON object without newlines).
    public func append(line: Data) { handle.write(line + Data("\n".utf8)) }

    /// Appends `value` encoded as ``RunRecords`` encodes.
    public func append<Value: Encodable>(_ value: Value) {
        if let data = try? RunRecords.encoder.encode(value) { append(line: data) }
    }

    /// Appends `record`'s fields with `value` under `key` (left out when nil), as one object.
    public func append<Record: Encodable, Value: Encodable>(_ record: Record, adding key: String, _ value: Value?) {
        append(Merged(record: record, key: key, value: value))
    }

    private struct Merged<Record: Encodable, Value: Encodable>: Encodable {
        let record: Record
        let key: String
        let value: Value?

        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: Encoder) throws {
            try record.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encodeIfPresent(value, forKey: Key(stringValue: key))
        }
    }
}
