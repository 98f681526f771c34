import CLIPTokenizer
import XCTest

/// The framing, padding and truncation of `tokenize` (OpenCLIP tokenizer.py lines 159-188), the vocabulary size
/// and the special ids.
final class TokenizeRuleTests: XCTestCase {
    func testVocabularyHas49408IdsWithTheSpecialTokensLast() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        let document = try ReferenceTokens.document.get()
        XCTAssertEqual(tokenizer.vocabularySize, 49_408)
        XCTAssertEqual(tokenizer.vocabularySize, document.vocabularySize)
        XCTAssertEqual(CLIPTokenizer.startOfText, document.startOfText)
        XCTAssertEqual(CLIPTokenizer.endOfText, document.endOfText)
        XCTAssertEqual(CLIPTokenizer.endOfText, tokenizer.vocabularySize - 1)
        XCTAssertEqual(document.merges, 48_894)
    }

    func testLiteralSpecialTokensBecomeTheirIds() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        XCTAssertEqual(tokenizer.encode("<start_of_text>"), [CLIPTokenizer.startOfText])
        XCTAssertEqual(tokenizer.encode("<END_OF_TEXT>"), [CLIPTokenizer.endOfText])
        XCTAssertEqual(tokenizer.decode([CLIPTokenizer.startOfText, CLIPTokenizer.endOfText]), "<start_of_text><end_of_text>")
    }

    func testShortTextIsFramedAndZeroPadded() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        let ids = tokenizer.encode("an image with blur, noise, jpeg block")
        let row = try XCTUnwrap(tokenizer.tokenize(["an image with blur, noise, jpeg block"]).first)
        XCTAssertEqual(row.count, 77)
        XCTAssertEqual(Array(row.prefix(ids.count + 2)), [CLIPTokenizer.startOfText] + ids + [CLIPTokenizer.endOfText])
        XCTAssertTrue(row.dropFirst(ids.count + 2).allSatisfy { $0 == 0 })
        XCTAssertEqual(tokenizer.tokenize([""]).first.map { Array($0.prefix(3)) },
                       [CLIPTokenizer.startOfText, CLIPTokenizer.endOfText, 0])
    }

    func testTextThatFitsExactlyIsNotTruncated() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        let text = Array(repeating: "a", count: 75).joined(separator: " ")   // 75 ids: 77 with the frame
        let ids = tokenizer.encode(text)
        XCTAssertEqual(ids.count, 75)
        let row = try XCTUnwrap(tokenizer.tokenize([text]).first)
        XCTAssertEqual(row, [CLIPTokenizer.startOfText] + ids + [CLIPTokenizer.endOfText])
    }

    func testLongTextKeepsItsFirstIdsAndEndsWithEndOfText() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        let text = (0..<120).map { "word\($0 % 10)" }.joined(separator: " ")
        let ids = tokenizer.encode(text)
        XCTAssertGreaterThan(ids.count, 76)
        for contextLength in [77, 16, 2, 1] {
            let row = try XCTUnwrap(tokenizer.tokenize([text], contextLength: contextLength).first)
            XCTAssertEqual(row.count, contextLength)
            XCTAssertEqual(row.last, CLIPTokenizer.endOfText)
            if contextLength >= 2 {
                XCTAssertEqual(Array(row.dropLast()), Array(([CLIPTokenizer.startOfText] + ids).prefix(contextLength - 1)))
            }
        }
    }

    func testOneRowPerTextInOrder() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        let texts = ["hazy", "a snowy photo", "", "low-light"]
        let rows = tokenizer.tokenize(texts, contextLength: 10)
        XCTAssertEqual(rows.count, 4)
        for (row, text) in zip(rows, texts) {
            XCTAssertEqual(row, tokenizer.tokenize([text], contextLength: 10).first)
        }
        XCTAssertEqual(tokenizer.tokenize([]), [])
    }
}
