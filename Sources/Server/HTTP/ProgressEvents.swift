import Foundation
import Hummingbird

/// `GET /v1/jobs/{id}/events`: the job's status as server-sent events, one `status` event whenever it changes,
/// until the job ends.
struct ProgressEvents: Sendable {
    let center: JobCenter
    let id: UUID
    /// Seconds between two looks at the job.
    var interval: Double = 0.2

    func response() throws -> Response {
        _ = try center.record(id)  // 404 before the stream starts
        let center = center, id = id, interval = interval
        let body = ResponseBody { writer in
            var last: Data?
            while !Task.isCancelled {
                guard let status = try? center.status(id) else { break }
                let data = try JSONResponse.encoder.encode(status)
                if data != last {
                    try await writer.write(ByteBuffer(string: "event: status\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
                    last = data
                }
                if status.state.isFinished { break }
                try await Task.sleep(for: .seconds(interval))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }
}
