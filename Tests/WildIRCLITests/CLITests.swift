import Foundation
import TestSupport
import WildIR
import XCTest

/// The `wildir` executable, run as a user would.
final class CLITests: CLITestCase {
    func testRestoreWritesSameSizedOutputsAndComparisonsAndReportsBadInputs() throws {
        let root = try folder()
        // A tiny random model (restoration quality is not the point here: the command's behaviour is).
        let modelPath = root.appendingPathComponent("tiny.safetensors")
        try RestorationModel.tiny(steps: 4).write(to: modelPath)
        let input = root.appendingPathComponent("small.png")
        try Image(contentsOf: Fixtures.path("images", "coffee.png")).cropped(x: 10, y: 10, width: 40, height: 30).write(to: input.path)
        let out = root.appendingPathComponent("out")
        var r = try run(["restore", input.path, "-o", out.path, "--model", modelPath.path, "--compare", "--tile", "32", "--overlap", "8"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let restored = try Image(contentsOf: out.appendingPathComponent("small.png").path)
        XCTAssertEqual([restored.width, restored.height], [40, 30])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("small_compare.png").path))
        // A missing input fails that image only, with a message and exit status 1.
        let second = root.appendingPathComponent("second")
        r = try run(["restore", input.path, root.appendingPathComponent("missing.png").path, "-o", second.path, "--model", modelPath.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("missing.png") && r.stderr.contains("1 of 2"), r.stderr)
        // A file that is not a checkpoint, and too many steps, are clear errors.
        r = try run(["restore", input.path, "-o", out.path, "--model", input.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("error"), r.stderr)
        r = try run(["restore", input.path, "-o", out.path, "--model", modelPath.path, "--steps", "9"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("steps"), r.stderr)
    }

    func testConvertThenEvaluateInAllFormats() throws {
        let root = try folder()
        let small = root.appendingPathComponent("small"), degraded = root.appendingPathComponent("degraded")
        for d in [small, degraded] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        for name in ["astronaut", "coffee"] {
            let source = Fixtures.path("images", "\(name).png")
            let smallPath = small.appendingPathComponent("\(name).jpg").path
            var r = try run(["convert", source, "-o", smallPath, "--scale", "0.5", "--filter", "area", "--quality", "40"])
            XCTAssertEqual(r.status, 0, r.stderr)
            r = try run(["convert", smallPath, "-o", degraded.appendingPathComponent("\(name).png").path, "--size-of", source])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        let images = (Fixtures.root.appendingPathComponent("images")).path
        // Only two of the six photos were degraded: unpaired files are an error …
        var r = try run(["evaluate", "--restored", degraded.path, "--reference", images])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("reference only") && r.stderr.contains("camera.png"), r.stderr)
        // … unless allowed.
        r = try run(["evaluate", "--restored", degraded.path, "--reference", images, "--allow-unpaired", "--y-channel", "--crop-border", "4"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("astronaut") && r.stdout.contains("mean") && r.stdout.contains("on Y as BasicSR (BT.601 studio swing, 16–235), crop border 4"), r.stdout)
        r = try run(["evaluate", "--restored", degraded.path, "--reference", images, "--allow-unpaired", "--format", "csv"])
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "image,psnr,ssim,y_channel")
        XCTAssertEqual(lines.count, 4)
        r = try run(["evaluate", "--restored", degraded.path, "--reference", images, "--allow-unpaired", "--format", "json"])
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let entries = try XCTUnwrap(json["images"] as? [[String: Any]])
        XCTAssertEqual(entries.compactMap { $0["name"] as? String }, ["astronaut", "coffee"])
        // The scores are those of the library on the same files (whose own values are checked against BasicSR
        // and scikit-image in MetricsTests), for every image and the mean.
        var expected: [(psnr: Double, ssim: Double)] = []
        for name in ["astronaut", "coffee"] {
            let restored = try Image(contentsOf: degraded.appendingPathComponent("\(name).png").path)
            let reference = try Image(contentsOf: Fixtures.path("images", "\(name).png"))
            expected.append((try PSNR().evaluate(restored: restored, reference: reference),
                             try SSIM().evaluate(restored: restored, reference: reference)))
        }
        for (entry, scores) in zip(entries, expected) {
            XCTAssertEqual(try XCTUnwrap(entry["psnr"] as? Double), scores.psnr, accuracy: 1e-9, "\(entry)")
            XCTAssertEqual(try XCTUnwrap(entry["ssim"] as? Double), scores.ssim, accuracy: 1e-9, "\(entry)")
        }
        let mean = try XCTUnwrap(json["mean"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(mean["psnr"] as? Double), (expected[0].psnr + expected[1].psnr) / 2, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(mean["ssim"] as? Double), (expected[0].ssim + expected[1].ssim) / 2, accuracy: 1e-9)
    }

    func testIdenticalFoldersPrintInfinitePSNR() throws {
        let images = Fixtures.root.appendingPathComponent("images").path
        let r = try run(["evaluate", "--restored", images, "--reference", images, "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("mean,inf,1.000000"), r.stdout)
    }

    func testBadInputsExitNonZeroWithClearMessages() throws {
        let root = try folder()
        var r = try run(["evaluate", "--restored", "/no/such", "--reference", root.path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("/no/such"), r.stderr)
        r = try run(["evaluate", "--restored", root.path, "--reference", root.path, "--crop-border", "-2"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("--crop-border"), r.stderr)
        r = try run(["convert", Fixtures.path("images", "camera.png"), "-o", root.appendingPathComponent("x.bmp").path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains(".png, .jpg, .jpeg or .webp"), r.stderr)
        let garbage = root.appendingPathComponent("garbage.jpg")
        try Data("not an image".utf8).write(to: garbage)
        r = try run(["inspect", garbage.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("garbage.jpg: not a PNG, JPEG or WebP image"), r.stderr)
        r = try run(["convert", Fixtures.path("images", "camera.png"), "-o", root.appendingPathComponent("y.png").path, "--max-megapixels", "0.01"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("exceeds the limit"), r.stderr)
    }

    func testDegradeWritesPairsResumesAndReportsBadFiles() throws {
        let root = try folder()
        let input = root.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.path("images", "chelsea.png"), toPath: input.appendingPathComponent("chelsea.png").path)
        let out = root.appendingPathComponent("out").path
        var r = try run(["degrade", "--input", input.path, "--output", out, "--seed", "2", "--crop", "64", "--preview", "2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(ImageFormat.sniff(try ImageCodec.readFile(out + "/preview.png")), .png)
        XCTAssertTrue(r.stdout.contains("1 pair(s) written"), r.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/LQ/chelsea.png"))
        r = try run(["degrade", "--input", input.path, "--output", out, "--seed", "2", "--crop", "64"])
        XCTAssertTrue(r.stdout.contains("0 pair(s) written, 1 already complete"), r.stdout)
        try Data("junk".utf8).write(to: input.appendingPathComponent("junk.png"))
        r = try run(["degrade", "--input", input.path, "--output", out, "--seed", "2", "--crop", "64"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("junk.png"), r.stderr)
        let config = root.appendingPathComponent("bad.yml")
        try Data("blurProbabilty: 0.5\n".utf8).write(to: config)
        r = try run(["degrade", "--input", input.path, "--output", out, "--config", config.path])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("unknown option 'blurProbabilty'"), r.stderr)
    }

    func testInspectDescribesImages() throws {
        let r = try run(["inspect", Fixtures.path("images", "camera.png"), Fixtures.path("codecs", "rgba16.png")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("PNG 256×256 gray"), r.stdout)
        XCTAssertTrue(r.stdout.contains("RGBA"), r.stdout)
    }
}
