import Foundation
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

    func testABadKeyIsNamed() throws {
        let root = try folder()
        let r = try run(["train-sspir", "--config", try recipe(in: root, extra: "augment: true").path, "--check"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("augment"), r.stderr)
    }
}
