/// Where a job is in its life: waiting, sampling, or one of the ends.
public enum JobState: String, Codable, Sendable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    /// Whether the job will not change any more.
    public var isFinished: Bool { self == .succeeded || self == .failed || self == .cancelled }
}
