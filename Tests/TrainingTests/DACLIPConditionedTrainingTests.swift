import Checkpoints
import DACLIP
import Foundation
import Imaging
import Models
import Restoration
import TestSupport
@testable import Training
import WildTensor
import XCTest

/// Training a restorer conditioned on DA-CLIP (`path.daclip`): each LQ patch's embeddings are the restorer's, the
/// conditioning reaches the network, the model records its DA-CLIP and restores with it, and a DA-CLIP that cannot
/// condition the network is refused before the first iteration.
final class DACLIPConditionedTrainingTests: XCTestCase {
    /// A random DA-CLIP of 16-d embeddings over 24-pixel images (so 32-pixel patches are resized, as 256-pixel patches
    /// are for the official 224-pixel towers).
    static func daclipConfiguration(embed: Int = 16) -> CLIPConfiguration {
        var c = CLIPConfiguration()
        c.embedDim = embed
        c.vision.imageSize = 24
        c.vision.patchSize = 8
        c.vision.width = 16
        c.vision.layers = 2
        c.vision.headWidth = 8
        c.text.contextLength = 8
        c.text.vocabSize = 32
        c.text.width = 8
        c.text.heads = 2
        c.text.layers = 1
        return c
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-dctrain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Writes a random DA-CLIP to `folder/name` and returns its path.
    func writeDACLIP(_ folder: URL, _ name: String, seed: UInt64, embed: Int = 16) throws -> String {
        let url = folder.appendingPathComponent(name)
        try DACLIPModel(configuration: Self.daclipConfiguration(embed: embed), seed: seed).write(to: url)
        return url.path
    }

    /// A tiny run of a network with image and degradation context (daclip-sde's wiring) on the test photos.
    func options(_ directory: URL, daclip: String?, iterations: Int = 3) -> TrainingOptions {
        var o = TrainingOptions()
        o.name = "conditioned"
        o.sde.steps = 4
        o.datasets.train.datarootGT = Fixtures.path("images")
        o.datasets.train.patchSize = 32
        o.datasets.train.batchSize = 2
        o.networkG.setting.nf = 32
        o.networkG.setting.chMult = [1, 1]
        o.networkG.setting.contextDim = 16
        o.networkG.setting.useImageContext = true
        o.networkG.setting.useDegraContext = true
        o.train.niter = iterations
        o.train.lrG = 1e-3
        o.train.checkpointFreq = 1000
        o.train.valFreq = 1000
        var val = TrainingOptions.ValidationSet(datarootGT: Fixtures.path("images"))
        val.count = 1
        val.cropSize = 32
        val.sampleSteps = 2
        o.datasets.val = val
        o.path.experiments = directory.appendingPathComponent("run").path
        o.path.daclip = daclip
        return o
    }

    func testEachPatchIsConditionedOnTheEmbeddingsTheRestorerComputes() throws {
        let directory = try temporaryDirectory()
        let plan = try TrainingPlan(options: options(directory, daclip: try writeDACLIP(directory, "a.safetensors", seed: 1)))
        let conditioner = try XCTUnwrap(plan.conditioning).conditioner
        let batch = try TrainingBatch(plan.sampler, iteration: 5, preprocessing: conditioner.preprocessing)
        let (patches, _) = try plan.sampler.patches(iteration: 5)
        let trained = try conditioner.conditioning(forPixels: try XCTUnwrap(batch.daclipPixels))
        let embed = 16
        for (row, patch) in patches.enumerated() {
            // The inference path: the whole image (here the patch) through the official preprocessing.
            let restorer = try DACLIPConditioner(model: conditioner.model).conditioning(for: patch)
            // The same computation batched and alone: equal up to the matrix kernels' blocking, which depends on the
            // batch size and the CPU (the last bits differ on some machines).
            XCTAssertLessThan(relativeError(Array(trained.content.values[(row * embed)..<((row + 1) * embed)]),
                                            restorer.content.values.map(Double.init)), 1e-5)
            XCTAssertLessThan(relativeError(Array(trained.degradation.values[(row * embed)..<((row + 1) * embed)]),
                                            restorer.degradation.values.map(Double.init)), 1e-5)
            XCTAssertEqual(try batch.lq.image(at: row).samples, patch.samples, "the embedding is the patch the network sees")
        }
        XCTAssertNotEqual(Array(trained.content.values[0..<embed]), Array(trained.content.values[embed..<(2 * embed)]))
    }

    func testConditioningChangesWhatTheTrainedNetworkPredicts() throws {
        let directory = try temporaryDirectory()
        let trainer = try Trainer(options: options(directory, daclip: try writeDACLIP(directory, "a.safetensors", seed: 1)))
        try trainer.run()
        let conditioner = try XCTUnwrap(trainer.conditioning).conditioner
        let (patches, _) = try PatchSampler(options: trainer.options.datasets.train, seed: 3).patches(iteration: 0)
        let lq = try Tensor.batch([patches[0]])
        var random = TensorRandom(seed: 2)
        let xt = lq + random.normal(lq.shape) * 0.1, time = Tensor(shape: [1], values: [2])
        let own = try conditioner.conditioning(forBatch: [patches[0]]), foreign = try conditioner.conditioning(forBatch: [patches[1]])
        func predict(content: Tensor, degradation: Tensor) -> [Float] {
            withNoGrad { trainer.network(xt, cond: lq, time: time, textContext: degradation, imageContext: content).values }
        }
        func change(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }
        let reference = predict(content: own.content, degradation: own.degradation)
        XCTAssertEqual(reference, predict(content: own.content, degradation: own.degradation))
        // Another patch's content embedding (cross-attention, whose zero-initialised output trained away from zero)
        // and another patch's degradation embedding (the prompt) each change the prediction.
        let byContent = change(reference, predict(content: foreign.content, degradation: own.degradation))
        let byDegradation = change(reference, predict(content: own.content, degradation: foreign.degradation))
        XCTAssertGreaterThan(byContent, 1e-6)
        XCTAssertGreaterThan(byDegradation, 1e-6)
        print("DA-CLIP-conditioned training: another patch's content embedding changes the prediction by up to \(byContent), "
              + "its degradation embedding by \(byDegradation)")
    }

    func testTheModelRecordsItsDACLIPAndRestoresWithItButNotWithAnother() throws {
        let directory = try temporaryDirectory()
        let daclip = try writeDACLIP(directory, "a.safetensors", seed: 1)
        var options = options(directory, daclip: daclip, iterations: 2)
        options.train.valFreq = 2
        let trainer = try Trainer(options: options)
        try trainer.run()
        XCTAssertEqual(trainer.validations.count, 1, "validation restored through the conditioned restorer")
        XCTAssertTrue(trainer.validations[0].psnr.isFinite)

        let model = try RestorationModel(contentsOf: trainer.modelURL)
        let reference = try XCTUnwrap(try DACLIPReference(metadata: model.metadata, source: trainer.modelURL.path))
        XCTAssertEqual(reference.file, "a.safetensors")
        XCTAssertEqual(reference.sha256, try SHA256.hex(ofFileAt: URL(fileURLWithPath: daclip)))
        XCTAssertEqual(reference.embedDim, 16)
        let found = try reference.locate(besideModel: trainer.modelURL, locator: ModelLocator())
        XCTAssertEqual(found.standardizedFileURL.path, URL(fileURLWithPath: daclip).standardizedFileURL.path)

        // Restoring with the recorded DA-CLIP gives what the trainer's own conditioner gives.
        var restoration = RestorationOptions()
        restoration.steps = 2
        let input = try Image(contentsOf: Fixtures.path("images", "rocket.png")).cropped(x: 40, y: 40, width: 48, height: 40)
        let restored = try Restorer(model: model, options: restoration,
                                    conditioner: DACLIPConditioner(model: try DACLIPModel(contentsOf: found))).restore(input)
        let direct = try Restorer(model: try trainer.averagedModel(), options: restoration,
                                  conditioner: try XCTUnwrap(trainer.conditioning).conditioner).restore(input)
        XCTAssertEqual(restored.samples, direct.samples)
        XCTAssertThrowsError(try Restorer(model: model)) { error in
            guard case .daclipRequired? = error as? RestorationError else { return XCTFail("\(error)") }
        }
        // Another DA-CLIP of the same shape loads, but is not the one the network learned from.
        let other = try writeDACLIP(directory, "b.safetensors", seed: 2)
        XCTAssertThrowsError(try reference.verify(URL(fileURLWithPath: other))) { error in
            XCTAssertTrue("\(error)".contains("a.safetensors") && "\(error)".contains("sha256"), "\(error)")
        }
        // Moved beside the model, the DA-CLIP is still found; gone, it is asked for.
        let moved = trainer.modelURL.deletingLastPathComponent().appendingPathComponent("a.safetensors")
        try FileManager.default.moveItem(atPath: daclip, toPath: moved.path)
        XCTAssertEqual(try reference.locate(besideModel: trainer.modelURL, locator: ModelLocator()).path, moved.path)
        try FileManager.default.removeItem(at: moved)
        XCTAssertThrowsError(try reference.locate(besideModel: trainer.modelURL, locator: ModelLocator())) { error in
            XCTAssertTrue("\(error)".contains("--daclip"), "\(error)")
        }
    }

    func testADACLIPThatCannotConditionTheNetworkIsRefusedBeforeTheFirstIteration() throws {
        let directory = try temporaryDirectory()
        func assertRefused(_ options: TrainingOptions, _ fragments: String..., line: UInt = #line) {
            do {
                _ = try TrainingPlan(options: options, optionsFile: "run.yml")
                XCTFail("accepted", line: line)
            } catch {
                for fragment in fragments { XCTAssertTrue("\(error)".contains(fragment), "\(error)", line: line) }
            }
        }
        // A conditioned network without a DA-CLIP, and a DA-CLIP for a network without context.
        assertRefused(options(directory, daclip: nil), "run.yml", "path.daclip", "is required")
        var plain = options(directory, daclip: try writeDACLIP(directory, "a.safetensors", seed: 1))
        plain.networkG.setting.useImageContext = false
        plain.networkG.setting.useDegraContext = false
        assertRefused(plain, "path.daclip", "the network takes no DA-CLIP context")
        // A missing file, a file that is not a DA-CLIP, an embedding width other than context_dim.
        assertRefused(options(directory, daclip: directory.appendingPathComponent("none.pt").path), "path.daclip: no file")
        assertRefused(options(directory, daclip: Fixtures.path("images", "rocket.png")), "run.yml: path.daclip:")
        assertRefused(options(directory, daclip: try writeDACLIP(directory, "wide.safetensors", seed: 1, embed: 24)),
                      "context_dim is 16", "24")
        // A run cannot resume on another DA-CLIP.
        let first = options(directory, daclip: try writeDACLIP(directory, "a.safetensors", seed: 1), iterations: 2)
        try Trainer(options: first).run(stopAfter: 1)
        let switched = options(directory, daclip: try writeDACLIP(directory, "b.safetensors", seed: 2), iterations: 2)
        XCTAssertThrowsError(try Trainer(options: switched, resume: true)) { error in
            XCTAssertTrue("\(error)".contains("resume with the DA-CLIP the run started with"), "\(error)")
        }
        XCTAssertNoThrow(try Trainer(options: first, resume: true))
    }
}
