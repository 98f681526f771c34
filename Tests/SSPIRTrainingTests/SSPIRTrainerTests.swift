import Checkpoints
import Foundation
import SSPIR
import SSPIRTraining
import StableDiffusion
import TestSupport
import WildTensor
import XCTest

/// The training loop on tiny random networks: what trains and what stays frozen, the loss falling, bit-for-bit
/// resume, the checkpoint folder in the official layout, and refusals that protect a run.
final class SSPIRTrainerTests: XCTestCase {
    func testOnlyTheOfficialSplitTrainsAndTheLossFalls() throws {
        var o = try TinySSPIRRun.options(try TinySSPIRRun.temporaryDirectory(self), iterations: 40)
        o.train.batchSize = 1
        o.data.scales = [1]
        let trainer = try SSPIRTrainer(options: o)
        let trained = Set(trainer.trainedParameters.map(\.name))
        XCTAssertTrue(trained.contains { $0.hasPrefix("unet.") && $0.contains(".image_attentions.") })
        XCTAssertTrue(trained.contains { $0.hasPrefix("unet.") && $0.contains(".pixel_attentions.") })
        XCTAssertFalse(trained.contains { $0.hasPrefix("unet.") && !UNet2DConditionModel.isPriorGuidanceParameter($0) })
        XCTAssertTrue(trained.contains { $0.hasPrefix("controlnet.controlnet_cond_embedding.") })
        XCTAssertTrue(trained.contains { $0.hasPrefix("refine.") })
        XCTAssertFalse(trainer.objective.clippedParameters.contains { $0.name.hasPrefix("refine.") })
        let pipeline = trainer.pipeline
        let frozen: [Module] = [pipeline.vae, pipeline.textEncoder, pipeline.imageEncoder.tower]
        let frozenBefore = frozen.flatMap { $0.parameters().map(\.values) }
        let unetBefore = pipeline.unet.namedParameters().filter { !UNet2DConditionModel.isPriorGuidanceParameter($0.name) }.map(\.tensor.values)
        let trainedBefore = trainer.trainedParameters.map(\.tensor.values)
        let before = try XCTUnwrap(try trainer.validate())
        try trainer.run()
        let after = try XCTUnwrap(try trainer.validate())
        XCTAssertEqual(frozen.flatMap { $0.parameters().map(\.values) }, frozenBefore, "the VAE and the encoders are frozen")
        XCTAssertEqual(pipeline.unet.namedParameters().filter { !UNet2DConditionModel.isPriorGuidanceParameter($0.name) }.map(\.tensor.values),
                       unetBefore, "the U-Net outside the Prior-Guided Attention is frozen")
        XCTAssertNotEqual(trainer.trainedParameters.map(\.tensor.values), trainedBefore)
        // Fixed held-out pairs, time steps and noise: the objective falls, and each supervised term with it.
        XCTAssertLessThan(after.loss, before.loss * 0.95, "\(before) → \(after)")
        XCTAssertLessThan(after.diffusion, before.diffusion, "\(before) → \(after)")
        XCTAssertLessThan(after.rgb, before.rgb, "\(before) → \(after)")
        XCTAssertLessThan(after.fft, before.fft, "\(before) → \(after)")
        XCTAssertEqual(trainer.history.count, 40)
        XCTAssertTrue(trainer.history.allSatisfy { $0.loss.isFinite && $0.gradientNorm.isFinite })
    }

    func testResumeContinuesBitForBit() throws {
        let straightDirectory = try TinySSPIRRun.temporaryDirectory(self), resumedDirectory = try TinySSPIRRun.temporaryDirectory(self)
        let straight = try SSPIRTrainer(options: try TinySSPIRRun.options(straightDirectory, iterations: 4))
        try straight.run()
        let options = try TinySSPIRRun.options(resumedDirectory, iterations: 4)
        do {
            let first = try SSPIRTrainer(options: options)
            try first.run(stopAfter: 2)
        }
        let resumed = try SSPIRTrainer(options: options, resume: true)
        XCTAssertEqual(resumed.iteration, 2)
        try resumed.run()
        XCTAssertEqual(resumed.trainedParameters.map(\.tensor.values), straight.trainedParameters.map(\.tensor.values))
        XCTAssertEqual(resumed.history, straight.history)
        let lines = try String(contentsOf: resumedDirectory.appendingPathComponent("run/log.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
    }

    func testTheModelFolderLoadsAsAnSSPIRCheckpoint() throws {
        let directory = try TinySSPIRRun.temporaryDirectory(self)
        let trainer = try SSPIRTrainer(options: try TinySSPIRRun.options(directory, iterations: 2))
        try trainer.run()
        let unet = try UNet2DConditionModel.load(diffusersFolder: trainer.modelURL.appendingPathComponent("unet"))
        let controlNet = try StructureControlNet.load(diffusersFolder: trainer.modelURL.appendingPathComponent("controlnet"))
        let refine = try RefineLayer.load(checkpointFolder: trainer.modelURL)
        XCTAssertEqual(unet.configuration, trainer.pipeline.unet.configuration)
        XCTAssertEqual(controlNet.configuration, trainer.pipeline.controlNet.configuration)
        for (loaded, trained) in [(unet as Module, trainer.pipeline.unet as Module), (controlNet, trainer.pipeline.controlNet),
                                  (refine, trainer.pipeline.refine)] {
            XCTAssertEqual(loaded.namedParameters().map(\.name), trained.namedParameters().map(\.name))
            XCTAssertEqual(loaded.namedParameters().map(\.tensor.values), trained.namedParameters().map(\.tensor.values))
        }
        for file in ["losses.png", "log.jsonl", "checkpoints/latest.safetensors"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("run/\(file)").path), file)
        }
    }

