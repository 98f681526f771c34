import CLIPTokenizer
import XCTest

/// `decode` inverts `encode` on text the cleaning leaves alone, up to the space each word ends with.
final class DecodeTests: XCTestCase {
    func testPlainTextRoundTrips() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        let texts = ["a photo of a cat", "an image with blur, noise, jpeg block", "motion-blurry raindrop",
                     "it's 42 degrees!", "naïve café", "東京タワー", "emoji 😀 ok", "snake_case and c++"]
        for text in texts {
            let decoded = tokenizer.decode(tokenizer.encode(text))
            // Every piece ends a word, so spaces appear after each; removing them all compares the characters.
            XCTAssertEqual(decoded.filter { $0 != " " }, text.filter { $0 != " " }, text)
            XCTAssertTrue(decoded.hasSuffix(" "), decoded)
        }
        XCTAssertEqual(tokenizer.decode(tokenizer.encode("a photo of a cat")), "a photo of a cat ")
    }

    func testDecodeSkipsIdsOutsideTheVocabulary() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        let ids = tokenizer.encode("cat")
        XCTAssertEqual(tokenizer.decode([-1] + ids + [tokenizer.vocabularySize, Int.max]), tokenizer.decode(ids))
        XCTAssertEqual(tokenizer.decode([]), "")
    }

    func testBrokenUTF8DecodesToReplacementCharacters() throws {
        let tokenizer = try ReferenceTokens.tokenizer()
        // Byte 0xC3 alone (the first byte of "é"): its id is its place among the byte characters, after
        // '!'...'~' (94) and '¡'...'¬' (12) in the range '®'...'ÿ'.
        let byteC3 = 94 + 12 + (0xC3 - 0xAE)
        XCTAssertEqual(tokenizer.decode([byteC3]), "\u{FFFD}")
        XCTAssertEqual(tokenizer.decode([byteC3] + tokenizer.encode("a")), "\u{FFFD}a ")
    }
}
