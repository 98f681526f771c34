import Foundation
import Logging

/// Deletes finished jobs (record and files) older than the result lifetime, on start and then periodically.
struct ExpirySweeper: Sendable {
    let store: JobStore
    let files: JobFiles
    let lifetime: Double
    let logger: Logger

    /// One sweep; returns how many jobs were removed.
    @discardableResult
    func sweep(now: Date = Date()) -> Int {
        guard let expired = try? store.finished(before: now.addingTimeInterval(-lifetime)) else { return 0 }
        for record in expired {
            guard let id = UUID(uuidString: record.id) else { continue }
            files.remove(id)
            try? store.delete(id: record.id)
        }
        if !expired.isEmpty { logger.info("expired \(expired.count) finished jobs") }
        return expired.count
    }

    /// Sweeps every `interval` seconds until the task is cancelled.
    func run(interval: Double) async {
        while !Task.isCancelled {
            sweep()
            try? await Task.sleep(for: .seconds(interval))
        }
    }
}
