import DACLIPTraining
import XCTest

/// The zero-shot protocol's scoring: per-word accuracy, balanced accuracy and chance levels.
final class ZeroShotTests: XCTestCase {
    func testWordScoresAgainstHandCounts() throws {
        let directory = try TinyRun.temporaryDirectory(self)
        var options = try TinyRun.options(directory, iterations: 2, test: self)
        options.validation?.count = 10
        let trainer = try DACLIPTrainer(options: options)
        let report = try XCTUnwrap(try trainer.validate())
        XCTAssertEqual(report.count, 10)
        XCTAssertEqual(report.words.map(\.word), DegradationText.vocabulary)
        for word in report.words {
            // The majority rule, the balanced mean of the two rates, and accuracy as their prevalence-weighted mean.
            let p = Double(word.present) / 10
            XCTAssertEqual(word.chance, max(p, 1 - p), accuracy: 1e-12)
            if word.present > 0 && word.present < 10 {
                XCTAssertEqual(word.balancedAccuracy, (word.truePositiveRate + word.trueNegativeRate) / 2, accuracy: 1e-12)
                XCTAssertEqual(word.accuracy, p * word.truePositiveRate + (1 - p) * word.trueNegativeRate, accuracy: 1e-12)
            }
        }
        XCTAssertGreaterThan(report.exactChance, 0)
        XCTAssertEqual(report.meanChance, report.words.map(\.chance).reduce(0, +) / 4, accuracy: 1e-12)
        // Before any step the controller adds nothing: the LQ content embedding is plain CLIP's.
        XCTAssertEqual(report.fidelity, report.fidelityWithoutController, accuracy: 1e-6)
    }
}
