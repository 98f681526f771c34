import Checkpoints
import Degradation
import Foundation
import Imaging
import Models
import SDE
import TestSupport
import Training
import WildTensor
import XCTest

/// The training loop on a tiny configuration: each step descends its objective, checkpoints resume bit for bit,
/// options are checked.
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

    /// `path.pretrain_model_G`: a new run starts from a trained model's weights; weights of another network and a
    /// missing file are refused naming the option.
    func testANewRunStartsFromPretrainedWeights() throws {
        let first = try Trainer(options: try tinyOptions(try temporaryDirectory(), iterations: 2))
        try first.run()
        var options = try tinyOptions(try temporaryDirectory(), iterations: 1)
        options.path.pretrainModelG = first.modelURL.path
        let second = try Trainer(options: options)
        let saved = Dictionary(uniqueKeysWithValues: try CheckpointFile.contents(of: first.modelURL).tensors.map { ($0.name, $0.tensor) })
        let fresh = try Trainer(options: try tinyOptions(try temporaryDirectory(), iterations: 1))
        for (name, tensor) in second.network.namedParameters() { XCTAssertEqual(tensor.values, saved[name]?.floatValues(), name) }
        XCTAssertTrue(zip(second.network.namedParameters(), fresh.network.namedParameters()).contains { $0.tensor.values != $1.tensor.values },
                      "the pretrained weights are not the seed's")
        var wrong = options
        wrong.path.experiments = try temporaryDirectory().path
        wrong.networkG.setting.nf = 16
        XCTAssertThrowsError(try Trainer(options: wrong)) { error in
            XCTAssertTrue("\(error)".contains("pretrain_model_G"), "\(error)")
        }
        var missing = options
        missing.path.experiments = try temporaryDirectory().path
        missing.path.pretrainModelG = "/nonexistent/model.safetensors"
        XCTAssertThrowsError(try Trainer(options: missing)) { error in
            XCTAssertTrue("\(error)".contains("pretrain_model_G") && "\(error)".contains("/nonexistent"), "\(error)")
        }
    }

    /// One step trains the objective it reports, for both predictions and objectives: with g the gradient the step
    /// computed and Δ its change of the weights, a second run from the same seed, given the stepped weights, reports
    /// on the same batch (same patches, time steps and noise) a loss lower by g·Δ to first order. A gradient of
    /// another function, a wrong sign or a part of the network outside the graph would break that agreement. The
    /// last run has the network's own degradation encoder, which must train through the prompt path.
    func testEachStepMovesDownTheObjectiveItComputes() throws {
        let runs: [(NetworkPrediction, TrainingObjective, encoder: Bool, damage: Bool)] = [
            (.noise, .matching, false, false), (.residual, .matching, false, false), (.residual, .restoration, false, false),
            (.residual, .restoration, true, false), (.residual, .restoration, true, true),
        ]
        for (prediction, objective, encoder, damage) in runs {
            var options = try tinyOptions(try temporaryDirectory(), iterations: 2)
            options.train.lrG = 2e-5  // a short step, so the second-order part of the change stays small
            options.sde.prediction = prediction
            options.train.objective = objective
            if encoder { options.networkG.setting.degradationEncoder = [8, 8] }
            if damage { options.train.damageLossWeight = 0.5 }
            let first = try Trainer(options: options)
            XCTAssertEqual(first.network.namedParameters().contains { $0.name.hasPrefix("degradation_encoder.convs.1.") }, encoder)
            let before = first.network.namedParameters().map { $0.tensor.values }
            let loss = try first.step()
            if encoder {
                // Through the zero-initialised projection alone the convolutions get nothing; the damage loss gives
                // them a gradient of their own.
                let convolution = try XCTUnwrap(first.network.namedParameters().first { $0.name == "degradation_encoder.convs.0.weight" })
                let size = try XCTUnwrap(convolution.tensor.grad).values.map { abs($0) }.max() ?? 0
                if damage { XCTAssertGreaterThan(size, 1e-6, "the damage loss reaches the encoder's convolutions") } else {
                    XCTAssertEqual(size, 0, "a new projection passes no gradient to the convolutions")
                }
            }
            var slope = 0.0
            for ((name, tensor), start) in zip(first.network.namedParameters(), before) {
                // The damage head is outside the graph unless the run has a damage loss (the optimiser skips it).
                if !damage && name.hasPrefix("degradation_encoder.head.") {
                    XCTAssertNil(tensor.grad, name)
                    XCTAssertEqual(tensor.values, start, name)
                    continue
                }
                let gradient = try XCTUnwrap(tensor.grad, "\(name) has no gradient").values
                for (g, (after, was)) in zip(gradient, zip(tensor.values, start)) { slope += Double(g) * Double(after - was) }
            }
            options.path.experiments = try temporaryDirectory().path
            let second = try Trainer(options: options)
            try second.network.loadStateDict(Dictionary(uniqueKeysWithValues: first.network.stateDict().map { ($0.name, $0.tensor) }))
            let lossAfter = try second.step()
            let ratio = (lossAfter - loss) / slope
            print(String(format: "%@, %@: loss %.6f → %.6f, first-order change %.3e, ratio %.3f",
                         "\(prediction)", "\(objective)", loss, lossAfter, slope, ratio))
            XCTAssertLessThan(slope, -2e-5 * loss, "\(prediction), \(objective): the step must go downhill, measurably")
            XCTAssertEqual(ratio, 1, accuracy: 0.05, "\(prediction), \(objective): the loss changed by \(lossAfter - loss), g·Δ = \(slope)")
        }
    }

    func testOptionsRejectUnknownKeysAndBadValues() throws {
        XCTAssertThrowsError(try TrainingOptions(yaml: "train:\n  lr_g: 0.1\n")) { error in
            XCTAssertTrue("\(error)".contains("train.lr_g"), "\(error)")
        }
        XCTAssertThrowsError(try TrainingOptions(yaml: "train:\n  niter: 0\n"))
        XCTAssertThrowsError(try TrainingOptions(yaml: "datasets:\n  train:\n    patch_size: 100\n"))
        XCTAssertThrowsError(try TrainingOptions(yaml: "datasets:\n  train:\n    scales: [1, 0]\n"))
        XCTAssertThrowsError(try TrainingOptions(yaml: "datasets:\n  train:\n    scales: []\n"))
        XCTAssertThrowsError(try TrainingOptions(yaml: "datasets:\n  train:\n    dataroot_LQ: lq\n    scales: [0.5]\n"))
        XCTAssertThrowsError(try TrainingOptions(yaml: "sde:\n  prediction: x0\n"))
        XCTAssertThrowsError(try TrainingOptions(yaml: "train:\n  objective: x0\n"))
        XCTAssertEqual(try TrainingOptions(yaml: "train:\n  objective: restoration\n").train.objective, .restoration)
        XCTAssertEqual(try TrainingOptions(yaml: "name: x\n").train.objective, .matching)
        // Every option the structs decode is a known key (they are derived from the coding keys).
        XCTAssertNoThrow(try TrainingOptions(yaml: "train:\n  gradient_clip: 1\ndatasets:\n  val:\n    dataroot_GT: x\n    sample_T: 5\n"))
        XCTAssertEqual(try TrainingOptions(yaml: "sde:\n  prediction: residual\n").sde.prediction, .residual)
        XCTAssertEqual(try TrainingOptions(yaml: "sde:\n  T: 10\n  sample_T: 3\n").sde.sampleSteps, 3)
        XCTAssertEqual(try TrainingOptions(yaml: "train:\n  loss_type: psnr\n").train.lossType, .psnr)
        XCTAssertThrowsError(try TrainingOptions(yaml: "train:\n  loss_type: l3\n")) { error in
            XCTAssertTrue("\(error)".contains("l3 is not one of: l1, l2, psnr"), "\(error)")
        }
        XCTAssertThrowsError(try TrainingOptions(yaml: "train:\n  objective: nope\n")) { error in
            XCTAssertTrue("\(error)".contains("nope is not one of: matching, restoration"), "\(error)")
        }
        XCTAssertThrowsError(try TrainingOptions(yaml: "sde:\n  T: 10\n  sample_T: 11\n"))
        // The network's own degradation encoder: its widths are checked; it needs no DA-CLIP.
        let encoder = "network_G:\n  setting: {degradation_encoder: [8, 16]}\n"
        XCTAssertEqual(try TrainingOptions(yaml: encoder).networkG.configuration.degradationEncoderWidths, [8, 16])
        XCTAssertNoThrow(try TrainingOptions(yaml: encoder).validate())
        XCTAssertThrowsError(try TrainingOptions(yaml: encoder + "path:\n  daclip: x.pt\n").validate()) { error in
            XCTAssertTrue("\(error)".contains("path.daclip"), "\(error)")
        }
        XCTAssertThrowsError(try TrainingOptions(yaml: encoder.replacingOccurrences(of: "[8, 16]", with: "[8, 9999]")).validate()) { error in
            XCTAssertTrue("\(error)".contains("degradation_encoder"), "\(error)")
        }
        // The learned unsharp mask corrects μ: it needs a residual network, and sigmas in range.
        let unsharp = "network_G:\n  setting: {unsharp_sigmas: [1, 2]}\n"
        XCTAssertEqual(try TrainingOptions(yaml: unsharp + "sde:\n  prediction: residual\n").networkG.configuration.unsharpSigmas, [1, 2])
        XCTAssertThrowsError(try TrainingOptions(yaml: unsharp)) { error in
            XCTAssertTrue("\(error)".contains("unsharp_sigmas") && "\(error)".contains("sde.prediction: residual"), "\(error)")
        }
        XCTAssertThrowsError(try TrainingOptions(yaml: unsharp.replacingOccurrences(of: "[1, 2]", with: "[1, 20]")
                                                 + "sde:\n  prediction: residual\n")) { error in
            XCTAssertTrue("\(error)".contains("unsharp_sigmas") && "\(error)".contains("0.3…8"), "\(error)")
        }
        // The damage loss: estimated by the encoder, from pairs whose damage the pipeline recorded.
        XCTAssertNoThrow(try TrainingOptions(yaml: encoder + "train:\n  damage_loss_weight: 0.1\n").validate())
        XCTAssertThrowsError(try TrainingOptions(yaml: "train:\n  damage_loss_weight: 0.1\n").validate()) { error in
            XCTAssertTrue("\(error)".contains("train.damage_loss_weight") && "\(error)".contains("degradation_encoder"), "\(error)")
        }
        XCTAssertThrowsError(try TrainingOptions(yaml: encoder + "train:\n  damage_loss_weight: -1\n").validate())
        XCTAssertThrowsError(try TrainingOptions(yaml: encoder + "train:\n  damage_loss_weight: 0.1\n"
                                                 + "datasets:\n  train:\n    dataroot_LQ: lq\n").validate()) { error in
            XCTAssertTrue("\(error)".contains("dataroot_LQ"), "\(error)")
        }
        let options = try TrainingOptions(contentsOf: URL(fileURLWithPath: Fixtures.root.deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("configs/default.yml").path))
        XCTAssertEqual(options.networkG.setting.nf, 32)
        XCTAssertEqual(options.sde.eps, 0.005)
        XCTAssertEqual(options.sde.maxSigma, 1)
        XCTAssertEqual(options.sde.prediction, .residual)
        XCTAssertEqual(options.train.objective, .restoration)
        XCTAssertEqual(options.datasets.train.cleanProbability, 0.2)
        XCTAssertEqual(options.train.lossType, .l2)
        XCTAssertEqual(options.train.terminalProbability, 1)
        XCTAssertEqual(options.sde.sampleSteps, 1)
        XCTAssertEqual(options.datasets.train.scales, [1, 0.5])
        XCTAssertEqual(options.networkG.configuration.unsharpSigmas, [0.5, 1, 2, 4])
    }

    /// The bundled model's recipe is the ablation arm it was chosen from, written out in full: loaded, the two files
    /// differ in their name and output folder only, so the model card's ablation numbers describe the shipped recipe.
    func testDefaultRecipeIsTheChosenAblationArm() throws {
        let configs = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("configs")
        let recipe = try TrainingOptions(contentsOf: configs.appendingPathComponent("default.yml"))
        var arm = try TrainingOptions(contentsOf: configs.appendingPathComponent("ablation-unsharp-bands-start.yml"))
        XCTAssertNotEqual(arm.name, recipe.name)
        arm.name = recipe.name
        arm.path.experiments = recipe.path.experiments
        XCTAssertEqual(recipe, arm)
    }

    /// Clean pairs: with clean_probability p, a pair is LQ = GT with frequency p (binomial, 4.5σ), degraded otherwise.
    func testCleanPairsAppearWithTheirProbability() throws {
        var set = TrainingOptions.TrainingSet()
        set.datarootGT = Fixtures.path("images")
        set.patchSize = 16
        set.batchSize = 1
        set.cleanProbability = 0.3
        let sampler = try PatchSampler(options: set, seed: 4)
        let draws = 300
        var clean = 0
        for i in 0..<draws {
            let (lq, gt) = try sampler.batch(iteration: i)
            if lq.values == gt.values { clean += 1 }
        }
        let sigma = (0.3 * 0.7 * Double(draws)).squareRoot()
        XCTAssertEqual(Double(clean), 0.3 * Double(draws), accuracy: 4.5 * sigma, "\(clean) clean pairs of \(draws)")
        XCTAssertThrowsError(try TrainingOptions(yaml: "datasets:\n  train:\n    clean_probability: 1.5\n"))
    }

    /// Terminal steps: with terminal_probability p, t = T has frequency p + (1 − p)/T (binomial, 4.5σ) and the other
    /// steps are uniform on 1…T; with p = 0 the draws are the plain uniform stream (existing runs unchanged).
    func testTerminalStepsAppearWithTheirProbability() throws {
        var random = TensorRandom(seed: 9)
        let draws = 4000, p = 0.3, steps = 100
        let drawn = Trainer.timesteps(count: draws, steps: steps, terminalProbability: p, random: &random)
        XCTAssertTrue(drawn.allSatisfy { (1...steps).contains($0) })
        let expected = p + (1 - p) / Double(steps), terminal = Double(drawn.filter { $0 == steps }.count)
        XCTAssertEqual(terminal, expected * Double(draws), accuracy: 4.5 * (expected * (1 - expected) * Double(draws)).squareRoot())
        let early = Double(drawn.filter { $0 <= steps / 2 }.count), half = (1 - p) / 2
        XCTAssertEqual(early, half * Double(draws), accuracy: 4.5 * (half * (1 - half) * Double(draws)).squareRoot())
        var plain = TensorRandom(seed: 9), reference = TensorRandom(seed: 9)
        XCTAssertEqual(Trainer.timesteps(count: 50, steps: steps, terminalProbability: 0, random: &plain),
                       (0..<50).map { _ in 1 + Int(reference.next() % UInt64(steps)) })
        XCTAssertThrowsError(try TrainingOptions(yaml: "train:\n  terminal_probability: -0.1\n"))
    }

    /// Multi-scale data: patches come from the photos shrunk by each scale (area filter, 8-bit), all scales drawn.
    func testMultiScaleSourcesArePhotosShrunkByEachScale() throws {
        var set = TrainingOptions.TrainingSet()
        set.datarootGT = Fixtures.path("images")
        set.patchSize = 16
        set.batchSize = 1
        set.useFlip = false
        set.useRot = false
        set.datarootLQ = nil
        set.scales = [1, 0.25]
        let sampler = try PatchSampler(options: set, seed: 3)
        let photos = try ImageFolder.list(Fixtures.path("images")).images.map { try Image(contentsOf: $0).opaqueRGB }
        let shrunk = try photos.map { try $0.resized(scale: 0.25, filter: .area).quantisedTo8Bit }
        func contains(_ image: Image, _ patch: Image) -> Bool {
            let first = patch.samples[0]
            for y in 0...(image.height - 16) {
                for x in 0...(image.width - 16) where image.samples[y * image.width + x] == first {
                    if (try? image.cropped(x: x, y: y, width: 16, height: 16)) == patch { return true }
                }
            }
            return false
        }
        var fromFull = 0, fromShrunk = 0
        for iteration in 0..<12 {
            let gt = try sampler.batch(iteration: iteration).gt.image()
            if photos.contains(where: { contains($0, gt) }) { fromFull += 1 }
            if shrunk.contains(where: { contains($0, gt) }) { fromShrunk += 1 }
        }
        XCTAssertEqual(fromFull + fromShrunk, 12, "every patch is a crop of a photo at one of the scales")
        XCTAssertGreaterThan(fromShrunk, 0)
        XCTAssertGreaterThan(fromFull, 0)
    }

    /// `datasets.train.degradation_config` takes a settings file's path or an inline mapping; bad settings stop the
    /// run before its first iteration, naming the key.
    func testDegradationSettingsComeFromAFileOrInlineAndAreCheckedBeforeTraining() throws {
        let inline = try TrainingOptions(yaml: "datasets:\n  train:\n    degradation: mild\n    degradation_config: { noiseProbability: 1 }\n")
        guard case let .mild(mild) = try inline.datasets.train.pipeline(file: "x.yml") else { return XCTFail("not mild") }
        XCTAssertEqual(mild.noiseProbability, 1)
        XCTAssertEqual(mild.jpegProbability, MildPipeline().jpegProbability)
        let settings = try temporaryDirectory().appendingPathComponent("lighter.yml")
        try "jpegProbability: 0\nthirdBlur: { sincProbability: 0.5 }\n".write(to: settings, atomically: true, encoding: .utf8)
        let fromFile = try TrainingOptions(yaml: "datasets:\n  train:\n    degradation_config: \(settings.path)\n")
        guard case let .wild(wild) = try fromFile.datasets.train.pipeline(file: "x.yml") else { return XCTFail("not wild") }
        XCTAssertEqual(wild.jpegProbability, 0)
        XCTAssertEqual(wild.thirdBlur.sincProbability, 0.5)
        var bad = try tinyOptions(try temporaryDirectory(), iterations: 2)
        bad.datasets.train.degradationConfig = .mapping(["noiseProbabilty": .scalar("1")])
        XCTAssertThrowsError(try Trainer(options: bad, optionsFile: "run.yml")) { error in
            XCTAssertTrue("\(error)".contains("run.yml: datasets.train.degradation_config"), "\(error)")
            XCTAssertTrue("\(error)".contains("noiseProbabilty"), "\(error)")
        }
        XCTAssertThrowsError(try TrainingOptions(yaml: "datasets:\n  train:\n    degradation: blurry\n")) { error in
            XCTAssertTrue("\(error)".contains("datasets.train.degradation: blurry is not one of: wild, realesrgan, mild"), "\(error)")
        }
    }

    /// A second trainer into a folder that a live trainer holds is refused before it reads or rewrites anything:
    /// the live run's log keeps the lines it wrote after its last checkpoint (a resume would have dropped them).
    func testASecondTrainerIntoALiveRunsFolderIsRefusedAndChangesNothing() throws {
        let directory = try temporaryDirectory()
        var options = try tinyOptions(directory, iterations: 6)
        options.train.checkpointFreq = 2
        try Trainer(options: options).run(stopAfter: 2)
        let live = try Trainer(options: options, resume: true)
        try live.run(stopAfter: 1)   // iteration 3 logged, its checkpoint at 2
        let logURL = directory.appendingPathComponent("log.jsonl")
        let holder = try Trainer(options: options, resume: true)   // holds the folder from now on, as a running run does
        let before = try Data(contentsOf: logURL)
        XCTAssertThrowsError(try Trainer(options: options, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("\(getpid())"), "the refusal names the live process: \(error)")
        }
        XCTAssertEqual(try Data(contentsOf: logURL), before, "the refused trainer rewrote the live run's log")
        try holder.run(stopAfter: 1)
        // Once the holder's run has ended the folder is free again.
        XCTAssertNoThrow(try Trainer(options: options, resume: true))
    }

    /// The log holds one line per iteration: a resumed run first drops what the interrupted run logged after its
    /// last checkpoint.
    func testLogHasOneLinePerIterationAcrossAResume() throws {
        let directory = try temporaryDirectory()
        var options = try tinyOptions(directory, iterations: 5)
        options.train.checkpointFreq = 2
        try Trainer(options: options).run(stopAfter: 3)   // checkpoints at 2 and 3
        // As if the run had been killed after logging iteration 4 but before its checkpoint.
        let log = try FileHandle(forWritingTo: directory.appendingPathComponent("log.jsonl"))
        try log.seekToEnd()
        log.write(Data("{\"iteration\":4,\"loss\":1,\"lr\":0}\n".utf8))
        try log.close()
        let resumed = try Trainer(options: options, resume: true)
        XCTAssertEqual(resumed.iteration, 3)
        try resumed.run()
        let lines = try String(contentsOf: directory.appendingPathComponent("log.jsonl"), encoding: .utf8).split(separator: "\n")
        let iterations = try lines.map { line -> Int in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (object?["iteration"] as? NSNumber)?.intValue ?? -1
        }
        XCTAssertEqual(iterations, [1, 2, 3, 4, 5])
    }

    /// The optimiser and the learning-rate scheme are chosen by their official names.
    func testOptimiserAndScheduleAreChosenByName() throws {
        let options = try TrainingOptions(yaml: "train:\n  optimizer: Adam\n  lr_scheme: MultiStepLR\n  lr_steps: [2]\n  lr_gamma: 0.5\n  lr_G: 0.001\n")
        XCTAssertEqual(options.train.optimizer, .adam)
        XCTAssertEqual(options.train.lrScheme, .multiStep)
        var run = try tinyOptions(try temporaryDirectory(), iterations: 3)
        run.train = options.train
        run.train.niter = 3
        var rates: [Double] = []
        try Trainer(options: run).run { rates.append($0.learningRate) }
        XCTAssertEqual(rates, [0.001, 0.0005, 0.0005])
        XCTAssertThrowsError(try TrainingOptions(yaml: "train:\n  optimizer: SGD\n")) { error in
            XCTAssertTrue("\(error)".contains("SGD is not one of: Adam, AdamW"), "\(error)")
        }
    }
}
