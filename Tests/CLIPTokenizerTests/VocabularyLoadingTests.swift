@testable import CLIPTokenizer
import Foundation
import XCTest

/// Loading the vocabulary: the shipped file works; every kind of bad input gives a typed error naming the problem.
final class VocabularyLoadingTests: XCTestCase {
    func thrownError(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> CLIPTokenizerError? {
        do {
            _ = try body()
            XCTFail("no error", file: file, line: line)
        } catch let error as CLIPTokenizerError {
            return error
        } catch {
            XCTFail("untyped error \(error)", file: file, line: line)
        }
        return nil
    }

    func shippedGzip() throws -> Data { try Data(contentsOf: ReferenceTokens.vocabularyURL) }

    func testShippedVocabularyIsTheOpenAIFile() throws {
        let data = try shippedGzip()
        XCTAssertEqual(data.count, 1_356_917)
        let text = try GzipInflater.inflate(data, limit: CLIPTokenizer.maximumVocabularyBytes, source: "shipped")
        let firstLine = String(decoding: text.prefix { $0 != 0x0A }, as: UTF8.self)
        XCTAssertTrue(firstLine.hasPrefix("\"bpe_simple_vocab_16e6.txt#version"), firstLine)
        XCTAssertNoThrow(try ReferenceTokens.tokenizer())
    }

    func testInMemoryVocabularyGzippedOrPlainGivesTheSameIds() throws {
        let data = try shippedGzip()
        let plain = try GzipInflater.inflate(data, limit: CLIPTokenizer.maximumVocabularyBytes, source: "shipped")
        let fromGzip = try CLIPTokenizer(vocabulary: data, gzipped: true)
        let fromText = try CLIPTokenizer(vocabulary: plain, gzipped: false)
        let text = "a motion-blurry photo of a raindrop"
        XCTAssertEqual(fromGzip.encode(text), try ReferenceTokens.tokenizer().encode(text))
        XCTAssertEqual(fromText.encode(text), fromGzip.encode(text))
    }

    func testMissingFileIsReportedWithItsPath() {
        let url = URL(fileURLWithPath: "/nonexistent/clip/bpe_simple_vocab_16e6.txt.gz")
        guard case let .vocabularyNotFound(path)? = thrownError({ try CLIPTokenizer(vocabularyURL: url) }) else {
            return XCTFail("not vocabularyNotFound")
        }
        XCTAssertEqual(path, url.path)
        XCTAssertTrue(CLIPTokenizerError.vocabularyNotFound(path: path).description.contains("models/clip"))
    }

    func testTruncatedGzipIsReportedAsTruncated() throws {
        let data = try shippedGzip()
        for length in [data.count - 1, data.count - 8, data.count / 2, 20] {
            let error = thrownError { try CLIPTokenizer(vocabulary: data.prefix(length), gzipped: true) }
            guard case .truncatedGzip? = error else { return XCTFail("cut at \(length): \(String(describing: error))") }
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("clip-truncated-\(UUID().uuidString).gz")
        try data.prefix(data.count / 3).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        guard case let .truncatedGzip(source)? = thrownError({ try CLIPTokenizer(vocabularyURL: file) }) else {
            return XCTFail("not truncatedGzip")
        }
        XCTAssertEqual(source, file.path)
    }

    func testDataThatIsNotGzipOrIsDamagedIsRefused() throws {
        guard case .notGzip? = thrownError({ try CLIPTokenizer(vocabulary: Data("plain text".utf8), gzipped: true) }) else {
            return XCTFail("not notGzip")
        }
        guard case .notGzip? = thrownError({ try CLIPTokenizer(vocabulary: Data(), gzipped: true) }) else {
            return XCTFail("empty data: not notGzip")
        }
        var damaged = try shippedGzip()
        for offset in stride(from: 1_000, to: 1_200, by: 1) { damaged[offset] ^= 0x5A }
        guard case .corruptGzip? = thrownError({ try CLIPTokenizer(vocabulary: damaged, gzipped: true) }) else {
            return XCTFail("flipped bytes: not corruptGzip")
        }
        let trailing = try shippedGzip() + Data("junk".utf8)
        guard case let .corruptGzip(_, reason)? = thrownError({ try CLIPTokenizer(vocabulary: trailing, gzipped: true) }) else {
            return XCTFail("trailing bytes: not corruptGzip")
        }
        XCTAssertTrue(reason.contains("4 stray bytes"), reason)
    }

    func testConcatenatedGzipMembersAreReadAsOne() throws {
        // Python's gzip reads every member; the second copy only adds lines after the merges OpenCLIP reads.
        let data = try shippedGzip()
        let twice = try CLIPTokenizer(vocabulary: data + data, gzipped: true)
        XCTAssertEqual(twice.encode("rainy and hazy"), try ReferenceTokens.tokenizer().encode("rainy and hazy"))
    }

    func testInflatingStopsAtTheSizeLimit() throws {
        let data = try shippedGzip()
        guard case let .vocabularyTooLarge(_, limit)? = thrownError({
            try GzipInflater.inflate(data, limit: 1 << 20, source: "bomb")
        }) else {
            return XCTFail("not vocabularyTooLarge")
        }
        XCTAssertEqual(limit, 1 << 20)
    }

    func testOversizedFileIsRefusedBeforeReading() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("clip-huge-\(UUID().uuidString).gz")
        XCTAssertTrue(FileManager.default.createFile(atPath: file.path, contents: Data(GzipInflater.signature)))
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: UInt64(CLIPTokenizer.maximumVocabularyBytes) + 1)   // sparse: no disk used
        try handle.close()
        guard case let .vocabularyTooLarge(source, _)? = thrownError({ try CLIPTokenizer(vocabularyURL: file) }) else {
            return XCTFail("not vocabularyTooLarge")
        }
        XCTAssertEqual(source, file.path)
    }

