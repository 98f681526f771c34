import Foundation
import Hummingbird

/// Streams a request body to a file under the data folder, refusing it (413) once it passes the size limit, so
/// an upload never sits whole in memory while it arrives.
enum UploadReceiver {
    /// Writes the body of `request` to `file` and returns its size.
    /// - Throws: ``APIError`` 413 past `limit` (the partial file removed).
    static func receive(_ request: Request, to file: URL, limit: Int) async throws -> Int {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw tooLarge(limit)
        }
        guard FileManager.default.createFile(atPath: file.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: file) else {
            throw APIError(.internalServerError, "storage", "cannot store the upload")
        }
        var received = 0
        do {
            defer { try? handle.close() }
            for try await buffer in request.body {
                received += buffer.readableBytes
                guard received <= limit else { throw tooLarge(limit) }
                try handle.write(contentsOf: Data(buffer.readableBytesView))
            }
        } catch {
            try? FileManager.default.removeItem(at: file)
            throw error
        }
        return received
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(.contentTooLarge, "too_large", "the request is larger than the \(limit)-byte limit")
    }
}
