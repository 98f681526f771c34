import Checkpoints
import Foundation

/// `log.jsonl` of a run: one JSON object per iteration (``DACLIPStepRecord``'s fields, plus `validation` on
/// iterations that validated: the ``ZeroShotReport``), appended as training goes. Opening it for a run that starts
/// at iteration n keeps only the lines up to n, so a resumed run never repeats iterations and a new run starts empty.
final class DACLIPTrainingLog {
    private let log: JSONLinesLog

    init(url: URL, keepingThrough iteration: Int) throws {
        do { log = try JSONLinesLog(url: url, keepingThrough: iteration) } catch {
            throw DACLIPTrainingError.checkpoint("\(error)")
        }
    }

    /// Appends one iteration's line.
    func append(_ record: DACLIPStepRecord, validation: ZeroShotReport?) {
        log.append(record, adding: "validation", validation)
    }
}
