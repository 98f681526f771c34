import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `wildir serve`: the HTTP API, the bounded job queue with its workers on one loaded model, the SQLite job
/// records and files under the data folder, and the page.
public struct WildIRServer: Sendable {
    public let configuration: ServerConfiguration
    public let served: ServedModel
    public let logger: Logger
    /// Test seam: start with queued jobs held back from the workers.
    package var startsPaused = false

    public init(configuration: ServerConfiguration, served: ServedModel, logger: Logger = Logger(label: "wildir.serve")) {
        self.configuration = configuration
        self.served = served
        self.logger = logger
    }

    /// Runs until a SIGINT/SIGTERM (`handlesSignals`) or until the calling task is cancelled; `onListening` gets the
    /// bound port (the chosen one when the configuration's port is 0).
    /// - Throws: ``ServerError`` for bad settings or unusable storage, or the HTTP server's error.
    public func run(handlesSignals: Bool = false, onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try configuration.validate()
        let files = try JobFiles(root: configuration.dataDirectory)
        let store = try JobStore(path: files.database.path)
        let queue = JobQueue(capacity: configuration.queueCapacity, paused: startsPaused)
        let center = JobCenter(configuration: configuration, store: store, files: files, queue: queue, board: ProgressBoard(),
                               metrics: ServerMetrics(), served: served, logger: logger)
        // Jobs a previous run accepted and did not finish run again, in their order.
        let unfinished = (try? store.unfinished()) ?? []
        for var record in unfinished {
            guard let id = UUID(uuidString: record.id) else { continue }
            if record.state == .running {
                record.state = .queued
                record.startedAt = nil
                try? store.save(record)
            }
            await queue.requeue(id)
        }
        if !unfinished.isEmpty { logger.info("re-queued \(unfinished.count) unfinished jobs") }

        let router = Router()
        router.add(middleware: JSONErrorMiddleware())
        router.add(middleware: BearerTokenMiddleware(token: configuration.token))
        JobRoutes(center: center).add(to: router)
        ServiceRoutes(center: center).add(to: router)

        let workers = (0..<configuration.workers).map {
            RestorationWorker(index: $0, queue: queue, store: store, files: files, board: center.board, served: served,
                              metrics: center.metrics, configuration: configuration, logger: logger)
        }
        let pool = WorkerPool(workers: workers, queue: queue,
                              sweeper: ExpirySweeper(store: store, files: files, lifetime: configuration.resultLifetime, logger: logger),
                              sweepInterval: configuration.sweepInterval, onClose: configuration.shutdownHook)
        let log = logger
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "wildir"),
            services: [pool],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                log.info("wildir serve listening on port \(port)")
                await onListening(port)
            },
            logger: logger
        )
        if handlesSignals {
            try await application.runService()
        } else {
            try await application.run()
        }
    }
}

extension WildIRServer {
    /// Test seam: hold queued jobs back (`true`) — not reachable from the command line.
    package func pausing() -> WildIRServer {
        var copy = self
        copy.startsPaused = true
        return copy
    }
}
