import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Imaging
import Restoration
import Server
import TestSupport
import XCTest

/// A real `wildir serve` on an ephemeral loopback port with a tiny model, and an HTTP client for it.
final class TestServer: @unchecked Sendable {
    let configuration: ServerConfiguration
    let port: Int
    private let task: Task<Void, any Error>

    /// Starts a server on `data` and waits until it listens; it serves `served`, or a tiny random model of `steps`
    /// steps.
    init(data: URL, steps: Int = 4, served: ServedModel? = nil, paused: Bool = false,
         configure: (inout ServerConfiguration) -> Void = { _ in }) async throws {
        var configuration = ServerConfiguration(dataDirectory: data)
        configuration.port = 0
        configuration.queueCapacity = 4
        configure(&configuration)
        self.configuration = configuration
        var server = WildIRServer(configuration: configuration, served: served ?? ServedModel(model: .tiny(steps: steps), name: "tiny"))
        if paused { server = server.pausing() }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task { [server] in
            defer { continuation.finish() }
            try await server.run { port in continuation.yield(port) }
        }
        self.task = task
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            _ = try await task.value
            throw URLError(.cannotConnectToHost)
        }
        self.port = port
    }

    /// Stops the server (as a shutdown would) and waits until it has.
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    static func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("wildir-serve-\(UUID().uuidString)", isDirectory: true)
    }

    // MARK: HTTP

    struct Reply {
        let status: Int
        let headers: [String: String]
        let body: Data

        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
        /// The `code` of an API error body.
        var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    }

    func request(_ method: String, _ path: String, body: Data? = nil, contentType: String? = nil,
                 token: String? = nil) async throws -> Reply {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(path)") else { throw URLError(.badURL) }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 60
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields { headers[String(describing: key).lowercased()] = String(describing: value) }
        return Reply(status: http.statusCode, headers: headers, body: data)
    }

    /// `POST /v1/jobs` with `image` as the file field and `fields` as text fields.
    func submit(_ image: Data, fields: [String: String] = [:], token: String? = nil) async throws -> Reply {
        let form = Multipart(file: image, fields: fields)
        return try await request("POST", "/v1/jobs", body: form.body, contentType: form.contentType, token: token)
    }

    /// Submits like ``submit(_:fields:token:)`` and returns the accepted job's id.
    /// - Throws: ``NotAccepted`` with the server's answer when it did not answer 202 with a job.
    func submitJob(_ image: Data, fields: [String: String] = [:]) async throws -> String {
        let reply = try await submit(image, fields: fields)
        guard reply.status == 202, let id = reply.json["id"] as? String else {
            throw NotAccepted(status: reply.status, body: String(decoding: reply.body, as: UTF8.self))
        }
        return id
    }

    struct NotAccepted: Error, CustomStringConvertible {
        let status: Int
        let body: String
        var description: String { "the job was not accepted: HTTP \(status) \(body)" }
    }

    /// Polls the job until `done` holds for its state (every 20 ms, at most `timeout` seconds).
    func waitForJob(_ id: String, timeout: Double = 60, until done: (String) -> Bool = { ["succeeded", "failed", "cancelled"].contains($0) })
        async throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let reply = try await request("GET", "/v1/jobs/\(id)")
            let state = reply.json["state"] as? String ?? "?"
            if done(state) { return reply.json }
            guard Date() < deadline else {
                XCTFail("job \(id) still \(state) after \(timeout) s")
                return reply.json
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A `multipart/form-data` body.
struct Multipart {
    let boundary = "wildir-test-\(UUID().uuidString)"
    let body: Data

    init(file: Data, fileField: String = "image", fileName: String = "photo.png", fields: [String: String] = [:]) {
        var body = Data()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(Data(("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(fileField)\"; filename=\"\(fileName)\"\r\n"
                          + "Content-Type: application/octet-stream\r\n\r\n").utf8))
        body.append(file)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        self.body = body
    }

    var contentType: String { "multipart/form-data; boundary=\(boundary)" }
}

/// A small gradient photo as PNG bytes.
func samplePNG(width: Int = 32, height: Int = 24) throws -> Data {
    let plane = width * height
    let samples = (0..<(3 * plane)).map { Float(($0 * 7) % plane) / Float(plane) }
    return Data(try ImageCodec.encode(try Image(width: width, height: height, channels: 3, samples: samples), as: .png))
}

/// A test case with a fresh data folder (`data`) for the servers it starts, removed afterwards.
class ServerTestCase: XCTestCase {
    var data: URL!

    override func setUp() {
        data = TestServer.temporaryFolder()
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: data)
    }
}
