import CLIPMetrics
import CLIPTokenizer
import DACLIP
import Foundation
import Imaging
import TestSupport
import XCTest

/// CLIP-I and CLIP-IQA against the official DACLIP-IR code's OpenCLIP towers run in float64 on a tiny random CLIP
/// (`Tools/fixtures/clip_scores.py`, `Tests/Fixtures/clip_scores`): the embeddings, both scores per photo, and the
/// loader's routes (a plain OpenCLIP file; a DA-CLIP file's `clip`). The tiny towers' widths are not multiples of 64,
/// so their configuration is given (OpenCLIP JSON) rather than read from the shapes.
final class CLIPScoresParityTests: XCTestCase {
    struct Scores: Decodable {
        let photos: [String]
        let pairs: [[String]]
        let prompts: [String: [String]]
        let clip_i: [Double]
        let clipiqa: [String: [Double]]
        let embeddings: [String: [Double]]
    }

    static let folder = "clip_scores"
    static let tolerance = 1e-5

    func scores() throws -> Scores {
        try JSONDecoder().decode(Scores.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path(Self.folder, "scores.json"))))
    }

    static func configuration(_ folder: String, _ name: String) throws -> CLIPConfiguration {
        try CLIPConfiguration(nameOrJSON: Fixtures.path(folder, name))
    }

    func embedder() throws -> CLIPEmbedder {
        CLIPEmbedder(model: try CLIPModel.load(contentsOf: URL(fileURLWithPath: Fixtures.path(Self.folder, "openclip_tiny224.pt")),
                                               configuration: try Self.configuration(Self.folder, "openclip_tiny224.json")))
    }

    func photo(_ name: String) throws -> Image { try Image(contentsOf: Fixtures.path("images", name + ".png")) }

    static var tokenizer: CLIPTokenizer {
        get throws {
            try CLIPTokenizer(vocabularyURL: Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("models/clip/bpe_simple_vocab_16e6.txt.gz"))
        }
    }

    func testEmbeddingsMatchOpenCLIP() throws {
        let expected = try scores()
        let embedder = try embedder()
        for name in expected.photos {
            let e = try embedder.embedding(try photo(name))
            let reference = try XCTUnwrap(expected.embeddings[name])
            XCTAssertEqual(e.count, reference.count)
            let worst = zip(e, reference).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(worst, Self.tolerance, name)
        }
    }

    func testOneBatchOfEveryPhotoGivesEachPhotosEmbedding() throws {
        let expected = try scores()
        // Photos of different sizes in one batch, as the evaluator encodes them.
        let batch = try embedder().embeddings(try expected.photos.map(photo))
        XCTAssertEqual(batch.count, expected.photos.count)
        for (name, e) in zip(expected.photos, batch) {
            let reference = try XCTUnwrap(expected.embeddings[name])
            XCTAssertLessThanOrEqual(zip(e, reference).map { abs($0 - $1) }.max() ?? .infinity, Self.tolerance, name)
        }
        XCTAssertThrowsError(try embedder().embeddings([]))
    }

    func testCLIPIMatchesTheReferenceOnEveryPair() throws {
        let expected = try scores()
        let metric = CLIPImageSimilarity(embedder: try embedder())
        XCTAssertTrue(metric.higherIsBetter)
        for (pair, value) in zip(expected.pairs, expected.clip_i) {
            let score = try metric.evaluate(restored: try photo(pair[0]), reference: try photo(pair[1]))
            XCTAssertEqual(score, value, accuracy: Self.tolerance, "\(pair)")
        }
        // The pairs differ enough that a wrong embedding would show.
        XCTAssertGreaterThan((expected.clip_i.max() ?? 0) - (expected.clip_i.min() ?? 0), 0.3)
    }

    func testCLIPIQAMatchesTheReferenceWithEveryPromptSet() throws {
        let expected = try scores()
        XCTAssertEqual(Set(expected.clipiqa.keys), Set(CLIPIQA.PromptSet.allCases.map(\.rawValue)))
        let embedder = try embedder()
        for set in CLIPIQA.PromptSet.allCases {
            XCTAssertEqual(set.pairs.flatMap { [$0.positive, $0.negative] }, expected.prompts[set.rawValue], set.rawValue)
            let metric = try CLIPIQA(embedder: embedder, tokenizer: try Self.tokenizer, prompts: set.pairs)
            XCTAssertEqual(metric.logitScale, Foundation.exp(3.0), accuracy: 1e-3)  // the fixture's float16 logit_scale
            let values = try XCTUnwrap(expected.clipiqa[set.rawValue])
            for (name, value) in zip(expected.photos, values) {
                XCTAssertEqual(try metric.evaluate(try photo(name)), value, accuracy: Self.tolerance, "\(set.rawValue) \(name)")
            }
            XCTAssertGreaterThan((values.max() ?? 0) - (values.min() ?? 0), 0.03, set.rawValue)
        }
    }

    func testADACLIPCheckpointGivesItsFrozenCLIP() throws {
        let url = URL(fileURLWithPath: Fixtures.path("daclip_inference", "daclip_tiny224.pt"))
        let configuration = try Self.configuration("daclip_inference", "daclip_tiny224.json")
        let clip = try CLIPModel.load(contentsOf: url, configuration: configuration)
        let daclip = try DACLIPModel(contentsOf: url, configuration: configuration)
        XCTAssertEqual(clip.configuration, daclip.configuration)
        let image = try photo("rocket")
        let pixels = try CLIPPreprocessing(for: daclip).tensor([image])
        let plain = try daclip.encodeImage(pixels, control: false).content.withUnsafeBufferPointer { $0.map(Double.init) }
        let embedded = try CLIPEmbedder(model: clip).embedding(image)
        let norm = plain.reduce(0) { $0 + $1 * $1 }.squareRoot()
        XCTAssertEqual(embedded, plain.map { $0 / norm })
    }

    func testBadCheckpointsAreRefusedWithTheirKeys() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("clip-scores-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("partial.pt")
        // A state dict without the text tower: the shapes cannot say the configuration.
        try TorchSaveWriter.write([(name: "visual.conv1.weight", shape: [16, 3, 14, 14], values: [Float](repeating: 0.1, count: 16 * 3 * 14 * 14))],
                                  to: file)
        XCTAssertThrowsError(try CLIPModel.load(contentsOf: file)) { error in
            XCTAssertTrue("\(error)".contains("partial.pt"), "\(error)")
        }
        let resnet = folder.appendingPathComponent("rn50.pt")
        try TorchSaveWriter.write([(name: "visual.layer1.0.conv1.weight", shape: [1], values: [0])], to: resnet)
        XCTAssertThrowsError(try CLIPModel.load(contentsOf: resnet)) { error in
            XCTAssertTrue("\(error)".contains("ResNet"), "\(error)")
        }
    }
}
