import Captioning
import Foundation
import TestSupport
import XCTest

/// The chat-completions captioner against a stub server on a loopback port (what it sends, what it makes of good and
/// bad replies), and the prompt and captions-file sources.
final class CaptioningTests: XCTestCase {
    private let photo = Fixtures.path("images", "chelsea.png")

    private func reply(_ content: String) -> String {
        let json = try? JSONSerialization.data(withJSONObject: ["id": "x", "object": "chat.completion",
                                                                "choices": [["index": 0, "finish_reason": "stop",
                                                                             "message": ["role": "assistant", "content": content]]]])
        return String(decoding: json ?? Data(), as: UTF8.self)
    }

    /// The request carries the model, the official instruction after the photo as a base64 PNG data URL, and the
    /// official sampling settings; the reply's caption comes back stripped, on one line.
    func testRequestFollowsTheProtocolAndTheCaptionIsCleaned() async throws {
        let caption = reply("  A tabby cat lies on a sofa.\nIts fur is striped.\r\nSharp and clean. \n")
        let server = try StubChatServer { _ in .init(status: 200, body: caption) }
        defer { server.stop() }
        let settings = ChatCompletionsCaptioner.Settings(model: "llava-test", timeout: 30, apiKey: "secret")
        let captioner = try ChatCompletionsCaptioner(endpoint: server.endpoint + "/", settings: settings)
        let text = try await captioner.caption(imageAt: photo)
        XCTAssertEqual(text, "A tabby cat lies on a sofa. Its fur is striped. Sharp and clean.")

        let request = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.path, "/v1/chat/completions")
        XCTAssertEqual(request.headers["authorization"], "Bearer secret")
        XCTAssertTrue(request.headers["content-type"]?.hasPrefix("application/json") ?? false)
        let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
        XCTAssertEqual(body["model"] as? String, "llava-test")
        XCTAssertEqual(body["temperature"] as? Double, 0.2)
        XCTAssertEqual(body["top_p"] as? Double, 0.7)
        XCTAssertEqual(body["max_tokens"] as? Int, 512)
        XCTAssertEqual(body["stream"] as? Bool, false)
        let messages = try XCTUnwrap(body["messages"] as? [[String: Any]])
        XCTAssertEqual(messages.count, 1, "no system message unless asked")
        XCTAssertEqual(messages[0]["role"] as? String, "user")
        let parts = try XCTUnwrap(messages[0]["content"] as? [[String: Any]])
        XCTAssertEqual(parts.map { $0["type"] as? String }, ["image_url", "text"])
        XCTAssertEqual(parts[1]["text"] as? String,
                       "Describe the image in a very detailed manner if we remove the degradation artifacts from the image.")
        let url = try XCTUnwrap((parts[0]["image_url"] as? [String: Any])?["url"] as? String)
        let prefix = "data:image/png;base64,"
        XCTAssertTrue(url.hasPrefix(prefix))
        XCTAssertEqual(Data(base64Encoded: String(url.dropFirst(prefix.count))), FileManager.default.contents(atPath: photo))
    }

    func testSystemPromptIsSentFirstWhenAsked() async throws {
        let ok = reply("ok")
        let server = try StubChatServer { _ in .init(status: 200, body: ok) }
        defer { server.stop() }
        let settings = ChatCompletionsCaptioner.Settings(systemPrompt: ChatCompletionsCaptioner.vicunaSystemPrompt, timeout: 30)
        _ = try await ChatCompletionsCaptioner(endpoint: server.endpoint, settings: settings).caption(imageAt: photo)
        let body = try XCTUnwrap(try JSONSerialization.jsonObject(with: try XCTUnwrap(server.requests.first).body) as? [String: Any])
        let messages = try XCTUnwrap(body["messages"] as? [[String: Any]])
        XCTAssertEqual(messages.map { $0["role"] as? String }, ["system", "user"])
        XCTAssertEqual(messages[0]["content"] as? String, ChatCompletionsCaptioner.vicunaSystemPrompt)
    }

    private func error(replying reply: StubChatServer.Reply, timeout: Double = 30) async throws -> CaptioningError {
        let server = try StubChatServer { _ in reply }
        defer { server.stop() }
        let captioner = try ChatCompletionsCaptioner(endpoint: server.endpoint, settings: .init(timeout: timeout))
        do {
            let caption = try await captioner.caption(imageAt: photo)
            XCTFail("expected an error, got the caption \(caption)")
        } catch let error as CaptioningError {
            return error
        }
        throw XCTSkip("unreachable")
    }

    func testServerErrorIsTypedWithItsMessage() async throws {
        let failure = try await error(replying: .init(status: 500, body: #"{"error": {"message": "model not loaded"}}"#))
        guard case let .httpStatus(_, status, message) = failure else { return XCTFail("\(failure)") }
        XCTAssertEqual(status, 500)
        XCTAssertEqual(message, "model not loaded")
        XCTAssertTrue(failure.description.contains("HTTP 500: model not loaded"))
        let plain = try await error(replying: .init(status: 404, body: "Not Found"))
        XCTAssertEqual(plain, .httpStatus(url: plain.url, status: 404, message: "Not Found"))
    }

    func testMalformedRepliesAreTyped() async throws {
        let notJSON = try await error(replying: .init(status: 200, body: "<html>busy</html>"))
        guard case .notJSON = notJSON else { return XCTFail("\(notJSON)") }
        let noChoices = try await error(replying: .init(status: 200, body: #"{"choices": []}"#))
        guard case .malformedReply = noChoices else { return XCTFail("\(noChoices)") }
        let wrongType = try await error(replying: .init(status: 200, body: #"{"choices": [{"message": {"content": 42}}]}"#))
        guard case .malformedReply = wrongType else { return XCTFail("\(wrongType)") }
        let empty = try await error(replying: .init(status: 200, body: reply(" \n \n")))
        guard case .emptyCaption = empty else { return XCTFail("\(empty)") }
    }

    func testASilentServerTimesOut() async throws {
        let start = Date()
        let failure = try await error(replying: .init(status: 200, body: reply("late"), delay: 4), timeout: 1)
        guard case let .timedOut(_, seconds) = failure else { return XCTFail("\(failure)") }
        XCTAssertEqual(seconds, 1)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3.5, "gave up before the server answered")
    }

    func testUnreachableServerAndBadSettingsAreTyped() async throws {
        let server = try StubChatServer { _ in .init(status: 200, body: "") }
        let endpoint = server.endpoint
        server.stop()
        do {
            _ = try await ChatCompletionsCaptioner(endpoint: endpoint, settings: .init(timeout: 10)).caption(imageAt: photo)
            XCTFail("a closed port answered")
        } catch let error as CaptioningError {
            guard case .transport = error else { return XCTFail("\(error)") }
        }
        for endpoint in ["ftp://127.0.0.1/v1", "127.0.0.1:8080/v1", "http:///v1"] {
            XCTAssertThrowsError(try ChatCompletionsCaptioner(endpoint: endpoint)) { XCTAssertTrue($0 is CaptioningError, endpoint) }
        }
        XCTAssertThrowsError(try ChatCompletionsCaptioner(endpoint: "http://127.0.0.1:1/v1", settings: .init(topP: 0)))
        let captioner = try ChatCompletionsCaptioner(endpoint: "http://127.0.0.1:1/v1")
        XCTAssertEqual(captioner.url.absoluteString, "http://127.0.0.1:1/v1/chat/completions")
        let text = FileManager.default.temporaryDirectory.appendingPathComponent("not-an-image-\(UUID().uuidString).txt")
        try Data("hello".utf8).write(to: text)
        defer { try? FileManager.default.removeItem(at: text) }
        do {
            _ = try await captioner.caption(imageAt: text.path)
            XCTFail("a text file was sent")
        } catch let error as CaptioningError {
            guard case .unreadableImage = error else { return XCTFail("\(error)") }
        }
    }

    func testPromptAndCaptionsFileSources() async throws {
        let prompt = try await CaptionSource.prompt("  a photo\nof a cat ").caption(forPhoto: "any.png")
        XCTAssertEqual(prompt, "a photo of a cat")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("captions-\(UUID().uuidString).tsv")
        try Data("# name<TAB>caption\ncat.png\ta cat on a sofa\n\ndog\ta dog in the snow\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let source = try CaptionSource.captionsFile(file.path)
        let cat = try await source.caption(forPhoto: "/photos/cat.png")
        let dog = try await source.caption(forPhoto: "lq/dog.jpg")
        XCTAssertEqual([cat, dog], ["a cat on a sofa", "a dog in the snow"])
        do {
            _ = try await source.caption(forPhoto: "bird.png")
            XCTFail("a caption for a photo the file does not name")
        } catch let error as CaptioningError {
            XCTAssertEqual(error, .missingCaption(photo: "bird.png", file: file.path))
        }
        XCTAssertThrowsError(try CaptionTable(text: "cat.png a cat\n", file: "c.tsv")) {
            XCTAssertEqual($0 as? CaptioningError, .captionsFile("c.tsv:1: expected 'name<TAB>caption'"))
        }
        XCTAssertThrowsError(try CaptionTable(text: "a\tx\na\ty\n", file: "c.tsv"))
        XCTAssertThrowsError(try CaptionSource.captionsFile("/nonexistent/captions.tsv"))
    }
}

private extension CaptioningError {
    /// The URL an HTTP error names.
    var url: String {
        if case let .httpStatus(url, _, _) = self { return url }
        return ""
    }
}