    func testAblationsDropTheirParts() throws {
        var o = try TinySSPIRRun.options(try TinySSPIRRun.temporaryDirectory(self), iterations: 1)
        o.model.imageAttention = false
        let trainer = try SSPIRTrainer(options: o)
        let names = trainer.trainedParameters.map(\.name)
        XCTAssertFalse(names.contains { $0.hasPrefix("refine.") || $0.contains(".image_attentions.") })
        XCTAssertTrue(names.contains { $0.contains(".pixel_attentions.") })
        try trainer.run()
        XCTAssertFalse(FileManager.default.fileExists(atPath: trainer.modelURL.path),
                       "diffusers' config.json cannot describe a U-Net with structure attention only")
        XCTAssertNil(trainer.restoreSources, "no model folder to restore from")
        var p = try TinySSPIRRun.options(try TinySSPIRRun.temporaryDirectory(self), iterations: 1)
        p.model.structureAttention = false
        XCTAssertFalse(try SSPIRTrainer(options: p).trainedParameters.contains { $0.name.contains(".pixel_attentions.") })
    }

    func testARunIsNotOverwrittenNorResumedAgainstOtherNetworks() throws {
        let directory = try TinySSPIRRun.temporaryDirectory(self)
        var o = try TinySSPIRRun.options(directory, iterations: 2)
        try SSPIRTrainer(options: o).run()
        XCTAssertThrowsError(try SSPIRTrainer(options: o)) { error in
            XCTAssertTrue("\(error)".contains("--resume"), "\(error)")
        }
        o.train.seed = 9
        XCTAssertThrowsError(try SSPIRTrainer(options: o, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("other frozen networks"), "\(error)")
        }
        o.train.seed = 0
        o.model.structureAttention = false
        XCTAssertThrowsError(try SSPIRTrainer(options: o, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("other"), "\(error)")
        }
    }

    func testValidationRestoresAndScoresWhenAsked() throws {
        var o = try TinySSPIRRun.options(try TinySSPIRRun.temporaryDirectory(self), iterations: 1)
        o.validation?.steps = 2
        let report = try XCTUnwrap(try SSPIRTrainer(options: o).validate())
        let psnr = try XCTUnwrap(report.psnr), input = try XCTUnwrap(report.inputPSNR)
        XCTAssertTrue(psnr.isFinite && psnr > 0 && input.isFinite && input > 0)
    }
}

/// The official start from files users have: SD-1.5 as a diffusers folder (here tiny) and CLIP's vision tower.
final class SSPIRPretrainedStartTests: XCTestCase {
    func testTheUNetComesFromSDWithNewPriorsAndTheControlNetIsItsCopy() throws {
        let directory = try TinySSPIRRun.temporaryDirectory(self)
        let tiny = try TinySSPIR()
        let (sd, _) = try tiny.write(to: directory)
        // SD's own U-Net (no Prior-Guided Attention), the widths of the tiny SSP-IR's.
        var plain = tiny.unet.configuration
        (plain.imageCrossAttentionDim, plain.structureAttention) = (nil, false)
        let sdUNet = UNet2DConditionModel(plain, generator: TensorRandom(seed: 77))
        try FileManager.default.createDirectory(at: sd.appendingPathComponent("unet"), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: try plain.diffusersConfig()).write(to: sd.appendingPathComponent("unet/config.json"))
        try SafeTensorsFile.write(sdUNet.stateDict(), to: sd.appendingPathComponent("unet/diffusion_pytorch_model.safetensors"))
        var o = try TinySSPIRRun.options(directory, iterations: 1)
        o.model.tiny = nil
        o.model.stableDiffusion = sd.path
        o.model.clipVision = TinySSPIR.clipVision.path
        let trainer = try SSPIRTrainer(options: o)
        let unet = trainer.pipeline.unet
        XCTAssertEqual(unet.configuration.imageCrossAttentionDim, 512)
        XCTAssertTrue(unet.configuration.structureAttention)
        let file = Dictionary(uniqueKeysWithValues: sdUNet.namedParameters().map { ($0.name, $0.tensor.values) })
        for (name, tensor) in unet.namedParameters() {
            if UNet2DConditionModel.isPriorGuidanceParameter(name) {
                XCTAssertNil(file[name], name)
            } else {
                XCTAssertEqual(tensor.values, file[name], name)
            }
        }
        let copied = Dictionary(uniqueKeysWithValues: unet.namedParameters().map { ($0.name, $0.tensor.values) })
        let controlNet = trainer.pipeline.controlNet.namedParameters()
        XCTAssertEqual(controlNet.first { $0.name == "conv_in.weight" }?.tensor.values, copied["conv_in.weight"])
        XCTAssertTrue(controlNet.filter { $0.name.hasPrefix("controlnet_down_blocks.") }.allSatisfy { $0.tensor.values.allSatisfy { $0 == 0 } },
                      "zero convolutions")
        XCTAssertEqual(trainer.pipeline.refine.configuration.width, trainer.pipeline.imageEncoder.tower.configuration.width)
        try trainer.run()
        XCTAssertEqual(trainer.iteration, 1)
        // The frozen networks are SD's and CLIP's files: the restore command names them, model/ holds no copy.
        XCTAssertEqual(trainer.restoreSources, SSPIRRestoreSources(stableDiffusion: sd.path, sspir: trainer.modelURL.relativePath,
                                                                   clipVision: TinySSPIR.clipVision.path, vocabulary: o.model.tokenizer))
        for copy in [SSPIRFrozenNetworksFolder.stableDiffusionName, SSPIRFrozenNetworksFolder.clipVisionName] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: trainer.modelURL.appendingPathComponent(copy).path), copy)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: trainer.modelURL.appendingPathComponent("unet/config.json").path))
    }
}
