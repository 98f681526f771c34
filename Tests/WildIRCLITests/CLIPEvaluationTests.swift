import CLIPMetrics
import CLIPTokenizer
import DACLIP
import Foundation
import TestSupport
import WildIR
import XCTest

/// The evaluator's batched CLIP pass (`Evaluator.clipScores`): CLIP-I and CLIP-IQA over batches that do not divide the
/// pairs, beside a per-pair metric, against the scores of `Tests/Fixtures/clip_scores` (the official towers on a tiny
/// random CLIP, `Tools/fixtures/clip_scores.py`), with progress counted over both passes.
final class CLIPEvaluationTests: XCTestCase {
    struct Expected: Decodable {
        let photos: [String]
        let pairs: [[String]]
        let clip_i: [Double]
        let clipiqa: [String: [Double]]
    }

    let tolerance = 1e-5

    func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("clip_scores", "scores.json"))))
    }

    func clip(_ metrics: [MetricName]) throws -> CLIPScores {
        let vocabulary = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/clip/bpe_simple_vocab_16e6.txt.gz")
        return try CLIPScores.load(for: metrics, clip: URL(fileURLWithPath: Fixtures.path("clip_scores", "openclip_tiny224.pt")),
                                   configuration: try CLIPConfiguration(nameOrJSON: Fixtures.path("clip_scores", "openclip_tiny224.json")),
                                   prompts: .original) { try CLIPTokenizer(vocabularyURL: vocabulary) }
    }

    /// A folder per side with the fixture's pairs as p0, p1, … (restored and reference of different sizes).
    func pairFolders(_ pairs: [[String]]) throws -> (restored: String, reference: String) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("clip-evaluation-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let restored = root.appendingPathComponent("restored"), reference = root.appendingPathComponent("reference")
        for folder in [restored, reference] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        for (index, pair) in pairs.enumerated() {
            try FileManager.default.copyItem(atPath: Fixtures.path("images", pair[0] + ".png"), toPath: restored.appendingPathComponent("p\(index).png").path)
            try FileManager.default.copyItem(atPath: Fixtures.path("images", pair[1] + ".png"), toPath: reference.appendingPathComponent("p\(index).png").path)
        }
        return (restored.path, reference.path)
    }

    func testBatchesThatDoNotDivideThePairsGiveTheReferenceScores() throws {
        let expected = try expected()
        let folders = try pairFolders(expected.pairs)
        for batch in [1, 3, 8] {
            let evaluator = Evaluator(options: Evaluator.Options(metrics: [.clipI, .clipiqa], clip: try clip([.clipI, .clipiqa]),
                                                                 featureBatchSize: batch))
            var calls: [(Int, Int)] = []
            let report = try evaluator.evaluate(restoredDirectory: folders.restored, referenceDirectory: folders.reference) {
                calls.append(($0, $1))
            }
            XCTAssertEqual(report.scores.map(\.name), expected.pairs.indices.map { "p\($0)" })
            for (index, score) in report.scores.enumerated() {
                XCTAssertEqual(try XCTUnwrap(score.values[.clipI]), expected.clip_i[index], accuracy: tolerance, "batch \(batch), p\(index)")
                let photo = try XCTUnwrap(expected.photos.firstIndex(of: expected.pairs[index][0]))
                let quality = try XCTUnwrap(expected.clipiqa["original"]?[photo])
                XCTAssertEqual(try XCTUnwrap(score.values[.clipiqa]), quality, accuracy: tolerance, "batch \(batch), p\(index)")
            }
            // One pass over the pairs (CLIP only), reported after every batch.
            let count = expected.pairs.count
            XCTAssertEqual(calls.map(\.1), Array(repeating: count, count: calls.count), "batch \(batch)")
            XCTAssertEqual(calls.map(\.0), Array(stride(from: batch, to: count, by: batch)) + [count], "batch \(batch)")
        }
    }

    func testCLIPBesideAPerPairMetricMergesBothAndCountsTwoPasses() throws {
        let expected = try expected()
        // Each photo against itself: PSNR is infinite and CLIP-I is 1, whatever the batch.
        let folders = try pairFolders(expected.photos.map { [$0, $0] })
        let evaluator = Evaluator(options: Evaluator.Options(metrics: [.psnr, .clipiqa, .clipI],
                                                             clip: try clip([.clipI, .clipiqa]), featureBatchSize: 4))
        var calls: [(Int, Int)] = []
        let report = try evaluator.evaluate(restoredDirectory: folders.restored, referenceDirectory: folders.reference) {
            calls.append(($0, $1))
        }
        XCTAssertEqual(report.scores.count, expected.photos.count)
        for (index, score) in report.scores.enumerated() {
            XCTAssertEqual(score.psnr, .infinity)
            XCTAssertEqual(try XCTUnwrap(score.values[.clipI]), 1, accuracy: tolerance)
            XCTAssertEqual(try XCTUnwrap(score.values[.clipiqa]), try XCTUnwrap(expected.clipiqa["original"]?[index]), accuracy: tolerance)
        }
        let total = 2 * expected.photos.count
        XCTAssertEqual(calls.last?.0, total)
        XCTAssertTrue(calls.allSatisfy { $0.1 == total })
        XCTAssertEqual(calls.map(\.0), calls.map(\.0).sorted(), "progress never goes back")
    }

    func testCLIPIQAWithoutReferencesScoresTheRestoredFolderAlone() throws {
        let expected = try expected()
        let folders = try pairFolders(expected.photos.map { [$0, $0] })
        let evaluator = Evaluator(options: Evaluator.Options(metrics: [.clipiqa], clip: try clip([.clipiqa]), featureBatchSize: 4))
        let report = try evaluator.evaluate(restoredDirectory: folders.restored, referenceDirectory: nil)
        let values = try XCTUnwrap(expected.clipiqa["original"])
        XCTAssertEqual(report.scores.count, values.count)
        for (score, value) in zip(report.scores, values) {
            XCTAssertNil(score.referencePath)
            XCTAssertEqual(try XCTUnwrap(score.values[.clipiqa]), value, accuracy: tolerance, score.name)
        }
    }

    func testAnUnreadableImageIsNamedAndNothingIsScored() throws {
        let expected = try expected()
        let folders = try pairFolders(Array(expected.pairs.prefix(3)))
        try Data("not a png".utf8).write(to: URL(fileURLWithPath: folders.reference).appendingPathComponent("p1.png"))
        let evaluator = Evaluator(options: Evaluator.Options(metrics: [.clipI], clip: try clip([.clipI]), featureBatchSize: 2))
        XCTAssertThrowsError(try evaluator.evaluate(restoredDirectory: folders.restored, referenceDirectory: folders.reference)) { error in
            guard case .unreadableImage = error as? EvaluationError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("p1.png"), "\(error)")
        }
    }
}
