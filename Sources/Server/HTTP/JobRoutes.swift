import Foundation
import Hummingbird

/// `/v1/jobs`: submit, list, status, live events, input, result, cancel.
struct JobRoutes: Sendable {
    let center: JobCenter

    func add(to router: Router<BasicRequestContext>) {
        let jobs = router.group("v1/jobs")
        jobs.post { request, _ in try await submit(request) }
        jobs.get { request, _ -> Response in
            let limit = request.uri.queryParameters.get("limit", as: Int.self).map { min(max($0, 1), 100) } ?? 20
            return try JSONResponse.make(["jobs": try center.recent(limit: limit)])
        }
        jobs.get(":id") { _, context in try JSONResponse.make(try center.status(try Self.id(context))) }
        jobs.delete(":id") { _, context in try JSONResponse.make(try await center.cancel(try Self.id(context))) }
        jobs.get(":id/result") { _, context in try result(try Self.id(context)) }
        jobs.get(":id/input") { _, context in try input(try Self.id(context)) }
        jobs.get(":id/events") { _, context in try ProgressEvents(center: center, id: try Self.id(context)).response() }
    }

    /// The `{id}` of the path as a UUID: the only form in which a request names a job's files.
    static func id(_ context: BasicRequestContext) throws -> UUID {
        guard let text = context.parameters.get("id"), let id = UUID(uuidString: text) else {
            throw APIError.notFound("job ids are UUIDs")
        }
        return id
    }

    private func submit(_ request: Request) async throws -> Response {
        let upload = center.files.newIncoming()
        _ = try await UploadReceiver.receive(request, to: upload, limit: center.configuration.maxUploadBytes)
        let status = try await center.submit(upload: upload, contentType: request.headers[.contentType])
        return try JSONResponse.make(status, status: .accepted, headers: [.location: "/v1/jobs/\(status.id)"])
    }

    private func result(_ id: UUID) throws -> Response {
        let record = try center.record(id)
        guard record.state == .succeeded else {
            throw APIError(.conflict, "not_ready", "job \(id.uuidString) is \(record.state.rawValue), not succeeded")
        }
        return try file(center.files.result(id), type: "image/png", name: "restored-\(id.uuidString).png")
    }

    private func input(_ id: UUID) throws -> Response {
        let record = try center.record(id)
        let type = ["png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"][record.inputFormat] ?? "application/octet-stream"
        return try file(center.files.input(id), type: type, name: nil)
    }

    private func file(_ url: URL, type: String, name: String?) throws -> Response {
        guard let data = try? Data(contentsOf: url, options: .alwaysMapped) else { throw APIError.notFound("the file has expired") }
        var headers: HTTPFields = [.contentType: type, .cacheControl: "private, max-age=3600"]
        if let name { headers[.contentDisposition] = "inline; filename=\"\(name)\"" }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
