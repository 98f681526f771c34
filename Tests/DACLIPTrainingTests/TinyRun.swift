import Checkpoints
import Configuration
import DACLIP
import DACLIPTraining
import Foundation
import TestSupport
import WildTensor
import XCTest

/// Shared set-up of the DA-CLIP training tests: a tiny configuration, temporary folders holding the committed test
/// photos (training and validation kept apart), and the fixtures of `Tools/fixtures/daclip_loss.py`.
enum TinyRun {
    /// CLIP's vocabulary, shipped in `models/clip/`.
    static var tokenizerPath: String {
        Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/clip/bpe_simple_vocab_16e6.txt.gz").path
    }

    /// A DA-CLIP small enough for finite differences: 16 px images of 2×2 patches, width 16, two blocks; a text tower
    /// of width 8 over CLIP's full vocabulary (the tokenizer's ids).
    static var configuration: CLIPConfiguration {
        var c = CLIPConfiguration()
        c.embedDim = 8
        c.vision.imageSize = 16
        c.vision.patchSize = 8
        c.vision.width = 16
        c.vision.layers = 2
        c.vision.headWidth = 8
        c.text.contextLength = 77
        c.text.width = 8
        c.text.heads = 2
        c.text.layers = 1
        return c
    }

    /// The configuration as the inline `model.config` mapping of an options file.
    static var configurationTree: ConfigurationValue {
        .mapping(["embed_dim": .scalar("8"),
                  "vision_cfg": .mapping(["image_size": .scalar("16"), "patch_size": .scalar("8"), "width": .scalar("16"),
                                          "layers": .scalar("2"), "head_width": .scalar("8")]),
                  "text_cfg": .mapping(["context_length": .scalar("77"), "vocab_size": .scalar("49408"), "width": .scalar("8"),
                                        "heads": .scalar("2"), "layers": .scalar("1")])])
    }

    /// A fresh temporary folder, removed after the test.
    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-dtrain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Copies the named test photos into `folder`.
    static func photos(_ names: [String], into folder: URL) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.copyItem(atPath: Fixtures.path("images", "\(name).png"),
                                             toPath: folder.appendingPathComponent("\(name).png").path)
        }
        return folder
    }

    /// Options of a tiny run from scratch in `directory`: four training photos, two validation photos.
    static func options(_ directory: URL, iterations: Int, test: XCTestCase) throws -> DACLIPTrainingOptions {
        var o = DACLIPTrainingOptions()
        o.name = "tiny"
        o.data.dataroot = directory.appendingPathComponent("train").path
        o.data.cropSize = 32
        o.data.cleanProbability = 0.2
        o.model.config = configurationTree
        o.model.tokenizer = tokenizerPath
        o.train.lr = 1e-3
        o.train.warmup = 1
        o.train.iterations = iterations
        o.train.batchSize = 4
        o.train.checkpointFreq = 1000
        o.train.valFreq = 1000
        var validation = DACLIPValidationOptions(dataroot: directory.appendingPathComponent("validation").path)
        validation.count = 6
        o.validation = validation
        o.path.experiments = directory.appendingPathComponent("run").path
        let train = directory.appendingPathComponent("train"), held = directory.appendingPathComponent("validation")
        if !FileManager.default.fileExists(atPath: train.path) {
            _ = try photos(["astronaut", "chelsea", "coffee", "motorcycle"], into: train)
            _ = try photos(["rocket", "camera"], into: held)
        }
        return o
    }
}

/// The loss fixture of `Tools/fixtures/daclip_loss.py` (official `DaClipLoss`/`ClipLoss` and the soft-target
/// reference, float64).
struct LossFixture {
    let file: SafeTensorsFile
    let path = Fixtures.path("daclip_training", "daclip_loss.safetensors")

    init() throws { file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: path)) }

    /// A float64 entry as a Float32 tensor that requires gradients.
    func input(_ key: String) throws -> Tensor {
        let stored = try file.tensor(key, file: path)
        return Tensor(shape: stored.shape, values: stored.floatValues(), requiresGrad: true)
    }

    func values(_ key: String) throws -> [Double] { try file.tensor(key, file: path).doubleValues() }

    func groups(_ key: String) throws -> [Int] {
        try JSONDecoder().decode([Int].self, from: Data((file.metadata[key] ?? "[]").utf8))
    }
}

/// Largest |a − b| / max(1, |b|) over two arrays of equal length.
func maximumRelativeError(_ a: [Float], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    return zip(a, b).map { abs(Double($0) - $1) / max(1, abs($1)) }.max() ?? 0
}
