import Foundation

/// The bounded queue between the API and the workers: jobs waiting in order, the running ones with their stop
/// flags, and workers waiting for work.
actor JobQueue {
    /// The outcome of a cancel request.
    enum CancelOutcome { case removedFromQueue, stopping, notActive }

    struct Full: Error {}

    private let capacity: Int
    private var pending: [UUID] = []
    private var running: [UUID: CancellationFlag] = [:]
    private var idleWorkers: [CheckedContinuation<UUID?, Never>] = []
    private var paused: Bool
    private var closed = false

    init(capacity: Int, paused: Bool = false) {
        self.capacity = capacity
        self.paused = paused
    }

    /// Jobs waiting for a worker.
    var depth: Int { pending.count }
    /// Jobs being restored.
    var active: Int { running.count }

    /// Queues a new job, or throws ``Full`` when `capacity` jobs already wait.
    func submit(_ id: UUID) throws {
        guard pending.count < capacity || (!paused && !idleWorkers.isEmpty) else { throw Full() }
        pending.append(id)
        dispatch()
    }

    /// Queues a job from a previous run, past the capacity: nothing accepted is ever dropped.
    func requeue(_ id: UUID) {
        pending.append(id)
        dispatch()
    }

    /// The next job for a worker (with its stop flag), waiting until there is one; nil once the queue is closed.
    func next() async -> (UUID, CancellationFlag)? {
        guard let id = await nextID() else { return nil }
        let flag = CancellationFlag()
        running[id] = flag
        return (id, flag)
    }

    private func nextID() async -> UUID? {
        if closed { return nil }
        if !paused, !pending.isEmpty { return pending.removeFirst() }
        return await withCheckedContinuation { idleWorkers.append($0) }
    }

    /// A worker is done with `id`, whatever the outcome.
    func finish(_ id: UUID) {
        running[id] = nil
    }

    func cancel(_ id: UUID) -> CancelOutcome {
        if let index = pending.firstIndex(of: id) {
            pending.remove(at: index)
            return .removedFromQueue
        }
        if let flag = running[id] {
            flag.stop(.client)
            return .stopping
        }
        return .notActive
    }

    /// Test seam: hold queued jobs back from the workers, then let them go.
    func setPaused(_ value: Bool) {
        paused = value
        dispatch()
    }

    /// Stops handing out work, asks running jobs to stop (they go back to the queue) and releases idle workers.
    func close() {
        closed = true
        for flag in running.values { flag.stop(.shutdown) }
        for worker in idleWorkers { worker.resume(returning: nil) }
        idleWorkers.removeAll()
    }

    private func dispatch() {
        while !paused, !pending.isEmpty, !idleWorkers.isEmpty {
            idleWorkers.removeFirst().resume(returning: pending.removeFirst())
        }
    }
}
