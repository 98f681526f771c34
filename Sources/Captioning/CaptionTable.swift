import Foundation

/// Captions of photos, read from a `name<TAB>caption` file (one photo a line; the name with or without its
/// extension; blank lines and lines starting with `#` are skipped). DA-CLIP training reads its captions of the HQ
/// photos from it (the official data are BLIP captions of the clean images, DACLIP-IR §3.1); SSP-IR restoration can
/// read the semantic prior's text of each LQ photo from it instead of asking a captioning model.
public struct CaptionTable: Sendable, Equatable {
    /// Caption by photo name and by its stem.
    let byName: [String: String]

    /// Parses `text`; `file` names it in errors.
    /// - Throws: ``CaptioningError/captionsFile(_:)`` for a line without a tab or with an empty caption, or a name
    ///   given twice.
    public init(text: String, file: String) throws {
        var table: [String: String] = [:]
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = raw.split(separator: "\t", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw CaptioningError.captionsFile("\(file):\(number + 1): expected 'name<TAB>caption'")
            }
            guard table.updateValue(parts[1], forKey: parts[0]) == nil else {
                throw CaptioningError.captionsFile("\(file):\(number + 1): '\(parts[0])' has a caption already")
            }
        }
        byName = table
    }

    /// Reads a captions file.
    /// - Throws: ``CaptioningError/captionsFile(_:)``.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CaptioningError.captionsFile("cannot read the captions file \(path) (UTF-8 text expected)")
        }
        try self.init(text: text, file: path)
    }

    /// The number of captions.
    public var count: Int { byName.count }

    /// The caption of the photo at `path`: by file name, else by stem.
    public func caption(forPhoto path: String) -> String? {
        let url = URL(fileURLWithPath: path)
        return byName[url.lastPathComponent] ?? byName[url.deletingPathExtension().lastPathComponent]
    }

    /// Checks that every photo of `folder` has a caption.
    /// - Throws: ``CaptioningError/captionsFile(_:)`` naming how many photos lack one and the first few.
    public func checkCovers(_ photos: [String], folder: String) throws {
        let missing = photos.filter { caption(forPhoto: $0) == nil }
        guard missing.isEmpty else {
            throw CaptioningError.captionsFile("no caption for \(missing.count) photo(s) of \(folder): "
                + missing.prefix(5).map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: ", "))
        }
    }
}
