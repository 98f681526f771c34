import Foundation

/// Why a caption could not be had: a captions file that cannot be read, a photo it does not name, or a captioning
/// server that cannot be reached or answers something other than a caption. Messages name the file, photo or URL.
public enum CaptioningError: Error, CustomStringConvertible, Equatable {
    /// A captions file that cannot be read or parsed (`file:line: why`).
    case captionsFile(String)
    /// The captions file has no line for the photo.
    case missingCaption(photo: String, file: String)
    /// The captioner's address is not an http(s) URL, or a setting is out of range.
    case invalidSetting(String)
    /// The photo's bytes cannot be read or are not a PNG, JPEG or WebP file.
    case unreadableImage(String)
    /// The request did not reach the server or the connection failed (refused, reset, unknown host, …).
    case transport(url: String, reason: String)
    /// No complete reply within the time limit.
    case timedOut(url: String, seconds: Double)
    /// The server answered with a status other than 2xx; `message` is its error text when it gave one.
    case httpStatus(url: String, status: Int, message: String)
    /// The reply body is not JSON.
    case notJSON(url: String, excerpt: String)
    /// The reply is JSON but not a chat completion with a text message (`reason` says what is missing).
    case malformedReply(url: String, reason: String)
    /// The model's caption is empty once stripped.
    case emptyCaption(url: String)

    public var description: String {
        switch self {
        case let .captionsFile(why): return "captions file: \(why)"
        case let .missingCaption(photo, file): return "\(file) has no caption for \(photo) (add a line 'name<TAB>caption')"
        case let .invalidSetting(why): return "captioner: \(why)"
        case let .unreadableImage(why): return "captioner: \(why)"
        case let .transport(url, reason): return "captioner \(url): the request failed: \(reason) (is the server running?)"
        case let .timedOut(url, seconds):
            return "captioner \(url): no reply within \(seconds) s (a slow model may need a longer timeout)"
        case let .httpStatus(url, status, message):
            return "captioner \(url): HTTP \(status)" + (message.isEmpty ? "" : ": \(message)")
        case let .notJSON(url, excerpt): return "captioner \(url): the reply is not JSON: \(excerpt)"
        case let .malformedReply(url, reason):
            return "captioner \(url): the reply is not an OpenAI chat completion: \(reason)"
        case let .emptyCaption(url): return "captioner \(url): the model returned an empty caption"
        }
    }
}
