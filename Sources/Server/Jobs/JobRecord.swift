import Foundation
import GRDB

/// One job as the database keeps it: what was asked, where it is, and when things happened.
struct JobRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "job"

    /// A UUID; the only name of the job's files.
    var id: String
    var state: JobState
    var options: JobOptions
    /// The upload's format as sniffed from its bytes (png, jpeg, webp).
    var inputFormat: String
    var width: Int
    var height: Int
    /// The client's file name, for display only (never part of a path).
    var fileName: String?
    var createdAt: Date
    var startedAt: Date?
    var finishedAt: Date?
    /// Why the job failed, or was cancelled.
    var message: String?
    /// DA-CLIP's degradation scores of the input (`wildir serve --daclip`), once its worker has analysed it.
    var degradations: [JobDegradationScore]?
}

extension JobState: DatabaseValueConvertible {}
