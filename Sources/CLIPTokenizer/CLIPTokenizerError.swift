/// Why a CLIP vocabulary (`bpe_simple_vocab_16e6.txt.gz`) could not be loaded.
///
/// `source` is the file's path, or "in-memory vocabulary" for ``CLIPTokenizer/init(vocabulary:gzipped:)``.
public enum CLIPTokenizerError: Error, CustomStringConvertible, Equatable {
    /// No file at the path.
    case vocabularyNotFound(path: String)
    /// The file exists but could not be read.
    case unreadableVocabulary(path: String, reason: String)
    /// The compressed or the inflated vocabulary is larger than `limit` bytes (the real one is 1.3 MB compressed,
    /// 1.6 MB inflated), so it is refused before or while inflating.
    case vocabularyTooLarge(source: String, limit: Int)
    /// The data does not start with the gzip signature (1F 8B).
    case notGzip(source: String)
    /// The gzip stream ends before its end marker: the file was cut short.
    case truncatedGzip(source: String)
    /// zlib rejected the gzip stream.
    case corruptGzip(source: String, reason: String)
    /// The inflated vocabulary is not valid UTF-8 text.
    case notUTF8(source: String)
    /// The file has fewer merge lines than OpenCLIP reads (lines 1...48,894 after the header line).
    case tooFewMerges(source: String, found: Int, expected: Int)
    /// A merge line is not two symbols separated by white space, or uses a character outside the 256 byte
    /// characters of `bytes_to_unicode`.
    case malformedMerge(source: String, line: Int, text: String)

    public var description: String {
        switch self {
        case let .vocabularyNotFound(path):
            return "\(path): no CLIP vocabulary there (expected bpe_simple_vocab_16e6.txt.gz, which the project ships "
                + "in models/clip/)"
        case let .unreadableVocabulary(path, reason):
            return "\(path): cannot read the CLIP vocabulary: \(reason)"
        case let .vocabularyTooLarge(source, limit):
            return "\(source): refused: a CLIP vocabulary larger than \(limit) bytes is not the 1.6 MB OpenAI file"
        case let .notGzip(source):
            return "\(source): not a gzip file (pass gzipped: false for the plain-text vocabulary)"
        case let .truncatedGzip(source):
            return "\(source): the gzip stream is truncated; copy bpe_simple_vocab_16e6.txt.gz again"
        case let .corruptGzip(source, reason):
            return "\(source): corrupt gzip stream (\(reason)); copy bpe_simple_vocab_16e6.txt.gz again"
        case let .notUTF8(source):
            return "\(source): the vocabulary is not UTF-8 text"
        case let .tooFewMerges(source, found, expected):
            return "\(source): \(found) merge lines, but CLIP's tokenizer needs \(expected) (is this "
                + "bpe_simple_vocab_16e6.txt.gz?)"
        case let .malformedMerge(source, line, text):
            let shown = text.count > 60 ? String(text.prefix(60)) + "…" : text
            return "\(source): line \(line) is not a merge of two byte-level symbols: \"\(shown)\""
        }
    }
}
