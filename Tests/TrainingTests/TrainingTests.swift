import Foundation
import Imaging
import Models
import SDE
import TestSupport
import Training
import WildTensor
import XCTest

/// The training loop on a tiny configuration: the loss falls, checkpoints resume bit for bit, options are checked.
final class TrainingTests: XCTestCase {
    /// A tiny run on the committed test photos (kept apart from the default model's training photos).
    func tinyOptions(_ directory: URL, iterations: Int) throws -> TrainingOptions {
        var o = TrainingOptions()
        o.name = "tiny"
        o.sde.steps = 20
        o.datasets.train.datarootGT = Fixtures.path("images")
        o.datasets.train.patchSize = 32
        o.datasets.train.batchSize = 2
        o.networkG.setting.nf = 8
        o.networkG.setting.chMult = [1, 2]
        o.train.niter = iterations
        o.train.lrG = 1e-3
        o.train.checkpointFreq = 1000
        o.train.valFreq = 1000
        o.path.experiments = directory.path
        return o
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testResumedRunEqualsUninterruptedRun() throws {
        let straightDirectory = try temporaryDirectory(), resumedDirectory = try temporaryDirectory()
        let straight = try Trainer(options: try tinyOptions(straightDirectory, iterations: 6))
        try straight.run()
        let first = try Trainer(options: try tinyOptions(resumedDirectory, iterations: 6))
        try first.run(stopAfter: 3)
        XCTAssertEqual(first.iteration, 3)
        let resumed = try Trainer(options: try tinyOptions(resumedDirectory, iterations: 6), resume: true)
        XCTAssertEqual(resumed.iteration, 3)
        try resumed.run()
        XCTAssertEqual(resumed.losses, straight.losses)
        XCTAssertEqual(resumed.network.namedParameters().map(\.tensor.values), straight.network.namedParameters().map(\.tensor.values))
        XCTAssertTrue(FileManager.default.fileExists(atPath: resumed.modelURL.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: resumedDirectory.appendingPathComponent("loss.png").path))
    }

    func testLossFallsOnATinyConfiguration() throws {
        var options = try tinyOptions(try temporaryDirectory(), iterations: 60)
        options.train.lrG = 2e-3
        let trainer = try Trainer(options: options)
        // The objective on one fixed batch, fixed time steps and fixed noise, before and after training (the
        // per-iteration losses are too noisy to compare: each draws its own time steps).
        let (lq, gt) = try PatchSampler(options: options.datasets.train, seed: 99).batch(iteration: 0)
        var random = TensorRandom(seed: 5)
        let noise = random.normal(gt.shape), steps = [4, 12]
        func objective() -> Float {
            withNoGrad {
                let xt = trainer.sde.noisyStates(x0: gt, mu: lq, timesteps: steps, noise: noise)
                let predicted = trainer.network(xt, cond: lq, time: Tensor(shape: [2], values: steps.map(Float.init)))
                return trainer.sde.matchingLoss(predictedNoise: predicted, xt: xt, x0: gt, mu: lq, timesteps: steps).scalar
            }
        }
        let before = objective()
        try trainer.run()
        let after = objective()
        XCTAssertLessThan(after, before * 0.95, "objective on a fixed batch: \(before) before, \(after) after 60 iterations")
    }

    func testOptionsRejectUnknownKeysAndBadValues() throws {
        XCTAssertThrowsError(try TrainingOptions(yaml: "train:\n  lr_g: 0.1\n")) { error in
            XCTAssertTrue("\(error)".contains("train.lr_g"), "\(error)")
        }
        XCTAssertThrowsError(try TrainingOptions(yaml: "train:\n  niter: 0\n"))
        XCTAssertThrowsError(try TrainingOptions(yaml: "datasets:\n  train:\n    patch_size: 100\n"))
        let options = try TrainingOptions(contentsOf: URL(fileURLWithPath: Fixtures.root.deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("configs/default.yml").path))
        XCTAssertEqual(options.networkG.setting.nf, 32)
        XCTAssertEqual(options.sde.eps, 0.1)
        XCTAssertEqual(options.sde.maxSigma, 10)
    }
}
