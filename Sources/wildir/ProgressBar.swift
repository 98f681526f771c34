import Foundation

/// A progress line on standard error: bar, count, rate and ETA. Redrawn in place on a terminal; on a pipe or
/// file, printed about every 10% so logs stay short.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private let unit: String
    private let start = Date()
    private let interactive = isatty(STDERR_FILENO) != 0
    private let lock = NSLock()
    private var lastPrintedDecile = -1

    init(total: Int, unit: String) {
        self.total = max(total, 1)
        self.unit = unit
    }

    /// Reports `done` of `total` items finished, with an optional note (a loss, say) after the ETA.
    func update(_ done: Int, note: String = "") {
        lock.withLock {
            let elapsed = Date().timeIntervalSince(start)
            let rate = elapsed > 0 ? Double(done) / elapsed : 0
            let remaining = rate > 0 ? Double(total - done) / rate : 0
            let width = 30, filled = width * done / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let line = String(format: "%@ %d/%d %.2f %@/s ETA %@", bar, done, total, rate, unit, Self.clock(remaining))
                + (note.isEmpty ? "" : "  " + note)
            if interactive {
                FileHandle.standardError.write(Data("\r\(line)".utf8))
                if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
            } else {
                let decile = 10 * done / total
                if decile != lastPrintedDecile {
                    lastPrintedDecile = decile
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
