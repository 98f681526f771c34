import Foundation
import Imaging
import Server
import XCTest

/// The API end to end on a real server: a full job, the service routes, refused uploads with JSON errors, the
/// token, the bounded queue.
final class ServerAPITests: ServerTestCase {
    func testAFullJobRunsAndItsResultIsAPNGOfTheInputSize() async throws {
        let server = try await TestServer(data: data)
        let submitted = try await server.submit(try samplePNG(), fields: ["seed": "3", "sampler": "posterior"])
        XCTAssertEqual(submitted.status, 202, String(decoding: submitted.body, as: UTF8.self))
        let id = try XCTUnwrap(submitted.json["id"] as? String)
        XCTAssertEqual(submitted.headers["location"], "/v1/jobs/\(id)")
        let job = try await server.waitForJob(id)
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job)")
        XCTAssertEqual(job["resultURL"] as? String, "/v1/jobs/\(id)/result")
        let result = try await server.request("GET", "/v1/jobs/\(id)/result")
        XCTAssertEqual(result.status, 200)
        XCTAssertEqual(result.headers["content-type"], "image/png")
        let image = try ImageCodec.decode([UInt8](result.body))
        XCTAssertEqual([image.width, image.height, image.channels], [32, 24, 3])
        let input = try await server.request("GET", "/v1/jobs/\(id)/input")
        XCTAssertEqual(input.body, try samplePNG())
        // The event stream ends with the final status.
        let events = String(decoding: try await server.request("GET", "/v1/jobs/\(id)/events").body, as: UTF8.self)
        XCTAssertTrue(events.hasPrefix("event: status\ndata: {"), events)
        XCTAssertTrue(events.contains("\"state\":\"succeeded\""), events)
        // Listed among the last jobs; counted in the metrics.
        let list = try await server.request("GET", "/v1/jobs")
        XCTAssertEqual((list.json["jobs"] as? [[String: Any]])?.first?["id"] as? String, id)
        let metrics = String(decoding: try await server.request("GET", "/metrics").body, as: UTF8.self)
        XCTAssertTrue(metrics.contains("wildir_jobs_finished_total{state=\"succeeded\"} 1"), metrics)
        XCTAssertTrue(metrics.contains("wildir_jobs_submitted_total 1"), metrics)
        await server.stop()
    }

    func testServiceRoutesAnswerAndTheOpenAPIDocumentListsThem() async throws {
        let server = try await TestServer(data: data)
        let health = try await server.request("GET", "/healthz")
        XCTAssertEqual(health.json["status"] as? String, "ok")
        let models = try await server.request("GET", "/v1/models")
        let model = try XCTUnwrap((models.json["models"] as? [[String: Any]])?.first)
        XCTAssertEqual(model["name"] as? String, "tiny")
        XCTAssertEqual(model["trainingSteps"] as? Int, 4)
        let page = try await server.request("GET", "/")
        XCTAssertEqual(page.status, 200)
        let html = String(decoding: page.body, as: UTF8.self)
        XCTAssertTrue(html.contains("<html") && html.contains("/v1/jobs"))
        XCTAssertFalse(html.contains("http://") || html.contains("https://"), "the page loads nothing from elsewhere")
        let openAPI = try await server.request("GET", "/openapi.json")
        XCTAssertEqual(openAPI.json["openapi"] as? String, "3.0.3")
        let paths = Set((openAPI.json["paths"] as? [String: Any] ?? [:]).keys)
        XCTAssertEqual(paths, ["/v1/jobs", "/v1/jobs/{id}", "/v1/jobs/{id}/result", "/v1/jobs/{id}/input", "/v1/jobs/{id}/events",
                               "/v1/models", "/healthz", "/metrics", "/openapi.json", "/"])
        for path in paths where !path.contains("{") {
            let reply = try await server.request("GET", path)
            XCTAssertEqual(reply.status, 200, path)
        }
        await server.stop()
    }

    func testBadRequestsAreRefusedWithJSONErrors() async throws {
        let server = try await TestServer(data: data) { configuration in
            configuration.maxUploadBytes = 8192
            configuration.maxPixels = 32 * 24
        }
        let png = try samplePNG()
        func expect(_ reply: TestServer.Reply, _ status: Int, _ code: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertEqual(reply.status, status, String(decoding: reply.body, as: UTF8.self), file: file, line: line)
            XCTAssertEqual(reply.errorCode, code, file: file, line: line)
            XCTAssertTrue(reply.headers["content-type"]?.hasPrefix("application/json") ?? false, file: file, line: line)
        }
        expect(try await server.submit(Data(repeating: 0x41, count: 20_000)), 413, "too_large")
        expect(try await server.submit(png.prefix(40) + Data(repeating: 7, count: 200)), 422, "unreadable_image")
        expect(try await server.submit(Data("GIF89a not really".utf8)), 415, "unsupported_media_type")
        expect(try await server.submit(Data()), 400, "bad_request")
        expect(try await server.submit(try samplePNG(width: 40, height: 24)), 413, "too_many_pixels")
        expect(try await server.submit(png, fields: ["steps": "0"]), 400, "bad_request")
        expect(try await server.submit(png, fields: ["steps": "5"]), 400, "bad_request")  // the tiny model has T = 4
        expect(try await server.submit(png, fields: ["sampler": "magic"]), 400, "bad_request")
        expect(try await server.submit(png, fields: ["path": "../../etc/passwd"]), 400, "bad_request")
        let other = Multipart(file: png, fileField: "picture")
        expect(try await server.request("POST", "/v1/jobs", body: other.body, contentType: other.contentType), 400, "bad_request")
        expect(try await server.request("POST", "/v1/jobs", body: png, contentType: "image/png"), 415, "unsupported_media_type")
        expect(try await server.request("GET", "/v1/jobs/\(UUID().uuidString)"), 404, "not_found")
        expect(try await server.request("GET", "/v1/jobs/..%2F..%2Fjobs.sqlite/result"), 404, "not_found")
        expect(try await server.request("GET", "/nothing/here"), 404, "not_found")
        // Nothing refused left a job or a file behind.
        let list = try await server.request("GET", "/v1/jobs")
        XCTAssertEqual((list.json["jobs"] as? [Any])?.count, 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("incoming").path)
        XCTAssertEqual(leftovers, [])
        await server.stop()
    }

    func testAFullQueueRefusesWith429AndRetryAfter() async throws {
        let server = try await TestServer(data: data, paused: true) { $0.queueCapacity = 2 }
        for _ in 0..<2 {
            let accepted = try await server.submit(try samplePNG())
            XCTAssertEqual(accepted.status, 202)
        }
        let refused = try await server.submit(try samplePNG())
        XCTAssertEqual(refused.status, 429)
        XCTAssertEqual(refused.errorCode, "queue_full")
        XCTAssertEqual(refused.headers["retry-after"], "5")
        let health = try await server.request("GET", "/healthz")
        XCTAssertEqual(health.json["queued"] as? String, "2")
        await server.stop()
    }

    func testATokenGuardsTheAPIButNotThePageOrHealth() async throws {
        let server = try await TestServer(data: data) { $0.token = "s3cret" }
        let denied = try await server.request("GET", "/v1/models")
        XCTAssertEqual(denied.status, 401)
        XCTAssertEqual(denied.errorCode, "unauthorized")
        let reply1 = try await server.request("GET", "/v1/models", token: "wrong")
        XCTAssertEqual(reply1.status, 401)
        let reply2 = try await server.request("GET", "/metrics")
        XCTAssertEqual(reply2.status, 401)
        let reply3 = try await server.request("GET", "/v1/models", token: "s3cret")
        XCTAssertEqual(reply3.status, 200)
        let reply4 = try await server.request("GET", "/healthz")
        XCTAssertEqual(reply4.status, 200)
        let reply5 = try await server.request("GET", "/")
        XCTAssertEqual(reply5.status, 200)
        await server.stop()
    }

    func testBindingBeyondLoopbackNeedsAToken() throws {
        var configuration = ServerConfiguration(dataDirectory: data)
        configuration.host = "0.0.0.0"
        XCTAssertThrowsError(try configuration.validate())
        configuration.token = "t"
        XCTAssertNoThrow(try configuration.validate())
        configuration.host = "127.0.0.1"
        configuration.token = nil
        XCTAssertNoThrow(try configuration.validate())
    }
}
