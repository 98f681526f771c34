import Configuration
import DACLIPTraining
import Degradation
import Foundation
import XCTest

/// Batches depend only on (seed, iteration); texts are combinations of degradation words in canonical order.
final class SamplerTests: XCTestCase {
    func plan(_ change: (inout DACLIPTrainingOptions) -> Void = { _ in }) throws -> DACLIPTrainingPlan {
        var options = try TinyRun.options(try TinyRun.temporaryDirectory(self), iterations: 2, test: self)
        change(&options)
        return try DACLIPTrainingPlan(options: options)
    }

    func testBatchesDependOnlyOnSeedAndIteration() throws {
        let sampler = try plan().sampler
        let a = try sampler.batch(iteration: 7, size: 4), b = try sampler.batch(iteration: 3, size: 4)
        let again = try sampler.batch(iteration: 7, size: 4)   // after another batch: no hidden state
        XCTAssertEqual(a.lq.values, again.lq.values)
        XCTAssertEqual(a.hq.values, again.hq.values)
        XCTAssertEqual(a.degradationTexts, again.degradationTexts)
        XCTAssertNotEqual(a.lq.values, b.lq.values)
        XCTAssertEqual(a.lq.shape, [4, 3, 16, 16])
        let other = try plan { $0.train.seed = 1 }.sampler.batch(iteration: 7, size: 4)
        XCTAssertNotEqual(other.hq.values, a.hq.values)
        // A fresh sampler (a resumed run) draws the same batch.
        XCTAssertEqual(try plan().sampler.batch(iteration: 7, size: 4).lq.values, a.lq.values)
    }

    func testDegradationTextsAreCanonicalCombinationsOfWords() throws {
        XCTAssertEqual(DegradationText.text(["jpeg block", "noise", "blur"]), "an image with blur, noise, jpeg block")
        XCTAssertEqual(DegradationText.text([]), "an image with no degradation")
        XCTAssertEqual(DegradationText.text([]), DegradationRecord().text)
        let labels = DegradationText.labels()
        XCTAssertEqual(labels.count, 16)
        XCTAssertEqual(labels[0].text, "an image with no degradation")
        XCTAssertEqual(labels[15].text, "an image with blur, ringing artifact, noise, jpeg block")
        XCTAssertEqual(Set(labels.map(\.text)).count, 16)
        let batch = try plan().sampler.batch(iteration: 0, size: 16)
        for (words, text) in zip(batch.words, batch.degradationTexts) {
            XCTAssertEqual(words, DegradationText.canonical(words))
            XCTAssertEqual(text, DegradationText.text(words))
            XCTAssertTrue(labels.contains { $0.text == text }, text)
        }
    }

    func testCleanSamplesKeepTheHQCropAndGetTheCleanText() throws {
        let batch = try plan { $0.data.cleanProbability = 1 }.sampler.batch(iteration: 2, size: 3)
        XCTAssertEqual(batch.lq.values, batch.hq.values)
        XCTAssertEqual(batch.degradationTexts, Array(repeating: DegradationText.clean, count: 3))
    }

    func testMildAugmentationWordsJoinTheTextOnlyWhenMerged() throws {
        func batch(_ text: DACLIPDataOptions.MildText) throws -> DACLIPBatch {
            try plan {
                $0.data.cleanProbability = 1
                $0.data.mild.enabled = true
                $0.data.mild.text = text
                $0.data.mild.settings = .mapping(["resizeProbability": .scalar("0"), "jpegProbability": .scalar("0"),
                                                  "noiseProbability": .scalar("1")])
            }.sampler.batch(iteration: 0, size: 2)
        }
        XCTAssertEqual(try batch(.merged).degradationTexts, ["an image with noise", "an image with noise"])
        let unchanged = try batch(.unchanged)
        XCTAssertEqual(unchanged.degradationTexts, [DegradationText.clean, DegradationText.clean])
        XCTAssertNotEqual(unchanged.lq.values, unchanged.hq.values)
    }

    func testValidationSamplesAreFixedAndNeverAugmented() throws {
        let p = try plan { $0.data.mild.enabled = true; $0.data.mild.probability = 1 }
        let samples = try XCTUnwrap(p.validationSamples)
        XCTAssertEqual(samples.count, 6)
        XCTAssertEqual(Set(samples.map { URL(fileURLWithPath: $0.photo).lastPathComponent }), ["camera.png", "rocket.png"])
        let again = try XCTUnwrap(try plan().validationSamples)
        XCTAssertEqual(samples.map(\.lq.samples), again.map(\.lq.samples))
        XCTAssertEqual(samples.map(\.words), again.map(\.words))
    }

    func testValidationCanUseOtherDegradationSettingsThanTraining() throws {
        // Training crops all noisy; validation crops from the published pipeline (`{}`), where noise is drawn with
        // probability 0.4, or from the training settings when validation names none.
        let noisy: ConfigurationValue = .mapping(["noiseProbability": .scalar("1")])
        let published = try XCTUnwrap(try plan {
            $0.data.cleanProbability = 0
            $0.data.degradationConfig = noisy
            $0.validation?.count = 12
            $0.validation?.degradationConfig = .mapping([:])
        }.validationSamples)
        let asTraining = try XCTUnwrap(try plan {
            $0.data.cleanProbability = 0
            $0.data.degradationConfig = noisy
            $0.validation?.count = 12
        }.validationSamples)
        XCTAssertTrue(asTraining.allSatisfy { $0.words.contains(DegradationName.noise) })
        XCTAssertFalse(published.allSatisfy { $0.words.contains(DegradationName.noise) })
        XCTAssertThrowsError(try plan { $0.validation?.degradationConfig = .mapping(["noiseProbability": .scalar("2")]) }) { error in
            XCTAssertTrue("\(error)".contains("validation.degradation_config"), "\(error)")
        }
    }
}
