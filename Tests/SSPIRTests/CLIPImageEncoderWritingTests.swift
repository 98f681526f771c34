import Checkpoints
import DACLIP
import Foundation
import SSPIR
import TestSupport
import WildTensor
import XCTest

/// The CLIP image encoder's writer, the inverse of its loader: a random tower written as a transformers
/// `CLIPVisionModel` folder loads with the same configuration and parameters, and what is written for the folder
/// transformers saved has that folder's config fields and tensors.
final class CLIPImageEncoderWritingTests: XCTestCase {
    private func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clip-vision-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func parameters(_ encoder: CLIPImageEncoder) -> [(String, [Float])] {
        encoder.tower.namedParameters().filter { $0.name != "proj" }.map { ($0.name, $0.tensor.values) }
    }

    /// Heads that are not 64 wide (so the loader needs the written `num_attention_heads`), two layers.
    func testARandomTowerWrittenLoadsIdentical() throws {
        var vision = CLIPConfiguration.Vision()
        (vision.imageSize, vision.patchSize, vision.width, vision.layers, vision.explicitHeads) = (24, 8, 12, 2, 3)
        var generator = TensorRandom(seed: 4)
        let encoder = CLIPImageEncoder(random: vision, generator: &generator)
        let folder = try temporaryFolder()
        try encoder.write(transformersFolder: folder)
        let loaded = try CLIPImageEncoder.load(contentsOf: folder)
        XCTAssertEqual(loaded.tower.configuration, encoder.tower.configuration)
        XCTAssertEqual(loaded.tower.transformer.resblocks.first?.mlp.activation, .quickGELU)
        let (mine, theirs) = (parameters(encoder), parameters(loaded))
        XCTAssertEqual(theirs.map(\.0), mine.map(\.0))
        XCTAssertEqual(theirs.map(\.1), mine.map(\.1))
        XCTAssertFalse(mine.isEmpty)
    }

    /// The committed `CLIPVisionModel` folder (saved by transformers 5, without the `vision_model.` prefix that
    /// openai/clip-vit-large-patch14 and earlier transformers write, and this writer too).
    func testTheWrittenFolderIsTransformersLayout() throws {
        let reference = PriorFixture.url("image_encoder")
        let folder = try temporaryFolder()
        try CLIPImageEncoder.load(contentsOf: reference).write(transformersFolder: folder)
        XCTAssertEqual(try ModelFolderComparison.configDifferences(written: folder.appendingPathComponent("config.json"),
                                                                   reference: reference.appendingPathComponent("config.json")), [])
        XCTAssertEqual(try ModelFolderComparison.tensorDifferences(written: folder.appendingPathComponent("model.safetensors"),
                                                                   writtenPrefix: "vision_model.",
                                                                   reference: reference.appendingPathComponent("model.safetensors")), [])
    }
}
