import Logging
import ServiceLifecycle

/// The workers and the expiry sweeper as one service: they start with the server and, at shutdown, running jobs
/// stop within a sampling step and go back to the queue for the next start.
struct WorkerPool: Service {
    let workers: [RestorationWorker]
    let queue: JobQueue
    let sweeper: ExpirySweeper
    let sweepInterval: Double
    /// ``ServerConfiguration/shutdownHook``.
    var onClose: (@Sendable () -> Void)?

    func run() async throws {
        let sweeping = Task { await sweeper.run(interval: sweepInterval) }
        await withTaskGroup(of: Void.self) { group in
            for worker in workers { group.addTask { await worker.run() } }
            // Until shutdown is asked for (or the task is cancelled).
            try? await gracefulShutdown()
            await queue.close()
            onClose?()
            sweeping.cancel()
            await group.waitForAll()
        }
    }
}
