import Foundation
import GRDB

/// The job records, in SQLite (`jobs.sqlite` under the data folder): each change is one transaction, so a crash
/// loses at most the change in flight.
final class JobStore: Sendable {
    private let database: DatabaseQueue

    /// Opens or creates the database and brings its schema up to date.
    /// - Throws: ``ServerError/storage(_:)``.
    init(path: String) throws {
        do {
            database = try DatabaseQueue(path: path)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.create(table: JobRecord.databaseTableName) { table in
                    table.primaryKey("id", .text)
                    table.column("state", .text).notNull().indexed()
                    table.column("options", .text).notNull()
                    table.column("inputFormat", .text).notNull()
                    table.column("width", .integer).notNull()
                    table.column("height", .integer).notNull()
                    table.column("fileName", .text)
                    table.column("createdAt", .datetime).notNull().indexed()
                    table.column("startedAt", .datetime)
                    table.column("finishedAt", .datetime)
                    table.column("message", .text)
                }
            }
            migrator.registerMigration("v2: degradation scores") { db in
                try db.alter(table: JobRecord.databaseTableName) { table in table.add(column: "degradations", .text) }
            }
            try migrator.migrate(database)
        } catch {
            throw ServerError.storage("cannot open \(path): \(error)")
        }
    }

    func insert(_ record: JobRecord) throws {
        try database.write { db in try record.insert(db) }
    }

    func save(_ record: JobRecord) throws {
        try database.write { db in try record.update(db) }
    }

    func record(id: String) throws -> JobRecord? {
        try database.read { db in try JobRecord.fetchOne(db, key: id) }
    }

    /// The newest `limit` jobs, newest first.
    func recent(limit: Int) throws -> [JobRecord] {
        try database.read { db in
            try JobRecord.order(Column("createdAt").desc).limit(limit).fetchAll(db)
        }
    }

    /// Jobs a previous run left queued or running, oldest first: to be queued again.
    func unfinished() throws -> [JobRecord] {
        try database.read { db in
            try JobRecord.filter([JobState.queued.rawValue, JobState.running.rawValue].contains(Column("state")))
                .order(Column("createdAt")).fetchAll(db)
        }
    }

    /// Finished jobs that ended before `date`.
    func finished(before date: Date) throws -> [JobRecord] {
        try database.read { db in
            try JobRecord.filter(Column("finishedAt") < date).fetchAll(db).filter { $0.state.isFinished }
        }
    }

    func delete(id: String) throws {
        _ = try database.write { db in try JobRecord.deleteOne(db, key: id) }
    }
}