    func testTooFewMergesAreCountedInTheError() throws {
        let plain = try GzipInflater.inflate(try shippedGzip(), limit: CLIPTokenizer.maximumVocabularyBytes, source: "shipped")
        let lines = plain.split(separator: 0x0A, omittingEmptySubsequences: false)
        let short = Data(lines.prefix(1 + 1_000).joined(separator: [0x0A]))
        guard case let .tooFewMerges(_, found, expected)? = thrownError({
            try CLIPTokenizer(vocabulary: short, gzipped: false)
        }) else {
            return XCTFail("not tooFewMerges")
        }
        XCTAssertEqual(found, 1_000)
        XCTAssertEqual(expected, 48_894)
        guard case .tooFewMerges(_, 0, _)? = thrownError({ try CLIPTokenizer(vocabulary: Data(), gzipped: false) }) else {
            return XCTFail("empty text: not tooFewMerges")
        }
    }

    func testMalformedMergeLinesAreReportedByLineNumber() throws {
        let plain = try GzipInflater.inflate(try shippedGzip(), limit: CLIPTokenizer.maximumVocabularyBytes, source: "shipped")
        var lines = plain.split(separator: 0x0A, omittingEmptySubsequences: false).map { Data($0) }
        lines[5] = Data("only-one-symbol".utf8)
        guard case let .malformedMerge(_, line, text)? = thrownError({
            try CLIPTokenizer(vocabulary: Data(lines.joined(separator: [0x0A])), gzipped: false)
        }) else {
            return XCTFail("not malformedMerge")
        }
        XCTAssertEqual(line, 6)
        XCTAssertEqual(text, "only-one-symbol")
        lines[5] = Data("a \u{4E2D}".utf8)   // a character outside the 256 byte characters
        guard case .malformedMerge(_, 6, _)? = thrownError({
            try CLIPTokenizer(vocabulary: Data(lines.joined(separator: [0x0A])), gzipped: false)
        }) else {
            return XCTFail("foreign character: not malformedMerge")
        }
    }

    func testTextThatIsNotUTF8IsRefused() throws {
        let plain = try GzipInflater.inflate(try shippedGzip(), limit: CLIPTokenizer.maximumVocabularyBytes, source: "shipped")
        var broken = plain
        broken[broken.startIndex + 40] = 0xFF
        guard case .notUTF8? = thrownError({ try CLIPTokenizer(vocabulary: broken, gzipped: false) }) else {
            return XCTFail("not notUTF8")
        }
    }

    func testEveryErrorDescriptionNamesItsSource() {
        let errors: [CLIPTokenizerError] = [
            .vocabularyNotFound(path: "/x/v.gz"), .unreadableVocabulary(path: "/x/v.gz", reason: "denied"),
            .vocabularyTooLarge(source: "/x/v.gz", limit: 10), .notGzip(source: "/x/v.gz"),
            .truncatedGzip(source: "/x/v.gz"), .corruptGzip(source: "/x/v.gz", reason: "bad"),
            .notUTF8(source: "/x/v.gz"), .tooFewMerges(source: "/x/v.gz", found: 1, expected: 2),
            .malformedMerge(source: "/x/v.gz", line: 3, text: "abc"),
        ]
        for error in errors { XCTAssertTrue(error.description.hasPrefix("/x/v.gz: "), error.description) }
    }
}
