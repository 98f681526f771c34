@testable import CLIPTokenizer
import XCTest

/// The Python and `regex`-module definitions the cleaning and splitting rest on, checked against what the
/// reference environment recorded in the fixture, and the cleaning rules that need no vocabulary.
final class CleaningRuleTests: XCTestCase {
    func scalars(_ text: String) -> [Unicode.Scalar] { Array(text.unicodeScalars) }
    func string(_ scalars: [Unicode.Scalar]) -> String { String(String.UnicodeScalarView(scalars)) }

    func allScalars() -> [Unicode.Scalar] { (0...0x10FFFF).compactMap(Unicode.Scalar.init) }

    func testWhiteSpaceSetsAreThoseOfPythonAndTheRegexModule() throws {
        let document = try ReferenceTokens.document.get()
        XCTAssertEqual(allScalars().filter(PythonText.isSpace).map(\.value), document.pythonSpaces)
        XCTAssertEqual(allScalars().filter(PythonText.isRegexWhitespace).map(\.value), document.regexWhitespace)
    }

    func testOnlyTheReferencesUnmatchedCodePointsAreSkippedBySplitting() throws {
        let document = try ReferenceTokens.document.get()
        let skipped = allScalars().filter { scalar in
            !PythonText.isRegexWhitespace(scalar)
                && PieceSplitter.pieces(of: [scalar], startOfText: 1, endOfText: 2).isEmpty
        }
        XCTAssertEqual(skipped.map(\.value), document.patternSkips)
    }

    func testLongSMatchesSInContractionsAndSpecialTokens() throws {
        let document = try ReferenceTokens.document.get()
        XCTAssertEqual(document.foldsToS, [0x53, 0x73, 0x17F])
        let pieces = PieceSplitter.pieces(of: scalars("it'\u{17F} <\u{17F}tart_of_text> <start_of_text>"),
                                          startOfText: 1, endOfText: 2)
        XCTAssertEqual(pieces, [.text(scalars("it")[...]), .text(scalars("'\u{17F}")[...]),
                                .text(scalars("<\u{17F}tart_of_text>")[...]), .special(1)])
    }

    func testEntityTablesHaveTheReferenceSizes() throws {
        let document = try ReferenceTokens.document.get()
        XCTAssertEqual(HTMLEntities.named.count, document.html5EntityCount)
        XCTAssertEqual(HTMLEntities.ftfyNames.count, document.ftfyEntityCount)
    }

    func testPythonLowerAppliesFinalSigmaAndFullMappings() {
        XCTAssertEqual(string(PythonText.lower(scalars("ΟΔΟΣ ΣΑΣ. Σ"))), "οδος σας. σ")
        XCTAssertEqual(string(PythonText.lower(scalars("İ"))).unicodeScalars.map(\.value), [0x69, 0x307])
        XCTAssertEqual(string(PythonText.upper(scalars("ß"))), "SS")
    }

    func testPunctuationRunsSwallowALaterSpecialToken() {
        let pieces = PieceSplitter.pieces(of: scalars("!<start_of_text>"), startOfText: 1, endOfText: 2)
        XCTAssertEqual(pieces.count, 7)   // "!<", "start", "_", "of", "_", "text", ">"
        XCTAssertEqual(pieces.first, .text(scalars("!<")[...]))
    }

    func testFtfySegmentsWithAnAngleBracketKeepTheirEntitiesForHTMLUnescape() {
        // ftfy leaves "&ldquo;" alone after a '<' (in this and later lines), so the quote is decoded by
        // html.unescape after ftfy and stays curly; on an earlier line ftfy decodes and uncurls it.
        XCTAssertEqual(string(TextCleaner.clean("&ldquo;a&rdquo;\n<b> &ldquo;c&rdquo;")), "\"a\" <b> \u{201C}c\u{201D}")
    }
}
