import Foundation

/// `log.jsonl` of a run: one JSON object per iteration (`iteration`, `loss`, `lr`, `damage_loss` in runs with a
/// damage loss, and `val_psnr`/`val_ssim` on iterations that validated), appended as training goes. Opening it for a run that starts at iteration n keeps
/// only the lines up to n, so a resumed run never repeats iterations and a new run starts an empty log.
final class TrainingLog {
    let url: URL
    private let handle: FileHandle

    init(url: URL, keepingThrough iteration: Int) throws {
        self.url = url
        let kept = (try? String(contentsOf: url, encoding: .utf8))?.split(separator: "\n").filter { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let logged = (object["iteration"] as? NSNumber)?.intValue else { return false }
            return logged <= iteration
        } ?? []
        let text = kept.map { $0 + "\n" }.joined()
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw TrainingError.checkpoint("cannot write the training log \(url.path): \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }

    /// Appends one iteration's line.
    func append(_ progress: TrainingProgress) {
        var entry: [String: Any] = ["iteration": progress.iteration, "loss": progress.loss, "lr": progress.learningRate]
        if let damage = progress.damageLoss { entry["damage_loss"] = damage }
        if let validation = progress.validation {
            entry["val_psnr"] = validation.psnr
            entry["val_ssim"] = validation.ssim
        }
        if let data = try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]) {
            handle.write(data + Data("\n".utf8))
        }
    }
}
