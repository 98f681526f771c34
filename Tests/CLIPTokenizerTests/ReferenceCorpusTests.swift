@testable import CLIPTokenizer
import Foundation
import XCTest

/// Every string of the reference corpus gives exactly open_clip_torch's ids (and cleaned text and decoding).
final class ReferenceCorpusTests: XCTestCase {
    func testFixtureHoldsTheWholeCorpusAndItsProvenance() throws {
        let document = try ReferenceTokens.document.get()
        XCTAssertEqual(document.cases.count, 604, "regenerate with Tools/fixtures/clip_tokenizer.py and update the count")
        let categories = Set(document.cases.map(\.category))
        for category in ["ascii", "daclip", "punctuation", "numbers", "contractions", "case", "unicode_letters", "cjk",
                         "emoji", "html", "mojibake", "quotes", "ligatures", "width", "whitespace", "control",
                         "special", "long", "random"] {
            XCTAssertTrue(categories.contains(category), "no \(category) cases")
        }
        XCTAssertEqual(document.versions["open_clip_torch"], "2.20.0")
        XCTAssertNotNil(document.versions["ftfy"])
        XCTAssertNotNil(document.versions["regex"])
        XCTAssertTrue(document.cases.contains { $0.encode.count > 75 }, "no text longer than the context")
        XCTAssertTrue(document.cases.contains { $0.text.isEmpty }, "no empty text")
    }

    func testCleanedTextMatchesTheReference() throws {
        let document = try ReferenceTokens.document.get()
        var failures = 0
        for item in document.cases {
            let cleaned = String(String.UnicodeScalarView(TextCleaner.clean(item.text)))
            if !cleaned.unicodeScalars.elementsEqual(item.cleaned.unicodeScalars) {
                failures += 1
                XCTFail("[\(item.category)] \(ReferenceTokens.codePoints(item.text)): cleaned to "
                    + "\(ReferenceTokens.codePoints(cleaned)), reference \(ReferenceTokens.codePoints(item.cleaned))")
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testEncodeMatchesTheReferenceExactly() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        let document = try ReferenceTokens.document.get()
        var matched = 0
        for item in document.cases {
            let ids = tokenizer.encode(item.text)
            XCTAssertEqual(ids, item.encode, "[\(item.category)] \(ReferenceTokens.codePoints(item.text))")
            if ids == item.encode { matched += 1 }
        }
        XCTAssertEqual(matched, document.cases.count)
    }

    func testTokenizeMatchesTheReferenceRowByRow() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        let document = try ReferenceTokens.document.get()
        let rows = tokenizer.tokenize(document.cases.map(\.text), contextLength: document.contextLength)
        XCTAssertEqual(rows.count, document.cases.count)
        for (row, item) in zip(rows, document.cases) {
            XCTAssertEqual(row, item.tokenize, "[\(item.category)] \(ReferenceTokens.codePoints(item.text))")
        }
    }

    func testDecodeMatchesTheReference() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        let document = try ReferenceTokens.document.get()
        for item in document.cases {
            let decoded = tokenizer.decode(item.encode)
            XCTAssertTrue(decoded.unicodeScalars.elementsEqual(item.decoded.unicodeScalars),
                          "[\(item.category)] \(ReferenceTokens.codePoints(item.text)): decoded "
                          + "\(ReferenceTokens.codePoints(decoded)), reference \(ReferenceTokens.codePoints(item.decoded))")
        }
    }
}
