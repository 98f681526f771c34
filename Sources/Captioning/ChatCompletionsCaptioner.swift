import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Captions from a vision-language model behind an OpenAI-style chat-completions endpoint (`POST {base}/chat/completions`;
/// llama.cpp's server, vLLM, Ollama, LM Studio and others serve LLaVA this way): SSP-IR's semantic prior asks
/// LLaVA-v1.5-7B to describe the LQ photo as if its degradations were removed (paper §III-B; zyhrainbow/SSP-IR
/// `llava/llava_agent.py`).
///
/// The request carries the photo's file bytes as a base64 `data:` URL in an `image_url` content part, followed by
/// the official instruction as a `text` part, with the official sampling settings (temperature 0.2, top_p 0.7, at
/// most 512 new tokens). The reply's `choices[0].message.content` is stripped and its newlines become spaces, as the
/// official agent does.
public struct ChatCompletionsCaptioner: Sendable {
    /// The instruction after `<image>` in the official prompt (`llava_agent.py`, conv_mode `vicuna_v1`).
    public static let officialInstruction =
        "Describe the image in a very detailed manner if we remove the degradation artifacts from the image."
    /// The system text of LLaVA-v1.5's `vicuna_v1` template. Servers that know LLaVA-v1.5 apply their own chat
    /// template, which already holds it; send it as a system message only to a server that does not.
    public static let vicunaSystemPrompt = "A chat between a curious user and an artificial intelligence assistant. "
        + "The assistant gives helpful, detailed, and polite answers to the user's questions."

    /// What is sent besides the image.
    public struct Settings: Sendable, Equatable {
        /// The `model` field (the name the server knows the model by).
        public var model: String
        /// The user's text after the image.
        public var instruction: String
        /// A system message sent first, or nil for none (the default: see ``vicunaSystemPrompt``).
        public var systemPrompt: String?
        /// `temperature` (official 0.2).
        public var temperature: Double
        /// `top_p` (official 0.7).
        public var topP: Double
        /// `max_tokens`, the most new tokens (official 512).
        public var maxTokens: Int
        /// Seconds to wait for the whole reply.
        public var timeout: Double
        /// Sent as `Authorization: Bearer …` when given.
        public var apiKey: String?

        public init(model: String = "llava-v1.5-7b", instruction: String = ChatCompletionsCaptioner.officialInstruction,
                    systemPrompt: String? = nil, temperature: Double = 0.2, topP: Double = 0.7, maxTokens: Int = 512,
                    timeout: Double = 300, apiKey: String? = nil) {
            self.model = model
            self.instruction = instruction
            self.systemPrompt = systemPrompt
            self.temperature = temperature
            self.topP = topP
            self.maxTokens = maxTokens
            self.timeout = timeout
            self.apiKey = apiKey
        }

        /// Throws when a value is out of the range the protocol allows.
        public func validate() throws {
            if model.isEmpty { throw CaptioningError.invalidSetting("the model name is empty") }
            if !(0...2).contains(temperature) { throw CaptioningError.invalidSetting("temperature must lie in [0, 2], got \(temperature)") }
            if !(topP > 0 && topP <= 1) { throw CaptioningError.invalidSetting("top_p must lie in (0, 1], got \(topP)") }
            if maxTokens < 1 { throw CaptioningError.invalidSetting("max_tokens must be at least 1, got \(maxTokens)") }
            if !(timeout > 0 && timeout.isFinite) { throw CaptioningError.invalidSetting("the timeout must be positive, got \(timeout)") }
        }
    }

    /// `{base}/chat/completions`.
    public let url: URL
    public let settings: Settings

    /// - Parameter endpoint: the API base, e.g. `http://127.0.0.1:8080/v1` (the `--captioner` value), to which
    ///   `/chat/completions` is appended.
    /// - Throws: ``CaptioningError/invalidSetting(_:)`` for an address that is not an http(s) URL with a host, or
    ///   settings out of range.
    public init(endpoint: String, settings: Settings = Settings()) throws {
        try settings.validate()
        var base = endpoint.trimmingCharacters(in: .whitespaces)
        while base.hasSuffix("/") { base.removeLast() }
        guard let components = URLComponents(string: base), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
              components.query == nil, components.fragment == nil,
              let url = URL(string: base + "/chat/completions") else {
            throw CaptioningError.invalidSetting("'\(endpoint)' is not an http(s) API address such as http://127.0.0.1:8080/v1")
        }
        self.url = url
        self.settings = settings
    }

    // MARK: Captions

    /// The caption of the photo file at `path` (its bytes are sent as they are, as the official agent reads the raw
    /// LQ file).
    /// - Throws: ``CaptioningError``.
    public func caption(imageAt path: String) async throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CaptioningError.unreadableImage("cannot read \(path)")
        }
        guard let type = Self.mediaType(of: data) else {
            throw CaptioningError.unreadableImage("\(path) is not a PNG, JPEG or WebP file")
        }
        return try await caption(imageData: data, mediaType: type)
    }

    /// The caption of an encoded image.
    /// - Parameter mediaType: its MIME type (`image/png`, `image/jpeg`, `image/webp`).
    /// - Throws: ``CaptioningError``: ``CaptioningError/transport(url:reason:)``,
    ///   ``CaptioningError/timedOut(url:seconds:)``, ``CaptioningError/httpStatus(url:status:message:)``,
    ///   ``CaptioningError/notJSON(url:excerpt:)``, ``CaptioningError/malformedReply(url:reason:)``,
    ///   ``CaptioningError/emptyCaption(url:)``.
    public func caption(imageData: Data, mediaType: String) async throws -> String {
        var request = URLRequest(url: url, timeoutInterval: settings.timeout)
        request.httpMethod = "POST"
        request.httpBody = try requestBody(imageData: imageData, mediaType: mediaType)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let key = settings.apiKey { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = settings.timeout
        configuration.timeoutIntervalForResource = settings.timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch let error as URLError where error.code == .timedOut {
            throw CaptioningError.timedOut(url: url.absoluteString, seconds: settings.timeout)
        } catch {
            throw CaptioningError.transport(url: url.absoluteString, reason: error.localizedDescription)
        }
        guard let http = response as? HTTPURLResponse else {
            throw CaptioningError.transport(url: url.absoluteString, reason: "the reply is not HTTP")
        }
        return try Self.caption(fromReply: data, status: http.statusCode, url: url.absoluteString)
    }

    /// The JSON body of the request: `model`, `messages` (an optional system message, then the user's image and
    /// instruction), `temperature`, `top_p`, `max_tokens`, `stream: false`.
    public func requestBody(imageData: Data, mediaType: String) throws -> Data {
        var messages: [[String: Any]] = []
        if let system = settings.systemPrompt { messages.append(["role": "system", "content": system]) }
        let image: [String: Any] = ["type": "image_url",
                                    "image_url": ["url": "data:\(mediaType);base64,\(imageData.base64EncodedString())"]]
        messages.append(["role": "user", "content": [image, ["type": "text", "text": settings.instruction]]])
        let body: [String: Any] = ["model": settings.model, "messages": messages, "temperature": settings.temperature,
                                   "top_p": settings.topP, "max_tokens": settings.maxTokens, "stream": false]
        return try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
    }

    // MARK: Replies

    /// The caption in a chat-completions reply, cleaned as the official agent does (``clean(_:)``).
    /// - Throws: ``CaptioningError`` for a status other than 2xx (with the server's `error.message` when the body
    ///   has one), a body that is not JSON, no `choices[0].message.content` string, or an empty caption.
    static func caption(fromReply data: Data, status: Int, url: String) throws -> String {
        let json = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        guard (200..<300).contains(status) else {
            let object = json as? [String: Any]
            let message = ((object?["error"] as? [String: Any])?["message"] as? String)
                ?? (object?["error"] as? String) ?? excerpt(data)
            throw CaptioningError.httpStatus(url: url, status: status, message: message)
        }
        guard let json else { throw CaptioningError.notJSON(url: url, excerpt: excerpt(data)) }
        guard let object = json as? [String: Any] else {
            throw CaptioningError.malformedReply(url: url, reason: "the body is not a JSON object")
        }
        guard let choices = object["choices"] as? [Any] else {
            throw CaptioningError.malformedReply(url: url, reason: "no 'choices' array")
        }
        guard let first = choices.first as? [String: Any], let message = first["message"] as? [String: Any] else {
            throw CaptioningError.malformedReply(url: url, reason: "no 'choices[0].message' object")
        }
        let text: String
        if let content = message["content"] as? String {
            text = content
        } else if let parts = message["content"] as? [[String: Any]] {
            // Some servers answer with content parts; their text parts, in order.
            text = parts.compactMap { $0["type"] as? String == "text" ? $0["text"] as? String : nil }.joined()
        } else {
            throw CaptioningError.malformedReply(url: url, reason: "'choices[0].message.content' is not text")
        }
        let caption = clean(text)
        guard !caption.isEmpty else { throw CaptioningError.emptyCaption(url: url) }
        return caption
    }

    /// The official post-processing (`llava_agent.py:109-113`): surrounding white space stripped, every line break
    /// replaced by a space (a CR LF pair by one).
    public static func clean(_ text: String) -> String {
        var out = ""
        let stripped = text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\r\n", with: "\n")
        for scalar in stripped.unicodeScalars {
            out.unicodeScalars.append(CharacterSet.newlines.contains(scalar) ? " " : scalar)
        }
        return out
    }

    /// The first 200 characters of a body, for messages.
    static func excerpt(_ data: Data) -> String {
        let text = String(decoding: data.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(empty body)" : text + (data.count > 200 ? "…" : "")
    }

    /// The MIME type of PNG, JPEG and WebP files, from their signatures.
    public static func mediaType(of data: Data) -> String? {
        let bytes = [UInt8](data.prefix(12))
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        return nil
    }
}
