import Foundation

/// How far a running job is: sampling steps over all tiles, and an estimate of the time left.
struct JobProgress: Codable, Sendable, Equatable {
    var step: Int
    var steps: Int
    var tile: Int
    var tiles: Int
    /// Done over all tiles and steps, 0…1.
    var fraction: Double
    /// Seconds left at the pace so far; nil before the first step.
    var etaSeconds: Double?
}

/// The progress of running jobs, in memory (written by workers, read by handlers and the event stream).
final class ProgressBoard: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [UUID: JobProgress] = [:]

    func update(_ id: UUID, _ progress: JobProgress) {
        lock.withLock { entries[id] = progress }
    }

    func progress(_ id: UUID) -> JobProgress? { lock.withLock { entries[id] } }

    func remove(_ id: UUID) {
        lock.withLock { _ = entries.removeValue(forKey: id) }
    }
}
