import DACLIP
import Foundation
import TestSupport
import WildIR
import XCTest

/// `wildir train` with `path.daclip` and `wildir train-daclip`, run as a user would: a conditioned restorer is
/// checked, trained, and restored with the DA-CLIP its model records; a DA-CLIP that cannot condition it is refused
/// by `--check`; a DA-CLIP run resumes and is never overwritten.
final class DACLIPTrainingCommandTests: CLITestCase {
    /// A random DA-CLIP of `embed`-d embeddings over 24-pixel images, written to `folder/name`.
    func daclip(_ name: String, in folder: URL, seed: UInt64, embed: Int = 16) throws -> String {
        var c = CLIPConfiguration()
        c.embedDim = embed
        c.vision.imageSize = 24
        c.vision.patchSize = 8
        c.vision.width = 16
        c.vision.layers = 1
        c.vision.headWidth = 8
        c.text.contextLength = 8
        c.text.vocabSize = 32
        c.text.width = 8
        c.text.heads = 2
        c.text.layers = 1
        let url = folder.appendingPathComponent(name)
        try DACLIPModel(configuration: c, seed: seed).write(to: url)
        return url.path
    }

    /// A two-iteration recipe of a network with image context on the DA-CLIP at `daclip`.
    func recipe(in root: URL, daclip: String) throws -> URL {
        let url = root.appendingPathComponent("run.yml")
        try """
        name: conditioned
        sde: { T: 4 }
        datasets: { train: { dataroot_GT: \(Fixtures.path("images")), patch_size: 32, batch_size: 2 } }
        network_G: { setting: { nf: 32, ch_mult: [1, 1], context_dim: 16, use_image_context: true } }
        train: { niter: 2, checkpoint_freq: 1, val_freq: 100 }
        path: { experiments: \(root.appendingPathComponent("experiment").path), daclip: \(daclip) }
        """.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testAConditionedModelRestoresWithTheDACLIPItRecordsAndRefusesAnother() throws {
        let root = try folder()
        let own = try daclip("own.safetensors", in: root, seed: 1), other = try daclip("other.safetensors", in: root, seed: 2)
        let options = try recipe(in: root, daclip: own)
        var r = try run(["train", "--config", options.path, "--check"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("DA-CLIP own.safetensors"), r.stdout)
        r = try run(["train", "--config", options.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let model = root.appendingPathComponent("experiment/model.safetensors").path
        // A small crop: the network's self-attention at its deepest level is quadratic in the pixels.
        let input = root.appendingPathComponent("rocket.png").path, out = root.appendingPathComponent("out").path
        try Image(contentsOf: Fixtures.path("images", "rocket.png")).cropped(x: 40, y: 40, width: 48, height: 40).write(to: input)
        // Without --daclip the recorded DA-CLIP is found where training read it.
        r = try run(["restore", input, "-o", out, "--model", model, "--steps", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("note: DA-CLIP") && r.stderr.contains("own.safetensors"), r.stderr)
        // Another DA-CLIP of the same shape is refused before anything is written; the right one is accepted.
        r = try run(["restore", input, "-o", out, "--model", model, "--steps", "1", "--overwrite", "--daclip", other])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("own.safetensors") && r.stderr.contains("sha256"), r.stderr)
        r = try run(["restore", input, "-o", out, "--model", model, "--steps", "1", "--overwrite", "--daclip", own])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    func testCheckRefusesADACLIPThatCannotConditionTheNetwork() throws {
        let root = try folder()
        var r = try run(["train", "--config", try recipe(in: root, daclip: try daclip("wide.safetensors", in: root, seed: 1, embed: 24)).path,
                         "--check"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("path.daclip") && r.stderr.contains("context_dim is 16"), r.stderr)
        r = try run(["train", "--config", try recipe(in: root, daclip: root.appendingPathComponent("none.pt").path).path, "--check"])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("path.daclip: no file"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("experiment").path))
    }

    func testTrainDACLIPResumesAndNeverOverwritesAFinishedRun() throws {
        let root = try folder(), photos = root.appendingPathComponent("photos"), held = root.appendingPathComponent("held")
        for (folder, names) in [(photos, ["astronaut", "chelsea", "coffee"]), (held, ["rocket"])] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for name in names {
                try FileManager.default.copyItem(atPath: Fixtures.path("images", "\(name).png"), toPath: folder.appendingPathComponent("\(name).png").path)
            }
        }
        let vocabulary = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/clip/bpe_simple_vocab_16e6.txt.gz").path
        let options = root.appendingPathComponent("daclip.yml")
        try """
        name: tiny
        data: { dataroot: \(photos.path), crop_size: 16 }
        model:
          tokenizer: \(vocabulary)
          config: { embed_dim: 8, vision_cfg: { image_size: 16, patch_size: 8, width: 16, layers: 1, head_width: 8 },
                    text_cfg: { context_length: 77, vocab_size: 49408, width: 8, heads: 2, layers: 1 } }
        train: { iterations: 3, warmup: 1, batch_size: 4, val_freq: 2, checkpoint_freq: 2 }
        validation: { dataroot: \(held.path), count: 4 }
        path: { experiments: \(root.appendingPathComponent("run").path) }
        """.write(to: options, atomically: true, encoding: .utf8)
        var r = try run(["train-daclip", "--config", options.path, "--check"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("3 training photo(s)") && r.stdout.contains("4 validation sample(s)"), r.stdout)
        r = try run(["train-daclip", "--config", options.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("validation at 2") && r.stderr.contains("blur"), r.stderr)
        for file in ["model.safetensors", "losses.png", "accuracy.png", "log.jsonl", "checkpoints/latest.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent("run/\(file)").path), file)
        }
        r = try run(["train-daclip", "--config", options.path])
        XCTAssertEqual(r.status, 64)
        XCTAssertTrue(r.stderr.contains("--resume"), r.stderr)
        r = try run(["train-daclip", "--config", options.path, "--resume"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("from iteration 3"), r.stderr)
        // The checkpoint's zero-shot table, on the options' validation crops and on the published pipeline.
        r = try run(["train-daclip", "--config", options.path, "--validate-only"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("at iteration 3: 4 held-out crops degraded by the training settings")
                      && r.stdout.contains("ringing artifact"), r.stdout)
        r = try run(["train-daclip", "--config", options.path, "--validate-only", "--published"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("the published wild pipeline"), r.stdout)
    }
}
