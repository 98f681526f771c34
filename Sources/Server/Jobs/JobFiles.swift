import Foundation

/// The files of the jobs under the data folder: `jobs/<uuid>/input` and `jobs/<uuid>/result.png`, uploads in
/// flight under `incoming/`. Paths are built only from UUIDs the server made, never from request text.
struct JobFiles: Sendable {
    let root: URL

    init(root: URL) throws {
        self.root = root
        do {
            for folder in [jobsFolder, incomingFolder] {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            // Uploads that a previous run was receiving when it stopped.
            for leftover in try FileManager.default.contentsOfDirectory(at: incomingFolder, includingPropertiesForKeys: nil) {
                try? FileManager.default.removeItem(at: leftover)
            }
        } catch {
            throw ServerError.storage("cannot prepare \(root.path): \(error.localizedDescription)")
        }
    }

    var database: URL { root.appendingPathComponent("jobs.sqlite") }
    var jobsFolder: URL { root.appendingPathComponent("jobs", isDirectory: true) }
    var incomingFolder: URL { root.appendingPathComponent("incoming", isDirectory: true) }

    func folder(_ id: UUID) -> URL { jobsFolder.appendingPathComponent(id.uuidString, isDirectory: true) }
    func input(_ id: UUID) -> URL { folder(id).appendingPathComponent("input") }
    func result(_ id: UUID) -> URL { folder(id).appendingPathComponent("result.png") }
    /// A fresh file for an upload being received.
    func newIncoming() -> URL { incomingFolder.appendingPathComponent(UUID().uuidString) }

    /// Moves a received upload into its job's folder.
    func adopt(_ upload: URL, as id: UUID) throws {
        try FileManager.default.createDirectory(at: folder(id), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: upload, to: input(id))
    }

    func remove(_ id: UUID) {
        try? FileManager.default.removeItem(at: folder(id))
    }
}
