import CLIPTokenizer
import Foundation
import TestSupport
import XCTest

/// The shipped vocabulary, the tokenizer built from it once per test run, and the reference fixture
/// `Tests/Fixtures/clip_tokenizer/tokens.json` (written by Tools/fixtures/clip_tokenizer.py from open_clip_torch).
enum ReferenceTokens {
    /// The repository root: the folder above `Tests/Fixtures`.
    static let repositoryRoot = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()

    /// `models/clip/bpe_simple_vocab_16e6.txt.gz`.
    static let vocabularyURL = repositoryRoot
        .appendingPathComponent("models").appendingPathComponent("clip")
        .appendingPathComponent("bpe_simple_vocab_16e6.txt.gz")

    /// The tokenizer of the shipped vocabulary, or the error that loading it raised.
    static let loaded: Result<CLIPTokenizer, any Error> = Result { try CLIPTokenizer(vocabularyURL: vocabularyURL) }

    static func tokenizer() throws -> CLIPTokenizer { try loaded.get() }

    /// One corpus entry with the reference's outputs.
    struct Case: Sendable {
        let category: String
        let text: String
        let cleaned: String
        let encode: [Int]
        let tokenize: [Int]
        let decoded: String
    }

    /// The whole fixture.
    struct Document: Sendable {
        let contextLength: Int
        let vocabularySize: Int
        let startOfText: Int
        let endOfText: Int
        let merges: Int
        let versions: [String: String]
        let html5EntityCount: Int
        let ftfyEntityCount: Int
        let pythonSpaces: [UInt32]
        let regexWhitespace: [UInt32]
        let patternSkips: [UInt32]
        let foldsToS: [UInt32]
        let cases: [Case]
    }

    static let document: Result<Document, any Error> = Result { try read() }

    private struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    private static func read() throws -> Document {
        guard let root = try Fixtures.json("clip_tokenizer", "tokens.json") as? [String: Any],
              let vocabulary = root["vocabulary"] as? [String: Any], let tables = root["tables"] as? [String: Any],
              let rawCases = root["cases"] as? [[String: Any]] else {
            throw Malformed(description: "tokens.json: missing vocabulary, tables or cases")
        }
        func int(_ object: [String: Any], _ key: String) throws -> Int {
            guard let value = object[key] as? Int else { throw Malformed(description: "tokens.json: no integer \(key)") }
            return value
        }
        func ints(_ object: [String: Any], _ key: String) throws -> [Int] {
            guard let value = object[key] as? [Int] else { throw Malformed(description: "tokens.json: no list \(key)") }
            return value
        }
        func string(_ object: [String: Any], _ key: String) throws -> String {
            guard let value = object[key] as? String else { throw Malformed(description: "tokens.json: no text \(key)") }
            return value
        }
        let cases = try rawCases.map { raw in
            Case(category: try string(raw, "category"), text: try string(raw, "text"), cleaned: try string(raw, "cleaned"),
                 encode: try ints(raw, "encode"), tokenize: try ints(raw, "tokenize"), decoded: try string(raw, "decoded"))
        }
        return Document(
            contextLength: try int(root, "context_length"), vocabularySize: try int(vocabulary, "size"),
            startOfText: try int(vocabulary, "start_of_text"), endOfText: try int(vocabulary, "end_of_text"),
            merges: try int(vocabulary, "merges"), versions: root["versions"] as? [String: String] ?? [:],
            html5EntityCount: try int(tables, "html5_entities"), ftfyEntityCount: try int(tables, "ftfy_entities"),
            pythonSpaces: try ints(tables, "python_isspace").map(UInt32.init),
            regexWhitespace: try ints(tables, "regex_whitespace").map(UInt32.init),
            patternSkips: try ints(tables, "pattern_skips").map(UInt32.init),
            foldsToS: try ints(tables, "folds_to_s").map(UInt32.init),
            cases: cases)
    }

    /// Code points of a string, for messages that show what differs.
    static func codePoints(_ text: String) -> String {
        text.unicodeScalars.map { $0.value < 0x80 && $0.value >= 0x20 ? String($0) : String(format: "<U+%04X>", $0.value) }
            .joined()
    }
}
