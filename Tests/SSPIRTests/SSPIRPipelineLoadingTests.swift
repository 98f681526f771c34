import Foundation
import SSPIR
import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// `SSPIRPipeline.load` on the layouts users have, written from tiny random networks (``TinySSPIR``): SD as a
/// diffusers folder, an SSP-IR training checkpoint and a CLIPVisionModel folder. The loaded pipeline restores
/// exactly as the same networks assembled in memory; parts that do not fit together, or are missing, are named.
final class SSPIRPipelineLoadingTests: XCTestCase {
    func testAPipelineLoadsFromTheFilesUsersHaveAndRestoresAsAssembled() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-sspir-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let tiny = try TinySSPIR()
        let (sd, checkpoint) = try tiny.write(to: root)
        let loaded = try SSPIRPipeline.load(stableDiffusion: sd, sspir: checkpoint, clipVision: TinySSPIR.clipVision, tokenizer: tiny.tokenizer)
        XCTAssertGreaterThan(loaded.parameterBytes, 0)
        var options = SSPIRPipeline.Options()
        options.steps = 2
        options.scheduler = .ddim
        var random = TensorRandom(seed: 35)
        let lq = random.uniform([1, 3, 16, 16], bound: 1).abs()
        let a = try loaded.restore(lq, prompt: "a cat", options: options), b = try tiny.pipeline().restore(lq, prompt: "a cat", options: options)
        XCTAssertEqual(a.shape, [1, 3, 16, 16])
        XCTAssertLessThanOrEqual(zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 1, 1e-6)

        // A Refine Layer of another output width does not fit the U-Net's image attentions.
        var g = TensorRandom(seed: 36)
        try TinySSPIR.writeRefine(try RefineLayer(.init(width: 32, outputWidth: 8, hiddenLayers: 2), generator: &g), to: checkpoint)
        XCTAssertThrowsError(try SSPIRPipeline.load(stableDiffusion: sd, sspir: checkpoint, clipVision: TinySSPIR.clipVision,
                                                    tokenizer: tiny.tokenizer)) { error in
            XCTAssertTrue("\(error)".contains("refine") && "\(error)".contains("512"), "\(error)")
        }
        try FileManager.default.removeItem(at: checkpoint.appendingPathComponent("refine/refine.pt"))
        XCTAssertThrowsError(try SSPIRPipeline.load(stableDiffusion: sd, sspir: checkpoint, clipVision: TinySSPIR.clipVision,
                                                    tokenizer: tiny.tokenizer)) { error in
            XCTAssertTrue("\(error)".contains("refine.pt"), "\(error)")
        }
    }
}
