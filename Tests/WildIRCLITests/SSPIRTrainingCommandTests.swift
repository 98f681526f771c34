import Foundation
import Imaging
import TestSupport
import XCTest

/// `wildir train-sspir` as a user runs it: `--check` reads everything and stops, a bad key is named, and a short
/// run writes its checkpoint, model folder, log and curves, then refuses to start over without `--resume`.
final class SSPIRTrainingCommandTests: CLITestCase {
    func recipe(in root: URL, extra: String = "") throws -> URL {
        let photos = root.appendingPathComponent("photos"), held = root.appendingPathComponent("held")
        try ProceduralPhotos.write(count: 2, salt: 0, into: photos)
        try ProceduralPhotos.write(count: 1, salt: 1, into: held)
        let url = root.appendingPathComponent("sspir.yml")
        try """
        name: tiny
        data: { dataroot: \(photos.path), crop_size: 16, scale: 4 }
        model:
          tokenizer: \(TinySSPIR.vocabularyURL.path)
          tiny: { unet_channels: [8, 16, 16], norm_groups: 4, text_width: 8, vae_channels: [4, 4], vae_norm_groups: 2, image_size: 16, image_width: 8 }
        train: { iterations: 2, batch_size: 1, checkpoint_freq: 1, val_freq: 2 }
        validation: { dataroot: \(held.path), count: 1 }
        path: { experiments: \(root.appendingPathComponent("run").path) }
        \(extra)
        """.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testCheckTrainAndRefuseToOverwrite() throws {
        let root = try folder()
        let options = try recipe(in: root)
        var r = try run(["train-sspir", "--config", options.path, "--check"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("2 training photo(s), realesrgan degradation ×4, 1 validation pair(s), tiny random networks"), r.stdout)
        r = try run(["train-sspir", "--config", options.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("validation at 2"), r.stderr)
        for file in ["checkpoints/latest.safetensors", "model/unet/config.json", "model/controlnet/diffusion_pytorch_model.safetensors",
                     "model/refine/refine.safetensors", "log.jsonl", "losses.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("run/\(file)").path), file)
        }
        r = try run(["train-sspir", "--config", options.path])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--resume"), r.stderr)
    }

    /// A tiny run ends by printing the restore command for its `model/` (the frozen random networks written there in
    /// SD's and CLIP's layouts), and that command restores a photo.
    func testATinyRunPrintsARestoreCommandThatWorks() throws {
        let root = try folder()
        let trained = try run(["train-sspir", "--config", try recipe(in: root).path])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let model = root.appendingPathComponent("run/model").path
        let line = try XCTUnwrap(trained.stderr.split(separator: "\n").map(String.init).first { $0.hasPrefix("  wildir restore ") },
                                 trained.stderr)
        XCTAssertTrue(line.contains("--sd \(model)/stable-diffusion --sspir \(model) --clip-vision \(model)/clip-vision "), line)
        XCTAssertTrue(line.hasSuffix(" --prompt \"a description of the photo\""), line)
        let photo = root.appendingPathComponent("photo.png"), out = root.appendingPathComponent("out")
        try Image(width: 20, height: 12, channels: 3, samples: (0..<(3 * 20 * 12)).map { Float(($0 * 31) % 59) / 58 }).write(to: photo.path)
        // The printed words (paths without spaces here), the photo in place of photo.png, our own prompt.
        var words = line.split(separator: " ").map(String.init)
        words = Array(words[1..<(words.firstIndex(of: "--prompt") ?? words.count)]).map { $0 == "photo.png" ? photo.path : $0 }
        let restored = try run(words + ["-o", out.path, "--steps", "2", "--scheduler", "ddim", "--prompt", "a wall"])
        XCTAssertEqual(restored.status, 0, restored.stderr)
        let image = try Image(contentsOf: out.appendingPathComponent("photo.png").path)
        XCTAssertEqual([image.width, image.height, image.channels], [20, 12, 3])
    }

    func testABadKeyIsNamed() throws {
        let root = try folder()
        let r = try run(["train-sspir", "--config", try recipe(in: root, extra: "augment: true").path, "--check"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("augment"), r.stderr)
    }
}
