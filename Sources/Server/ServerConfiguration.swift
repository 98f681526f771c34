import Foundation

/// Everything `wildir serve` is told: where it listens, how many jobs it runs and keeps, and its limits.
public struct ServerConfiguration: Sendable {
    /// Address to bind; loopback unless told otherwise.
    public var host: String = "127.0.0.1"
    /// Port; 0 lets the system pick a free one (tests).
    public var port: Int = 8080
    /// Restorations running at once, all on the one loaded model.
    public var workers: Int = 1
    /// Jobs waiting beyond the running ones; a submission past it is refused with 429.
    public var queueCapacity: Int = 16
    /// Folder of the job database, the uploads and the results.
    public var dataDirectory: URL
    /// Bearer token every `/v1` request must carry; required when binding beyond loopback.
    public var token: String?
    /// Largest request body in bytes (the multipart upload).
    public var maxUploadBytes: Int = 32 << 20
    /// Largest image in pixels, enforced by the decoders before any pixel memory is allocated.
    public var maxPixels: Int = 16_000_000
    /// Longest a job may sample, in seconds; past it the job fails.
    public var jobTimeLimit: Double = 600
    /// How long finished jobs and their files are kept, in seconds.
    public var resultLifetime: Double = 24 * 3600
    /// Seconds between two sweeps of expired jobs.
    public var sweepInterval: Double = 60
    /// Seconds a refused client is told to wait (`Retry-After`).
    public var retryAfterSeconds: Int = 5
    /// Test seam: called on the worker's thread after every sampling step, with the job and the step.
    package var stepHook: (@Sendable (UUID, Int) -> Void)?
    /// Test seam: called once shutdown has asked the running jobs to stop, before the workers are waited for.
    package var shutdownHook: (@Sendable () -> Void)?

    public init(dataDirectory: URL) {
        self.dataDirectory = dataDirectory
    }

    /// Whether `host` names only this machine.
    public var bindsLoopback: Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.")
    }

    /// Refuses settings the server cannot run with.
    /// - Throws: ``ServerError/invalidConfiguration(_:)``.
    public func validate() throws {
        guard (0...65535).contains(port) else { throw ServerError.invalidConfiguration("port must lie in 0…65535, got \(port)") }
        guard workers >= 1 else { throw ServerError.invalidConfiguration("workers must be at least 1, got \(workers)") }
        guard queueCapacity >= 0 else { throw ServerError.invalidConfiguration("queue must be at least 0, got \(queueCapacity)") }
        guard maxUploadBytes > 0, maxPixels > 0 else { throw ServerError.invalidConfiguration("size limits must be positive") }
        guard jobTimeLimit > 0, resultLifetime > 0, sweepInterval > 0 else {
            throw ServerError.invalidConfiguration("time limits must be positive")
        }
        if let token, token.isEmpty { throw ServerError.invalidConfiguration("the token is empty") }
        if !bindsLoopback && token == nil {
            throw ServerError.invalidConfiguration(
                "binding to \(host) exposes the server beyond this machine: give a token (--token or WILDIR_TOKEN)")
        }
    }
}
