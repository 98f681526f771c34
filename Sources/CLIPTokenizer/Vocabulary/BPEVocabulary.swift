import Foundation

/// CLIP's vocabulary and merge ranks, read from the text of `bpe_simple_vocab_16e6.txt`
/// (OpenCLIP `SimpleTokenizer.__init__`, tokenizer.py lines 73-92).
///
/// The file's first line is a header; lines 1...48,894 are merges, "first second" in byte characters (see
/// ``ByteCharacters``), the second symbol of a word-final merge ending in `</w>`. The vocabulary is, in id order:
/// the 256 byte characters, the same with `</w>`, the 48,894 merged symbols, `<start_of_text>` (49406) and
/// `<end_of_text>` (49407). A merge's rank is its index (0 merges first).
///
/// Symbols are handled as ids: a symbol's id is the position of its string in the vocabulary (the last one when a
/// string were listed twice, as Python's `dict(zip(vocab, range(...)))` keeps), and merging two symbols is a
/// lookup of the id pair. Strings are compared as code points (their UTF-8 bytes), never with Swift's canonical
/// equivalence.
struct BPEVocabulary: Sendable {
    /// One merge rule: its rank and the id of the symbol it makes.
    struct Merge: Sendable {
        let rank: Int32
        let merged: Int32
    }

    /// The number of merges OpenCLIP reads: `merges[1 : 49152-256-2+1]`.
    static let mergeCount = 49152 - 256 - 2

    /// The bytes each id decodes to (its byte characters mapped back; `</w>` stays as its four bytes, as in
    /// `SimpleTokenizer.decode`).
    let bytesOfID: [[UInt8]]
    /// The id of each byte's symbol inside a word, indexed by the byte value.
    let idOfByte: [Int32]
    /// The id of each byte's symbol at the end of a word (the character followed by `</w>`).
    let idOfFinalByte: [Int32]
    /// The merge rules by symbol pair, keyed ``pairKey(_:_:)``.
    let merges: [UInt64: Merge]
    /// The ids of `<start_of_text>` and `<end_of_text>`.
    let startOfText: Int
    let endOfText: Int

    var count: Int { bytesOfID.count }

    /// The key of the symbol pair (left, right) in ``merges``.
    @inline(__always)
    static func pairKey(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    /// Parses the inflated vocabulary file; `source` names it in errors.
    init(fileContents data: Data, source: String) throws {
        guard String(data: data, encoding: .utf8) != nil else { throw CLIPTokenizerError.notUTF8(source: source) }
        // Python splits on "\n" only; a "\r" left at a line's end is white space to `merge.split()`.
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        let available = max(0, lines.count - 1)
        guard available >= Self.mergeCount else {
            throw CLIPTokenizerError.tooFewMerges(source: source, found: available, expected: Self.mergeCount)
        }

        var tokens: [[UInt8]] = []   // each vocabulary entry as the UTF-8 bytes of its string
        tokens.reserveCapacity(512 + Self.mergeCount + 2)
        let byteScalars = ByteCharacters.vocabularyOrder.map { ByteCharacters.scalarOfByte[Int($0)] }
        let endOfWord = Array("</w>".utf8)
        for scalar in byteScalars { tokens.append(Array(String(scalar).utf8)) }
        for scalar in byteScalars { tokens.append(Array(String(scalar).utf8) + endOfWord) }

        var pairs: [([UInt8], [UInt8])] = []
        pairs.reserveCapacity(Self.mergeCount)
        for lineNumber in 1...Self.mergeCount {
            let line = lines[lines.startIndex + lineNumber]
            let text = String(decoding: line, as: UTF8.self)
            let parts = PythonText.splitOnWhitespace(Array(text.unicodeScalars))
            guard parts.count == 2, parts.allSatisfy(Self.isSymbol) else {
                throw CLIPTokenizerError.malformedMerge(source: source, line: lineNumber + 1, text: text)
            }
            let first = Array(String(String.UnicodeScalarView(parts[0])).utf8)
            let second = Array(String(String.UnicodeScalarView(parts[1])).utf8)
            pairs.append((first, second))
            tokens.append(first + second)
        }
        tokens.append(Array("<start_of_text>".utf8))
        tokens.append(Array("<end_of_text>".utf8))

        var idOfToken: [[UInt8]: Int32] = [:]
        idOfToken.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() { idOfToken[token] = Int32(id) }

        var merges: [UInt64: Merge] = [:]
        merges.reserveCapacity(pairs.count)
        for (rank, pair) in pairs.enumerated() {
            // Every symbol BPE can form is a vocabulary string, so a merge whose parts are not is never applied.
            guard let left = idOfToken[pair.0], let right = idOfToken[pair.1],
                  let merged = idOfToken[pair.0 + pair.1] else { continue }
            merges[Self.pairKey(left, right)] = Merge(rank: Int32(rank), merged: merged)
        }

        bytesOfID = tokens.map { token in
            String(decoding: token, as: UTF8.self).unicodeScalars.map { ByteCharacters.byte(of: $0) ?? 0x3F }
        }
        let byteTokens = (0...255).map { Array(String(ByteCharacters.scalarOfByte[$0]).utf8) }
        idOfByte = byteTokens.map { idOfToken[$0] ?? 0 }
        idOfFinalByte = byteTokens.map { idOfToken[$0 + endOfWord] ?? 0 }
        startOfText = Int(idOfToken[Array("<start_of_text>".utf8)] ?? 0)
        endOfText = Int(idOfToken[Array("<end_of_text>".utf8)] ?? 0)
        self.merges = merges
    }

    /// Whether a merge part is made of byte characters, optionally followed by `</w>`.
    private static func isSymbol(_ scalars: [Unicode.Scalar]) -> Bool {
        guard !scalars.isEmpty else { return false }
        return scalars.allSatisfy { ByteCharacters.byte(of: $0) != nil }
    }
}
