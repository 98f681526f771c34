import Degradation
import Foundation
import Imaging
import Models
import TestSupport
@testable import Training
import XCTest

/// The damage targets a degradation encoder learns (`train.damage_loss_weight`), on pairs whose answers follow in
/// closed form, and the degradation names the patch sampler carries with each pair.
final class DamageTargetsTests: XCTestCase {
    /// Vertical stripes, `low` and `high` in alternate columns of every channel: luma equals the samples.
    private func stripes(width: Int = 8, height: Int = 4, low: Float, high: Float) throws -> Image {
        var samples: [Float] = []
        for _ in 0..<3 { for _ in 0..<height { for x in 0..<width { samples.append(x % 2 == 0 ? low : high) } } }
        return try Image(width: width, height: height, channels: 3, samples: samples)
    }

    func testACleanPairHasNoDamage() throws {
        let gt = try stripes(low: 0, high: 1)
        let estimate = DamageEstimate(lq: gt, gt: gt, degradationNames: [])
        XCTAssertEqual(estimate.components[0..<4], [0, 0, 0, 0])
        XCTAssertEqual(estimate.level, 0, accuracy: 1e-6, "log10(0 + 1e-5) + 5 = 0")
        XCTAssertEqual(estimate.detail, 0, accuracy: 1e-6)
    }

    func testTheLevelFollowsTheMeanSquaredErrorAndAnOffsetKeepsTheDetail() throws {
        let gt = try stripes(low: 0.2, high: 0.6), lq = try stripes(low: 0.3, high: 0.7)  // every sample + 0.1
        let estimate = DamageEstimate(lq: lq, gt: gt, degradationNames: ["noise"])
        XCTAssertEqual(Double(estimate.level), (log10(0.01 + 1e-5) + 5) / 5, accuracy: 1e-5)
        XCTAssertEqual(estimate.detail, 0, accuracy: 1e-5, "an offset leaves every gradient as it was")
        XCTAssertEqual(estimate.components[0..<4], [0, 0, 1, 0])
    }

    /// Stripes of half the contrast: every horizontal difference halves, so the gradient energy is a quarter
    /// (28 differences of 1 and 24 of 0 against 28 of ½ and 24 of 0) and the detail change is log10 4.
    func testLostContrastShowsAsLostDetailAndNamesAsPresences() throws {
        let gt = try stripes(low: 0, high: 1), lq = try stripes(low: 0.25, high: 0.75)
        let estimate = DamageEstimate(lq: lq, gt: gt, degradationNames: [DegradationName.blur, DegradationName.ringing,
                                                                         DegradationName.jpeg])
        XCTAssertEqual(Double(estimate.detail), log10((28.0 / 52 + 1e-6) / (7.0 / 52 + 1e-6)), accuracy: 1e-5)
        XCTAssertEqual(estimate.components[0..<4], [1, 1, 0, 1])
        // Detail lost entirely is clamped to 1; detail added (the pair the other way round) is negative.
        XCTAssertEqual(DamageEstimate(lq: try stripes(low: 0.5, high: 0.5), gt: gt, degradationNames: []).detail, 1)
        XCTAssertEqual(Double(DamageEstimate(lq: gt, gt: lq, degradationNames: []).detail), -log10(4), accuracy: 1e-5)
    }

    /// Pairs degraded on the fly carry the record's names (none for a pair left clean); pairs cut from an LQ folder
    /// carry none, and a batch that asks for damage targets of them is refused with a clear error.
    func testPairsCarryTheirDegradationNamesAndLQFoldersAreRefused() throws {
        var set = TrainingOptions.TrainingSet()
        set.datarootGT = Fixtures.path("images")
        set.patchSize = 32
        set.batchSize = 4
        let known: Set<String> = [DegradationName.blur, DegradationName.ringing, DegradationName.noise, DegradationName.jpeg]
        let degraded = try PatchSampler(options: set, seed: 1).pairs(iteration: 0)
        for pair in degraded {
            let names = try XCTUnwrap(pair.degradationNames)
            XCTAssertTrue(Set(names).isSubset(of: known), "\(names)")
            if !names.isEmpty { XCTAssertNotEqual(pair.lq, pair.gt, "a patch with degradation names is damaged") }
        }
        XCTAssertTrue(degraded.contains { $0.degradationNames?.isEmpty == false })
        set.cleanProbability = 1
        XCTAssertTrue(try PatchSampler(options: set, seed: 1).pairs(iteration: 0).allSatisfy { $0.degradationNames == [] })
        set.cleanProbability = 0
        set.datarootLQ = Fixtures.path("images")
        let folder = try PatchSampler(options: set, seed: 1)
        XCTAssertTrue(try folder.pairs(iteration: 0).allSatisfy { $0.degradationNames == nil })
        XCTAssertNoThrow(try TrainingBatch(folder, iteration: 0, preprocessing: nil))
        XCTAssertThrowsError(try TrainingBatch(folder, iteration: 0, preprocessing: nil, damageTargets: true)) { error in
            XCTAssertTrue("\(error)".contains("LQ folder"), "\(error)")
        }
        let batch = try TrainingBatch(try PatchSampler(options: { var s = set; s.datarootLQ = nil; return s }(), seed: 1),
                                      iteration: 0, preprocessing: nil, damageTargets: true)
        XCTAssertEqual(try XCTUnwrap(batch.damage).shape, [4, DamageEstimate.count])
    }
}
