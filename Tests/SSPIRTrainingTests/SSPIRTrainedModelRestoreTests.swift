import CLIPTokenizer
import Foundation
import SSPIR
import SSPIRTraining
import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// A tiny run's `model/` alone restores: its frozen random networks are written in SD's and CLIP's layouts next to
/// the trained ones, load through the entry point `wildir restore --method sspir` uses, and restore a photo exactly
/// as the trained networks in memory do.
final class SSPIRTrainedModelRestoreTests: XCTestCase {
    func testATinyRunRestoresFromItsModelFolderAsInMemory() throws {
        let directory = try TinySSPIRRun.temporaryDirectory(self)
        let trainer = try SSPIRTrainer(options: try TinySSPIRRun.options(directory, iterations: 2))
        try trainer.run()
        let sources = try XCTUnwrap(trainer.restoreSources)
        let model = trainer.modelURL
        XCTAssertEqual(sources.sspir, model.relativePath)
        XCTAssertEqual(sources.stableDiffusion, model.appendingPathComponent("stable-diffusion").relativePath)
        XCTAssertEqual(sources.clipVision, model.appendingPathComponent("clip-vision").relativePath)
        for file in ["stable-diffusion/vae/config.json", "stable-diffusion/vae/diffusion_pytorch_model.safetensors",
                     "stable-diffusion/text_encoder/config.json", "stable-diffusion/text_encoder/model.safetensors",
                     "clip-vision/config.json", "clip-vision/model.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: model.appendingPathComponent(file).path), file)
        }
        let loaded = try SSPIRPipeline.load(stableDiffusion: URL(fileURLWithPath: sources.stableDiffusion),
                                            sspir: URL(fileURLWithPath: sources.sspir), clipVision: URL(fileURLWithPath: sources.clipVision),
                                            tokenizer: try CLIPTokenizer(vocabularyURL: URL(fileURLWithPath: sources.vocabulary)))
        let trained = trainer.pipeline
        XCTAssertEqual(loaded.vae.configuration, trained.vae.configuration)
        XCTAssertEqual(loaded.textEncoder.configuration, trained.textEncoder.configuration)
        XCTAssertEqual(loaded.imageEncoder.tower.configuration, trained.imageEncoder.tower.configuration)

        var settings = SSPIRPipeline.Options()
        (settings.steps, settings.scheduler, settings.guidance, settings.seed) = (2, .ddim, 2, 11)
        let lq = Tensor(shape: [1, 3, 12, 20], values: (0..<(3 * 12 * 20)).map { Float(($0 * 29) % 53) / 52 })
        let expected = try trained.restore(lq, prompt: "a red flower", options: settings)
        let restored = try loaded.restore(lq, prompt: "a red flower", options: settings)
        XCTAssertEqual(restored.shape, [1, 3, 12, 20])
        XCTAssertEqual(restored.values, expected.values, "the written networks restore as the trained ones")

        // The comparison sees the frozen networks: another decoder bias changes the result.
        let bias = try XCTUnwrap(loaded.vae.namedParameters().first { $0.name == "decoder.conv_out.bias" }?.tensor)
        bias.assign(withNoGrad { bias + 0.25 })
        XCTAssertNotEqual(try loaded.restore(lq, prompt: "a red flower", options: settings).values, expected.values)
    }
}
