import Foundation
import TestSupport
import WildIR
import XCTest

/// `wildir evaluate --metrics clip-i,clipiqa --clip FILE`: the scores of `Tests/Fixtures/clip_scores` (the official
/// towers on a tiny random CLIP, `Tools/fixtures/clip_scores.py`) through the command, and the refusal without weights.
final class CLIPMetricsCommandTests: CLITestCase {
    struct Expected: Decodable {
        let pairs: [[String]]
        let clip_i: [Double]
        let photos: [String]
        let clipiqa: [String: [Double]]
    }

    func testCLIPIAndCLIPIQAThroughTheCommandEqualTheReference() throws {
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("clip_scores", "scores.json"))))
        let root = try folder()
        let restored = root.appendingPathComponent("restored"), reference = root.appendingPathComponent("reference")
        for folder in [restored, reference] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        // Three of the fixture's pairs, named p0…p2; the reference photos have other sizes than the restored ones.
        let pairs = Array(zip(expected.pairs, expected.clip_i).prefix(3))
        for (index, (pair, _)) in pairs.enumerated() {
            try FileManager.default.copyItem(atPath: Fixtures.path("images", pair[0] + ".png"), toPath: restored.appendingPathComponent("p\(index).png").path)
            try FileManager.default.copyItem(atPath: Fixtures.path("images", pair[1] + ".png"), toPath: reference.appendingPathComponent("p\(index).png").path)
        }
        let run = try self.run(["evaluate", "--restored", restored.path, "--reference", reference.path, "--metrics", "clip-i,clipiqa",
                                "--clip", Fixtures.path("clip_scores", "openclip_tiny224.pt"),
                                "--clip-config", Fixtures.path("clip_scores", "openclip_tiny224.json"), "--clipiqa-prompts", "original",
                                "--format", "json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let images = try XCTUnwrap(object["images"] as? [[String: Any]])
        XCTAssertEqual(images.count, 3)
        for (index, (pair, clipI)) in pairs.enumerated() {
            let entry = try XCTUnwrap(images.first { $0["name"] as? String == "p\(index)" })
            XCTAssertEqual(try XCTUnwrap(entry["clip-i"] as? Double), clipI, accuracy: 1e-5, "\(pair)")
            let quality = try XCTUnwrap(expected.clipiqa["original"]?[try XCTUnwrap(expected.photos.firstIndex(of: pair[0]))])
            XCTAssertEqual(try XCTUnwrap(entry["clipiqa"] as? Double), quality, accuracy: 1e-5, "\(pair)")
        }
    }

    func testCLIPMetricsWithoutWeightsAreRefusedSayingWhatToGive() throws {
        let images = Fixtures.path("images")
        let run = try self.run(["evaluate", "--restored", images, "--metrics", "clipiqa"])
        XCTAssertEqual(run.status, 64, run.stderr)
        XCTAssertTrue(run.stderr.contains("CLIPIQA need CLIP weights: give --clip FILE"), run.stderr)
        let broken = try folder().appendingPathComponent("clip.pt")
        try Data("not a checkpoint".utf8).write(to: broken)
        let unreadable = try self.run(["evaluate", "--restored", images, "--metrics", "clipiqa", "--clip", broken.path])
        XCTAssertEqual(unreadable.status, 1, unreadable.stderr)
        XCTAssertTrue(unreadable.stderr.contains("clip.pt"), unreadable.stderr)
    }
}
