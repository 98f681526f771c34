import Foundation

/// CLIP's byte-level BPE tokenizer: OpenCLIP's `SimpleTokenizer` (open_clip/tokenizer.py, from OpenAI CLIP), the
/// text front end of CLIP and of DA-CLIP.
///
/// Encoding a text takes four steps, each its own type:
/// 1. cleaning (``TextCleaner``): `ftfy.fix_text` (``TextFixer`` says which of its fixes are reproduced),
///    `html.unescape` twice, white space collapsed, lower case;
/// 2. splitting into pieces with CLIP's pattern (``PieceSplitter``): letter runs, single number characters,
///    punctuation runs, English contractions, literal `<start_of_text>` / `<end_of_text>`;
/// 3. byte-pair encoding of each piece's UTF-8 bytes with the 48,894 merges of `bpe_simple_vocab_16e6.txt.gz`
///    (``BytePairMerger``), memoised in a bounded cache shared by copies of the tokenizer;
/// 4. for ``tokenize(_:contextLength:)``, framing with ``startOfText`` and ``endOfText``, truncation and padding.
///
/// ```swift
/// let url = root.appendingPathComponent("models/clip/bpe_simple_vocab_16e6.txt.gz")
/// let tokenizer = try CLIPTokenizer(vocabularyURL: url)
/// let rows = tokenizer.tokenize(["an image with blur, noise, jpeg block"])   // 1 row of 77 ids
/// ```
///
/// A tokenizer is immutable apart from its cache, which a lock guards: it can be shared across threads.
public struct CLIPTokenizer: Sendable {
    /// The id of `<start_of_text>`, which ``tokenize(_:contextLength:)`` puts first.
    public static let startOfText = 49406
    /// The id of `<end_of_text>`, which ends every row of ``tokenize(_:contextLength:)``.
    public static let endOfText = 49407
    /// The context length of every CLIP model.
    public static let defaultContextLength = 77
    /// The largest vocabulary file accepted, compressed or inflated (the real one is 1.3 MB / 1.6 MB).
    public static let maximumVocabularyBytes = 64 << 20

    /// The number of ids: 256 bytes, 256 word-final bytes, 48,894 merges and the two special tokens (49,408).
    public var vocabularySize: Int { vocabulary.count }

    let vocabulary: BPEVocabulary
    let cache: BPECache

    /// Loads the gzipped vocabulary `bpe_simple_vocab_16e6.txt.gz` (shipped in `models/clip/`).
    ///
    /// - Throws: ``CLIPTokenizerError`` when the file is missing, unreadable, larger than
    ///   ``maximumVocabularyBytes``, not an intact gzip stream, or not a CLIP merge list.
    public init(vocabularyURL: URL) throws {
        let path = vocabularyURL.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIPTokenizerError.vocabularyNotFound(path: path)
        }
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        guard size <= Self.maximumVocabularyBytes else {
            throw CLIPTokenizerError.vocabularyTooLarge(source: path, limit: Self.maximumVocabularyBytes)
        }
        let data: Data
        do { data = try Data(contentsOf: vocabularyURL) } catch {
            throw CLIPTokenizerError.unreadableVocabulary(path: path, reason: error.localizedDescription)
        }
        try self.init(vocabulary: data, gzipped: true, source: path)
    }

    /// Builds the tokenizer from the vocabulary file's bytes: gzipped as shipped, or its inflated text.
    ///
    /// - Throws: ``CLIPTokenizerError`` as ``init(vocabularyURL:)``.
    public init(vocabulary: Data, gzipped: Bool) throws {
        try self.init(vocabulary: vocabulary, gzipped: gzipped, source: "in-memory vocabulary")
    }

    private init(vocabulary data: Data, gzipped: Bool, source: String) throws {
        guard data.count <= Self.maximumVocabularyBytes else {
            throw CLIPTokenizerError.vocabularyTooLarge(source: source, limit: Self.maximumVocabularyBytes)
        }
        let text = gzipped
            ? try GzipInflater.inflate(data, limit: Self.maximumVocabularyBytes, source: source)
            : data
        vocabulary = try BPEVocabulary(fileContents: text, source: source)
        cache = BPECache()
    }

    /// The token ids of `text`, without ``startOfText`` and ``endOfText`` (`SimpleTokenizer.encode`).
    public func encode(_ text: String) -> [Int] {
        let cleaned = TextCleaner.clean(text)
        var ids: [Int] = []
        for piece in PieceSplitter.pieces(of: cleaned, startOfText: vocabulary.startOfText,
                                          endOfText: vocabulary.endOfText) {
            switch piece {
            case let .special(id):
                ids.append(id)
            case let .text(scalars):
                let bytes = Array(String(String.UnicodeScalarView(scalars)).utf8)
                ids += cache.ids(for: bytes) { BytePairMerger.encode($0, vocabulary: vocabulary) }
            }
        }
        return ids
    }

    /// One row of `contextLength` ids per text, as OpenCLIP's `tokenize(texts, context_length)`:
    /// ``startOfText``, the ids of ``encode(_:)``, ``endOfText``, then zeros. A text too long keeps its first
    /// `contextLength` ids with the last one replaced by ``endOfText``, so every row ends its text with it.
    ///
    /// - Precondition: `contextLength` ≥ 1 (OpenCLIP fails on 0 too).
    public func tokenize(_ texts: [String], contextLength: Int = CLIPTokenizer.defaultContextLength) -> [[Int]] {
        precondition(contextLength >= 1, "the context length must be at least 1, not \(contextLength)")
        return texts.map { text in
            var row = [vocabulary.startOfText] + encode(text) + [vocabulary.endOfText]
            if row.count > contextLength {
                row.removeLast(row.count - contextLength)
                row[contextLength - 1] = vocabulary.endOfText
            }
            return row + [Int](repeating: 0, count: contextLength - row.count)
        }
    }

    /// The text of `ids` (`SimpleTokenizer.decode`): each id's byte characters back to bytes, decoded as UTF-8 with
    /// U+FFFD for invalid sequences, then every `</w>` turned into a space (so a decoded word ends with one).
    /// Ids outside the vocabulary are skipped (OpenCLIP raises `KeyError`); padding zeros decode as "!", as there.
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where vocabulary.bytesOfID.indices.contains(id) {
            bytes += vocabulary.bytesOfID[id]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        return String(String.UnicodeScalarView(Self.replacingEndOfWord(Array(text.unicodeScalars))))
    }

    /// `str.replace("</w>", " ")` on code points.
    private static func replacingEndOfWord(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let marker = Array("</w>".unicodeScalars)
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if text[index] == "<", index + marker.count <= text.count,
               text[index..<index + marker.count].elementsEqual(marker) {
                result.append(" ")
                index += marker.count
            } else {
                result.append(text[index])
                index += 1
            }
        }
        return result
    }
}
