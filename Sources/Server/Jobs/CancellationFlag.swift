import Foundation

/// Why a running job is asked to stop.
enum StopReason: Sendable {
    /// `DELETE /v1/jobs/{id}`.
    case client
    /// The server is shutting down: the job goes back to the queue and runs again at the next start.
    case shutdown
}

/// A running job's stop request, set from a request handler and read by the worker before every sampling step.
final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var reason: StopReason?

    func stop(_ why: StopReason) {
        lock.withLock { if reason == nil { reason = why } }
    }

    var stopReason: StopReason? { lock.withLock { reason } }
}
