import Checkpoints
import Foundation
import SSPIR
import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// SSP-IR's long-caption encoding with a real (tiny, random) SD text encoder against a Python rebuild of the official
/// `get_text_index` + `get_unweighted_text_embeddings` run on HF transformers' `CLIPTextModel`
/// (`Tests/Fixtures/sd_text_encoder`, from `Tools/fixtures/sd_text_encoder.py`; special ids 97/98 stand in for
/// SD's 49406/49407 in the 99-id vocabulary).
final class ChunkedTextEncoderTests: XCTestCase {
    private let special = ChunkedTextTokens.SpecialTokens(begin: 97, end: 98, padding: 98)

    func testTwoChunkPromptMatchesTheOfficialEncoding() throws {
        let reference = try EncoderReference()
        let encoder = try CLIPTextModel.load(contentsOf: URL(fileURLWithPath: Fixtures.path("sd_text_encoder", "folder")))
        let prompts = try [0, 1].map { try reference.ids("chunked.prompts.\($0)") }
        XCTAssertEqual(prompts.map(\.count), [100, 30])
        let rows = try ChunkedTextTokens.rows(prompts, special: special)
        XCTAssertEqual(rows, try reference.rows("chunked.rows"))
        let embedding = try withNoGrad { try ChunkedTextTokens.encode(rows, textEncoder: encoder) }
        let expected = try reference.array("chunked.embedding")
        XCTAssertEqual(embedding.shape, [2, 152, 32])
        XCTAssertEqual(embedding.shape, expected.shape)
        let error = relativeError(embedding.values, expected.values)
        XCTAssertLessThanOrEqual(error, 1e-5)
        print("parity chunked.embedding: relative error \(String(format: "%.2e", error))")

        // The guided pair: the empty negative prompt padded to the same two windows, first.
        let guided = try withNoGrad {
            try ChunkedTextTokens.guidedEmbedding(prompts: prompts, negativePrompts: [[], []], textEncoder: encoder, special: special)
        }
        XCTAssertEqual(guided.shape, [4, 152, 32])
        XCTAssertEqual(try ChunkedTextTokens.rows([[], []], chunks: 2, special: special), try reference.rows("chunked.negative_rows"))
        let negative = try reference.array("chunked.negative_embedding")
        XCTAssertLessThanOrEqual(relativeError(guided.sliced(axis: 0, 0..<2).values, negative.values), 1e-5)
        XCTAssertLessThanOrEqual(relativeError(guided.sliced(axis: 0, 2..<4).values, expected.values), 1e-5)
        XCTAssertThrowsError(try ChunkedTextTokens.guidedEmbedding(prompts: prompts, negativePrompts: [[]], textEncoder: encoder))
    }
}

/// `Tests/Fixtures/sd_text_encoder/reference.safetensors`: arrays (ids stored as floats) by name.
private struct EncoderReference {
    let file: SafeTensorsFile

    init() throws {
        file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Fixtures.path("sd_text_encoder", "reference.safetensors")))
    }

    func array(_ key: String) throws -> (shape: [Int], values: [Double]) {
        guard let stored = file.tensors[key] else { throw Missing(key: key) }
        return (stored.shape, stored.doubleValues())
    }

    func ids(_ key: String) throws -> [Int] { try array(key).values.map { Int($0) } }

    func rows(_ key: String) throws -> [[Int]] {
        let (shape, values) = try array(key)
        return (0..<shape[0]).map { r in values[(r * shape[1])..<((r + 1) * shape[1])].map { Int($0) } }
    }

    struct Missing: Error, CustomStringConvertible {
        let key: String
        var description: String { "the fixture has no array \(key) (re-run Tools/fixtures/sd_text_encoder.py)" }
    }
}
