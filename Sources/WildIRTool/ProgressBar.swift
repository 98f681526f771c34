import Foundation

/// A progress line on standard error: bar, count, rate and ETA. Redrawn in place on a terminal; on a pipe or
/// file, printed at every tenth of the work and at least once a minute, so logs stay short but never go quiet.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let unit: String
    private let interactive = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var lastPrintedDecile = -1
    private var lastPrinted = Date.distantPast
    /// Time and count of the first report: rates are measured from there, because the first report often comes
    /// right after a step that finished almost at once (a resumed item, a cached primitive), which would show an
    /// absurd rate.
    private var origin: (time: Date, done: Int)?

    init(total: Int, unit: String) {
        self.total = max(total, 1)
        self.unit = unit
    }

    /// Reports `done` of `total` items finished, with an optional note (a loss, say) after the ETA.
    func update(_ done: Int, note: String = "") {
        lock.withLock {
            let now = Date()
            let first = origin ?? (now, done)
            origin = first
            let elapsed = now.timeIntervalSince(first.time), counted = done - first.done
            let width = 30, filled = width * min(max(done, 0), total) / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            var line = String(format: "%@ %d/%d", bar, done, total)
            if counted > 0, elapsed > 0 {
                let rate = Double(counted) / elapsed
                line += String(format: " %.2f %@/s ETA %@", rate, unit, Self.clock(Double(total - done) / rate))
            } else {
                line += " – \(unit)/s ETA –"
            }
            line += note.isEmpty ? "" : "  " + note
            if interactive {
                FileHandle.standardError.write(Data("\r\(line)".utf8))
                if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
            } else {
                let decile = 10 * done / total
                if decile != lastPrintedDecile || now.timeIntervalSince(lastPrinted) >= 60 {
                    lastPrintedDecile = decile
                    lastPrinted = now
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
            }
        }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }
}
