import Foundation
import TestSupport
import WildIR
import XCTest

/// Dataset generation: layout, determinism across job counts, resume, bad inputs, YAML configuration.
final class DatasetDegraderTests: XCTestCase {
    func folders() throws -> (input: URL, root: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-degrade-\(UUID().uuidString)")
        let input = root.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for name in ["chelsea", "coffee", "camera"] {
            try Image(contentsOf: Fixtures.path("images", "\(name).png")).resized(width: 64, height: 48, filter: .area)
                .write(to: input.appendingPathComponent("\(name).png").path)
        }
        return (input, root)
    }

    func contents(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for sub in ["GT", "LQ"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent(sub).path) {
                out["\(sub)/\(name)"] = try Data(contentsOf: dir.appendingPathComponent(sub).appendingPathComponent(name))
            }
        }
        out["manifest"] = try Data(contentsOf: dir.appendingPathComponent("manifest.jsonl"))
        return out
    }

    func testLayoutManifestAndIdenticalResultsForOneOrTwoJobs() throws {
        let (input, root) = try folders()
        let one = root.appendingPathComponent("one"), two = root.appendingPathComponent("two")
        let s1 = try DatasetDegrader(options: .init(seed: 7, copies: 2, crop: 40, jobs: 1)).run(input: input.path, output: one.path)
        let s2 = try DatasetDegrader(options: .init(seed: 7, copies: 2, crop: 40, jobs: 2)).run(input: input.path, output: two.path)
        XCTAssertEqual(s1.written, 6)
        XCTAssertEqual(s2.written, 6)
        let a = try contents(one), b = try contents(two)
        XCTAssertEqual(a.keys.sorted(), ["GT/camera_0.png", "GT/camera_1.png", "GT/chelsea_0.png", "GT/chelsea_1.png",
                                         "GT/coffee_0.png", "GT/coffee_1.png", "LQ/camera_0.png", "LQ/camera_1.png",
                                         "LQ/chelsea_0.png", "LQ/chelsea_1.png", "LQ/coffee_0.png", "LQ/coffee_1.png", "manifest"])
        XCTAssertEqual(a, b, "outputs depend on --jobs")
        let lines = String(decoding: try XCTUnwrap(a["manifest"]), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        let first = try JSONDecoder().decode(DatasetDegrader.ManifestEntry.self, from: Data(lines[0].utf8))
        XCTAssertEqual(first.name, "camera_0.png")
        let gt = try Image(contentsOf: one.appendingPathComponent("GT/camera_0.png").path)
        XCTAssertEqual([gt.width, gt.height], [40, 40])
        // The entry is the record of the degradation that made the pair: the pair's documented stream (seed,
        // "camera.png#0") crops and degrades the source to the same GT, LQ, operations and text.
        var random = DegradationRandom(seed: 7, name: "camera.png#0")
        let source = try Image(contentsOf: input.appendingPathComponent("camera.png").path)
        let (x, y) = (random.integer(in: 0...(source.width - 40)), random.integer(in: 0...(source.height - 40)))
        let crop = try source.cropped(x: x, y: y, width: 40, height: 40)
        let (lq, record) = try WildPipeline().apply(crop, random: &random)
        XCTAssertEqual(gt.interleaved8(), crop.interleaved8())
        XCTAssertEqual(try Image(contentsOf: one.appendingPathComponent("LQ/camera_0.png").path).interleaved8(), lq.interleaved8())
        XCTAssertEqual(first.operations, record.operations)
        XCTAssertEqual(first.degradations, record.degradationNames)
        XCTAssertEqual(first.text, record.text)
        XCTAssertFalse(record.operations.isEmpty)
    }

    func testRealESRGANAtFourTimesWritesQuarterSizeLQ() throws {
        let (input, root) = try folders()
        let out = root.appendingPathComponent("sr")
        let summary = try DatasetDegrader(options: .init(pipeline: .realESRGAN(RealESRGANPipeline(scale: 4)), seed: 3, crop: 42))
            .run(input: input.path, output: out.path)
        XCTAssertEqual(summary.written, 3)
        let gt = try Image(contentsOf: out.appendingPathComponent("GT/coffee.png").path)
        let lq = try Image(contentsOf: out.appendingPathComponent("LQ/coffee.png").path)
        XCTAssertEqual([gt.width, gt.height, lq.width, lq.height], [40, 40, 10, 10])  // 42 trimmed to a multiple of 4
        let manifest = try String(contentsOf: out.appendingPathComponent("manifest.jsonl"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"pipeline\":\"realesrgan\""))
    }

    func testPreviewShowsTheGroundTruthAndEachSampleWithItsText() throws {
        let (input, _) = try folders()
        let sheet = try DatasetDegrader(options: .init(seed: 2, crop: 40)).preview(input: input.path, count: 3)
        XCTAssertEqual(sheet.channels, 3)
        XCTAssertEqual(sheet.width, 4 * (256 + 8) + 8)  // ground truth + 3 samples in one row
    }

    func testResumeSkipsCompletePairsAndRedoesMissingOnes() throws {
        let (input, root) = try folders()
        let out = root.appendingPathComponent("out")
        let degrader = DatasetDegrader(options: .init(seed: 1))
        _ = try degrader.run(input: input.path, output: out.path)
        let complete = try contents(out)
        // Lose one LQ file and tear the manifest's last line, as a killed run might.
        try FileManager.default.removeItem(at: out.appendingPathComponent("LQ/coffee.png"))
        let manifest = out.appendingPathComponent("manifest.jsonl")
        var text = try String(contentsOf: manifest, encoding: .utf8)
        text += "{\"name\": \"torn"
        try text.write(to: manifest, atomically: true, encoding: .utf8)
        let summary = try degrader.run(input: input.path, output: out.path)
        XCTAssertEqual(summary.written, 1)
        XCTAssertEqual(summary.skipped, 2)
        XCTAssertEqual(try contents(out), complete)
    }

    func testBadInputIsReportedAndTheRestIsWritten() throws {
        let (input, root) = try folders()
        try Data("not an image".utf8).write(to: input.appendingPathComponent("broken.jpg"))
        let summary = try DatasetDegrader(options: .init()).run(input: input.path, output: root.appendingPathComponent("o").path)
        XCTAssertEqual(summary.written, 3)
        XCTAssertEqual(summary.failures.count, 1)
        XCTAssertTrue(summary.failures[0].reason.contains("broken.jpg"))
        XCTAssertThrowsError(try DatasetDegrader(options: .init()).run(input: "/no/such", output: root.path)) {
            XCTAssertEqual($0 as? DatasetError, .notADirectory("/no/such"))
        }
    }
}
