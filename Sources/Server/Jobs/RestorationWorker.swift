import Dispatch
import Foundation
import Imaging
import Logging
import Restoration

/// One worker: takes the next job, analyses its input with DA-CLIP (when the server has an analysis), restores it,
/// both on the worker's own thread (never on the server's), and records the outcome.
struct RestorationWorker: Sendable {
    let index: Int
    let queue: JobQueue
    let store: JobStore
    let files: JobFiles
    let board: ProgressBoard
    let served: ServedModel
    let metrics: ServerMetrics
    let configuration: ServerConfiguration
    let logger: Logger

    /// Runs jobs until the queue closes.
    func run() async {
        let thread = DispatchQueue(label: "wildir.serve.worker\(index)")
        while let job = await queue.next() {
            let (id, flag) = job
            await process(id, flag: flag, on: thread)
            await queue.finish(id)
            board.remove(id)
        }
    }

    private func process(_ id: UUID, flag: CancellationFlag, on thread: DispatchQueue) async {
        guard var record = try? store.record(id: id.uuidString), !record.state.isFinished else { return }
        record.state = .running
        record.startedAt = Date()
        record.message = nil
        try? store.save(record)
        if served.analysis != nil, record.degradations == nil {
            // Saved before sampling starts, so clients see the scores while the job runs.
            record.degradations = await onThread(thread) { analyse(id) }
            try? store.save(record)
        }
        let started = ContinuousClock.now
        let options = record.options
        let outcome: Result<Void, any Error> = await onThread(thread) {
            Result { try restore(id, options: options, flag: flag) }
        }
        switch (outcome, flag.stopReason) {
        case (.success, _):
            record.state = .succeeded
        case (.failure(let error as RestorationError), .shutdown) where error == .cancelled:
            // Back to the queue: the next start runs it again.
            record.state = .queued
            record.startedAt = nil
        case (.failure(let error as RestorationError), .client) where error == .cancelled:
            record.state = .cancelled
            record.message = "cancelled by the client"
        case (.failure(let error as RestorationError), nil) where error == .cancelled:
            record.state = .failed
            record.message = "the job ran past its time limit of \(Self.seconds(configuration.jobTimeLimit)) (--job-time-limit) and was stopped"
        case let (.failure(error), _):
            record.state = .failed
            record.message = "\(error)"
        }
        if record.state.isFinished { record.finishedAt = Date() }
        do {
            try store.save(record)
        } catch {
            logger.error("cannot record the end of job \(id): \(error)")
        }
        metrics.jobEnded(record.state, seconds: (ContinuousClock.now - started) / .seconds(1))
        logger.info("job \(id) \(record.state.rawValue)\(record.message.map { ": \($0)" } ?? "")")
    }

    /// Runs `work` on the worker's thread and returns its value.
    private func onThread<Value: Sendable>(_ thread: DispatchQueue, _ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            thread.async { continuation.resume(returning: work()) }
        }
    }

    /// The input's degradation scores; nil (the job goes on without them) when the analysis fails.
    private func analyse(_ id: UUID) -> [JobDegradationScore]? {
        do {
            let image = try Image(contentsOf: files.input(id).path, options: DecodeOptions(maxPixels: configuration.maxPixels))
            return try served.degradations(of: image)
        } catch {
            logger.warning("job \(id): no degradation analysis: \(error)")
            return nil
        }
    }

    /// `1 s`, `0.5 s`, `600 s`: a duration as a person writes it.
    static func seconds(_ value: Double) -> String {
        (value == value.rounded() && abs(value) < 1e15 ? "\(Int(value))" : "\(value)") + " s"
    }

    /// Decodes the upload within the pixel limit, restores it with progress and the stop check, writes the PNG.
    private func restore(_ id: UUID, options: JobOptions, flag: CancellationFlag) throws {
        let image = try Image(contentsOf: files.input(id).path, options: DecodeOptions(maxPixels: configuration.maxPixels))
        let restorer = try served.restorer(options)
        let deadline = ContinuousClock.now + .seconds(configuration.jobTimeLimit)
        let start = ContinuousClock.now
        let hook = configuration.stepHook
        let restored = try restorer.restore(image, progress: { step in
            let elapsed = (ContinuousClock.now - start) / .seconds(1)
            let fraction = min(max(step.fraction, 0), 1)
            board.update(id, JobProgress(step: step.step, steps: step.steps, tile: step.tile, tiles: step.tiles, fraction: fraction,
                                         etaSeconds: fraction > 0 ? elapsed * (1 - fraction) / fraction : nil))
            hook?(id, step.step)
        }, isCancelled: {
            flag.stopReason != nil || ContinuousClock.now > deadline
        })
        let png = try ImageCodec.encode(restored, as: .png)
        try Data(png).write(to: files.result(id), options: .atomic)
    }
}
