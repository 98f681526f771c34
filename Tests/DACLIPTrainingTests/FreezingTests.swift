import DACLIP
import DACLIPTraining
import Foundation
import WildTensor
import XCTest

/// Only the controller and DA-CLIP's `logit_scale` train (the official `lock_clip`); `logit_scale` stays in
/// [0, log 100]; the text tower trains only when asked.
final class FreezingTests: XCTestCase {
    func testOnlyTheControllerAndLogitScaleReceiveGradientsAndFrozenWeightsNeverChange() throws {
        let directory = try TinyRun.temporaryDirectory(self)
        let trainer = try DACLIPTrainer(options: try TinyRun.options(directory, iterations: 3, test: self))
        let before = Dictionary(uniqueKeysWithValues: trainer.model.namedParameters().map { ($0.name, $0.tensor.values) })
        try trainer.step()
        for (name, tensor) in trainer.model.namedParameters() {
            let trains = name == "logit_scale" || name.hasPrefix("visual_control.")
            XCTAssertEqual(tensor.requiresGrad, trains, name)
            if trains { XCTAssertNotNil(tensor.grad, "\(name) got no gradient") } else { XCTAssertNil(tensor.grad, "\(name) got a gradient") }
        }
        try trainer.step()
        try trainer.step()
        var changed = 0
        for (name, tensor) in trainer.model.namedParameters() {
            if name.hasPrefix("clip.") {
                XCTAssertEqual(tensor.values, before[name], "frozen \(name) changed")
            } else if tensor.values != before[name] {
                changed += 1
            }
        }
        XCTAssertEqual(Set(trainer.trainedParameters.map(\.name)),
                       Set(trainer.model.namedParameters().map(\.name).filter { $0 == "logit_scale" || $0.hasPrefix("visual_control.") }))
        XCTAssertGreaterThan(changed, trainer.trainedParameters.count / 2, "the controller should move")
    }

    func testLogitScaleIsClampedToZeroAndLogHundredAfterEveryStep() throws {
        let directory = try TinyRun.temporaryDirectory(self)
        var options = try TinyRun.options(directory, iterations: 4, test: self)
        options.train.lr = 0.5  // large enough to push the scale out of range in one step
        let trainer = try DACLIPTrainer(options: options)
        trainer.model.logitScale.assign(Tensor(scalar: 20))
        try trainer.step()
        XCTAssertEqual(trainer.model.logitScale.scalar, Float(log(100.0)))
        trainer.model.logitScale.assign(Tensor(scalar: -3))
        try trainer.step()
        XCTAssertEqual(trainer.model.logitScale.scalar, 0)
        let inRange = Tensor(scalar: 2.5)
        DACLIPTrainer.clampLogitScale(inRange)
        XCTAssertEqual(inRange.scalar, 2.5)
        XCTAssertEqual(DACLIPTrainer.maximumLogitScale, 4.6051702)
    }

    func testTextTowerTrainsOnlyWhenAsked() throws {
        let directory = try TinyRun.temporaryDirectory(self)
        var options = try TinyRun.options(directory, iterations: 2, test: self)
        options.model.trainText = true
        let trainer = try DACLIPTrainer(options: options)
        let before = Dictionary(uniqueKeysWithValues: trainer.model.namedParameters().map { ($0.name, $0.tensor.values) })
        try trainer.step()
        for (name, tensor) in trainer.model.namedParameters() {
            if name.hasPrefix("clip.visual.") || name == "clip.logit_scale" {
                XCTAssertEqual(tensor.values, before[name], "frozen \(name) changed")
            }
        }
        XCTAssertNotEqual(trainer.model.clip.textProjection.values, before["clip.text_projection"])
        XCTAssertNotEqual(trainer.model.clip.transformer.resblocks[0].attn.inProjWeight.values,
                          before["clip.transformer.resblocks.0.attn.in_proj_weight"])
    }

    func testWeightDecayGroupsFollowTheOfficialExcludeRule() {
        let excluded: [(String, [Int])] = [
            ("logit_scale", []), ("visual_control.class_embedding", [16]), ("visual_control.ln_pre.weight", [16]),
            ("visual_control.transformer.transformer.resblocks.0.ln_1.bias", [16]),
            ("visual_control.transformer.zero_modules.0.bias", [16]),
            ("visual_control.transformer.transformer.resblocks.0.attn.in_proj_bias", [48]),
        ]
        let decayed: [(String, [Int])] = [
            ("visual_control.conv1.weight", [16, 3, 8, 8]), ("visual_control.proj", [16, 8]),
            ("visual_control.positional_embedding", [5, 16]), ("visual_control.transformer.zero_modules.0.weight", [16, 16]),
            ("visual_control.transformer.transformer.resblocks.0.mlp.c_fc.weight", [64, 16]),
        ]
        for (name, shape) in excluded { XCTAssertTrue(AdamWGroups.excludedFromDecay(name: name, shape: shape), name) }
        for (name, shape) in decayed { XCTAssertFalse(AdamWGroups.excludedFromDecay(name: name, shape: shape), name) }
    }

    func testScheduleIsTheOfficialCosineWithLinearWarmUp() {
        let schedule = OpenCLIPCosineSchedule(warmup: 4, steps: 12)
        let base = 2e-5
        // training/scheduler.py cosine_lr: base·(i+1)/W, then ½(1 + cos(π·e/es))·base.
        XCTAssertEqual(schedule.learningRate(atStep: 0, base: base), base / 4, accuracy: 1e-18)
        XCTAssertEqual(schedule.learningRate(atStep: 3, base: base), base, accuracy: 1e-18)
        XCTAssertEqual(schedule.learningRate(atStep: 4, base: base), base, accuracy: 1e-18)
        XCTAssertEqual(schedule.learningRate(atStep: 8, base: base), base / 2, accuracy: 1e-18)
        XCTAssertEqual(schedule.learningRate(atStep: 10, base: base), 0.5 * (1 + cos(Double.pi * 6 / 8)) * base, accuracy: 1e-18)
    }
}
