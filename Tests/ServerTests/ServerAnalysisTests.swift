import CLIPTokenizer
import DACLIP
import Foundation
import Imaging
import Restoration
import Server
import TestSupport
import XCTest

/// `wildir serve --daclip`: every job carries DA-CLIP's zero-shot degradation scores of its input, the same numbers
/// `wildir analyze` computes; without `--daclip` jobs carry none.
final class ServerAnalysisTests: ServerTestCase {
    func testWithDACLIPEachJobCarriesTheDegradationScoresOfItsInput() async throws {
        let analysis = try TinyDACLIP.analysis()
        let server = try await TestServer(data: data, served: ServedModel(model: .tiny(steps: 4), analysis: analysis, name: "tiny"))
        let models = try await server.request("GET", "/v1/models")
        let model = try XCTUnwrap((models.json["models"] as? [[String: Any]])?.first)
        XCTAssertEqual(model["degradationLabels"] as? [String], TinyDACLIP.labels)
        let photo = try TinyDACLIP.photo()
        let id = try await server.submitJob(photo)
        let job = try await server.waitForJob(id)
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job)")
        let scores = try XCTUnwrap(job["degradations"] as? [[String: Any]], "\(job)")
        XCTAssertEqual(scores.compactMap { $0["label"] as? String }, TinyDACLIP.labels)
        let expected = try analysis.analyse(try ImageCodec.decode([UInt8](photo)))
        for (score, reference) in zip(scores, expected) {
            XCTAssertEqual(try XCTUnwrap(score["probability"] as? Double), reference.probability, accuracy: 1e-12, reference.label)
            XCTAssertEqual(try XCTUnwrap(score["similarity"] as? Double), reference.similarity, accuracy: 1e-12, reference.label)
        }
        let total = scores.compactMap { $0["probability"] as? Double }.reduce(0, +)
        XCTAssertEqual(total, 1, accuracy: 1e-9)
        // The list and the event stream carry them too; the API description says so.
        let list = try await server.request("GET", "/v1/jobs")
        XCTAssertEqual(((list.json["jobs"] as? [[String: Any]])?.first?["degradations"] as? [Any])?.count, TinyDACLIP.labels.count)
        let events = String(decoding: try await server.request("GET", "/v1/jobs/\(id)/events").body, as: UTF8.self)
        XCTAssertTrue(events.contains("\"degradations\":[{\"label\":\"\(TinyDACLIP.labels[0])\""), events)
        let openAPI = try await server.request("GET", "/openapi.json").json
        let schemas = (openAPI["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let jobProperties = ((schemas?["Job"] as? [String: Any])?["properties"] as? [String: Any]) ?? [:]
        XCTAssertNotNil(jobProperties["degradations"])
        XCTAssertNotNil(schemas?["DegradationScore"])
        await server.stop()
    }

    func testWithoutDACLIPJobsCarryNoDegradationScores() async throws {
        let server = try await TestServer(data: data)
        let models = try await server.request("GET", "/v1/models")
        XCTAssertNil((models.json["models"] as? [[String: Any]])?.first?["degradationLabels"])
        let id = try await server.submitJob(try samplePNG())
        let job = try await server.waitForJob(id)
        XCTAssertEqual(job["state"] as? String, "succeeded", "\(job)")
        XCTAssertNil(job["degradations"])
        await server.stop()
    }
}

/// The bundled tiny DA-CLIP (`models/daclip-tiny.safetensors`) and the words it was trained on, for tests that need
/// a real degradation analysis quickly.
enum TinyDACLIP {
    /// The repository's `models/` folder.
    static let models = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("models")

    /// Texts of the kind the tiny DA-CLIP was trained on (its card lists the words).
    static let labels = ["an image with no degradation", "an image with blur", "an image with noise", "an image with jpeg block",
                         "an image with ringing artifact"]

    static func analysis() throws -> DegradationAnalysis {
        let model = try DACLIPModel(contentsOf: models.appendingPathComponent("daclip-tiny.safetensors"))
        let tokenizer = try CLIPTokenizer(vocabularyURL: models.appendingPathComponent("clip/bpe_simple_vocab_16e6.txt.gz"))
        return try DegradationAnalysis(model: model, tokenizer: tokenizer, labels: labels)
    }

    /// A real photo (`Tests/Fixtures/images/chelsea.png`, 256 × 170) as PNG bytes.
    static func photo() throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("images", "chelsea.png")))
    }
}
