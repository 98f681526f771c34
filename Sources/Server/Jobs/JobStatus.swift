import Foundation

/// What `GET /v1/jobs/{id}` answers: the record, the live progress, timings and links.
struct JobStatus: Encodable, Sendable {
    let id: String
    let state: JobState
    let options: JobOptions
    let width: Int
    let height: Int
    let fileName: String?
    let createdAt: Date
    let startedAt: Date?
    let finishedAt: Date?
    let message: String?
    /// DA-CLIP's degradation scores of the input, in the order of the server's labels (with `--daclip`).
    let degradations: [JobDegradationScore]?
    let progress: JobProgress?
    /// Seconds queued and seconds running (so far, or in all).
    let queuedSeconds: Double?
    let runSeconds: Double?
    let resultURL: String?
    let inputURL: String

    init(_ record: JobRecord, progress: JobProgress?, now: Date = Date()) {
        id = record.id
        state = record.state
        options = record.options
        width = record.width
        height = record.height
        fileName = record.fileName
        createdAt = record.createdAt
        startedAt = record.startedAt
        finishedAt = record.finishedAt
        message = record.message
        degradations = record.degradations
        self.progress = record.state == .running ? progress : nil
        queuedSeconds = (record.startedAt ?? (record.state == .queued ? now : record.finishedAt)).map { $0.timeIntervalSince(record.createdAt) }
        runSeconds = record.startedAt.map { (record.finishedAt ?? now).timeIntervalSince($0) }
        resultURL = record.state == .succeeded ? "/v1/jobs/\(record.id)/result" : nil
        inputURL = "/v1/jobs/\(record.id)/input"
    }
}
