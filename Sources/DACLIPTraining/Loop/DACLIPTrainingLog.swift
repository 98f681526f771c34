import Foundation

/// `log.jsonl` of a run: one JSON object per iteration (``DACLIPStepRecord``'s fields, plus `validation` on
/// iterations that validated: the ``ZeroShotReport``), appended as training goes. Opening it for a run that starts
/// at iteration n keeps only the lines up to n, so a resumed run never repeats iterations and a new run starts empty.
final class DACLIPTrainingLog {
    let url: URL
    private let handle: FileHandle

    init(url: URL, keepingThrough iteration: Int) throws {
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
            throw DACLIPTrainingError.checkpoint("cannot write the training log \(url.path): \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    /// Appends one iteration's line.
    func append(_ record: DACLIPStepRecord, validation: ZeroShotReport?) {
        struct Line: Encodable {
            let record: DACLIPStepRecord
            let validation: ZeroShotReport?
            enum Keys: String, CodingKey { case validation }
            func encode(to encoder: Encoder) throws {
                try record.encode(to: encoder)
                var container = encoder.container(keyedBy: Keys.self)
                try container.encodeIfPresent(validation, forKey: .validation)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        if let data = try? encoder.encode(Line(record: record, validation: validation)) { handle.write(data + Data("\n".utf8)) }
    }
}
