import Foundation
import SSPIR
import TestSupport
import WildTensor
import XCTest

/// Token rows and the chunked encoding against a Python reimplementation of `get_text_index` and
/// `get_unweighted_text_embeddings` (`Tests/Fixtures/sspir_priors/text.{json,safetensors}`) with a dummy encoder.
final class ChunkedTextTokensTests: XCTestCase {
    private struct Case: Decodable {
        let name: String
        let prompts: [[Int]]
        let rows: [[Int]]
    }

    private func cases() throws -> [Case] {
        struct File: Decodable { let cases: [Case] }
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("sspir_priors", "text.json")))
        return try JSONDecoder().decode(File.self, from: data).cases
    }

    /// The generator's dummy encoder: h_p = E[id mod 97] + P[p], output_p = mean(h_0 … h_p) (causal, so both the
    /// position inside a window and the BOS/EOS replacement change the result).
    private func dummyEncoder(_ fixture: PriorFixture) throws -> ([[Int]]) -> Tensor {
        let (tableShape, table) = try fixture.array("E"), (_, positions) = try fixture.array("P")
        let vocabulary = tableShape[0], width = tableShape[1]
        return { batch in
            let length = batch.first?.count ?? 0
            var out = [Float](repeating: 0, count: batch.count * length * width)
            for (b, ids) in batch.enumerated() {
                var running = [Double](repeating: 0, count: width)
                for (p, id) in ids.enumerated() {
                    for d in 0..<width {
                        running[d] += table[(id % vocabulary) * width + d] + positions[p * width + d]
                        out[(b * length + p) * width + d] = Float(running[d] / Double(p + 1))
                    }
                }
            }
            return Tensor(shape: [batch.count, length, width], values: out)
        }
    }

    /// k = 1, 2, 3, 4, an empty caption and an over-long one (cut at 300 ids): rows and embeddings as in Python.
    func testRowsAndChunkedEmbeddingsMatchThePythonReference() throws {
        let fixture = try PriorFixture("text.safetensors")
        let encoder = try dummyEncoder(fixture)
        let all = try cases()
        XCTAssertEqual(all.count, 9, "every case sspir_priors.py writes")
        var lengths = Set<Int>()
        for test in all {
            let rows = try ChunkedTextTokens.rows(test.prompts)
            XCTAssertEqual(rows, test.rows, test.name)
            lengths.insert(rows[0].count)
            var calls = 0
            let embedding = try ChunkedTextTokens.encode(rows) { batch in calls += 1; return encoder(batch) }
            XCTAssertEqual(calls, (rows[0].count - 2) / 75, test.name)
            let expected = try fixture.array("embedding.\(test.name)")
            XCTAssertEqual(embedding.shape, expected.shape, test.name)
            if embedding.shape == expected.shape {
                XCTAssertLessThanOrEqual(relativeError(embedding.values, expected.values), 1e-6, test.name)
            }
        }
        XCTAssertEqual(lengths, [77, 152, 227, 302])
    }

    func testChunkCountFollowsTheOfficialRounding() {
        XCTAssertEqual([0, 1, 75, 76, 150, 151, 300, 301, 1000].map { ChunkedTextTokens.chunkCount(forLongest: $0) }, [1, 1, 1, 2, 2, 3, 4, 4, 4])
    }

    func testBadBatchesAreTypedErrors() {
        XCTAssertThrowsError(try ChunkedTextTokens.rows([])) { XCTAssertTrue($0 is SSPIRError) }
        let encoder: ([[Int]]) -> Tensor = { Tensor.zeros([$0.count, 77, 2]) }
        XCTAssertThrowsError(try ChunkedTextTokens.encode([Array(repeating: 1, count: 77), Array(repeating: 1, count: 152)], encoder: encoder))
        XCTAssertThrowsError(try ChunkedTextTokens.encode([Array(repeating: 1, count: 100)], encoder: encoder))
        XCTAssertThrowsError(try ChunkedTextTokens.encode([Array(repeating: 1, count: 152)]) { Tensor.zeros([$0.count, 76, 2]) }) {
            XCTAssertTrue($0 is SSPIRError)
        }
    }
}
