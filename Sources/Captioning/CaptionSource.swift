import Foundation

/// Where the caption of each photo to restore comes from (SSP-IR's semantic prior, paper §III-B): one prompt for
/// every photo (`--prompt`), a `name<TAB>caption` file, or a vision-language model asked about each photo
/// (`--captioner`).
public enum CaptionSource: Sendable {
    /// The same text for every photo ("" is the empty caption, what the official inference script ends up using).
    case prompt(String)
    /// The photo's line of a captions file (`file` names it in errors).
    case table(CaptionTable, file: String)
    /// A chat-completions server asked about each photo.
    case captioner(ChatCompletionsCaptioner)

    /// The captions file at `path`.
    /// - Throws: ``CaptioningError/captionsFile(_:)``.
    public static func captionsFile(_ path: String) throws -> CaptionSource {
        .table(try CaptionTable(contentsOf: path), file: path)
    }

    /// The caption of the photo at `path`, on one line: a prompt and a file's caption are cleaned as the captioner's
    /// replies (stripped, line breaks as spaces).
    /// - Throws: ``CaptioningError/missingCaption(photo:file:)`` when the file has no line for the photo; the
    ///   captioner's errors.
    public func caption(forPhoto path: String) async throws -> String {
        switch self {
        case let .prompt(text):
            return ChatCompletionsCaptioner.clean(text)
        case let .table(table, file):
            guard let caption = table.caption(forPhoto: path) else { throw CaptioningError.missingCaption(photo: path, file: file) }
            return ChatCompletionsCaptioner.clean(caption)
        case let .captioner(captioner):
            return try await captioner.caption(imageAt: path)
        }
    }
}
