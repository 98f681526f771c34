import Checkpoints
import Foundation

/// `log.jsonl` of a run: one JSON object per iteration (`iteration`, `loss`, `lr`, `damage_loss` in runs with a
/// damage loss, and `val_psnr`/`val_ssim` on iterations that validated), appended as training goes. Opening it for a run that starts at iteration n keeps
/// only the lines up to n, so a resumed run never repeats iterations and a new run starts an empty log.
final class TrainingLog {
    private let log: JSONLinesLog

    init(url: URL, keepingThrough iteration: Int) throws {
        do { log = try JSONLinesLog(url: url, keepingThrough: iteration) } catch {
            throw TrainingError.checkpoint("\(error)")
        }
    }

    /// Appends one iteration's line.
    func append(_ progress: TrainingProgress) {
        var entry: [String: Any] = ["iteration": progress.iteration, "loss": progress.loss, "lr": progress.learningRate]
        if let damage = progress.damageLoss { entry["damage_loss"] = damage }
        if let validation = progress.validation {
            entry["val_psnr"] = validation.psnr
            entry["val_ssim"] = validation.ssim
        }
        if let data = try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]) { log.append(line: data) }
    }
}
