import Foundation
import TestSupport
import WildIR
import XCTest

/// `Evaluator` on temporary folders of real image files.
final class EvaluatorTests: XCTestCase {
    func testScoresEveryPairLikeTheReferenceImplementation() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        for (onY, crop) in [(false, 0), (true, 4)] {
            let evaluator = Evaluator(options: .init(region: ComparisonRegion(cropBorder: crop, yChannel: onY ? .basicsr : nil)))
            let report = try evaluator.evaluate(restoredDirectory: restored, referenceDirectory: reference)
            XCTAssertEqual(report.scores.map(\.name), ["astronaut", "camera", "chelsea"])
            var psnrs: [Double] = [], ssims: [Double] = []
            for score in report.scores {
                let expected = try EvaluationFixtures.expected(
                    EvaluationFixtures.pairs.first { $0.2 == score.name }!.0, onY: onY, cropBorder: crop)
                XCTAssertEqual(score.psnr, expected.psnr, accuracy: 1e-4, score.name)
                XCTAssertEqual(score.ssim, expected.ssim, accuracy: 1e-5, score.name)
                psnrs.append(expected.psnr)
                ssims.append(expected.ssim)
            }
            XCTAssertEqual(report.meanPSNR, psnrs.reduce(0, +) / 3, accuracy: 1e-4)
            XCTAssertEqual(report.meanSSIM, ssims.reduce(0, +) / 3, accuracy: 1e-5)
            XCTAssertTrue(report.scores.first { $0.name == "chelsea" }!.restoredPath.hasSuffix("chelsea.webp"))
            XCTAssertEqual(report.skipped, [])
        }
    }

    func testGrayReferencePairsWithItsThreeChannelCopy() throws {
        // A gray reference against a restoration saved as RGB (R = G = B) scores as gray against gray.
        let folder = try TemporaryFolder()
        let restored = try folder.folder("restored"), reference = try folder.folder("reference")
        let gray = try EvaluationFixtures.image("camera_noise10.npy")
        let plane = gray.samples
        try Image(width: gray.width, height: gray.height, channels: 3, samples: plane + plane + plane)
            .write(to: restored + "/camera.png")
        try EvaluationFixtures.write("camera_reference.npy", to: reference, as: "camera.png")
        for onY in [false, true] {
            let report = try Evaluator(options: .init(region: ComparisonRegion(yChannel: onY ? .basicsr : nil)))
                .evaluate(restoredDirectory: restored, referenceDirectory: reference)
            let expected = try EvaluationFixtures.expected("camera_noise10.npy", onY: onY, cropBorder: 0)
            XCTAssertEqual(report.scores[0].psnr, expected.psnr, accuracy: 1e-4)
            XCTAssertEqual(report.scores[0].ssim, expected.ssim, accuracy: 1e-5)
        }
    }

    func testIdenticalFoldersGiveInfinitePSNRAndUnitSSIM() throws {
        let folder = try TemporaryFolder()
        let (_, reference) = try EvaluationFixtures.writePairs(in: folder)
        let report = try Evaluator().evaluate(restoredDirectory: reference, referenceDirectory: reference)
        XCTAssertEqual(report.meanPSNR, .infinity)
        XCTAssertEqual(report.meanSSIM, 1, accuracy: 1e-12)
    }

    func testUnpairedFilesAreAnErrorListingThem() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        let extra = try EvaluationFixtures.write("coffee_blur.npy", to: restored, as: "coffee.png")
        let missing = try EvaluationFixtures.write("rocket_reference.npy", to: reference, as: "rocket.png")
        XCTAssertThrowsError(try Evaluator().evaluate(restoredDirectory: restored, referenceDirectory: reference)) { error in
            XCTAssertEqual(error as? EvaluationError, .unpaired(restoredOnly: [extra], referenceOnly: [missing]))
            XCTAssertTrue("\(error)".contains("--allow-unpaired"))
        }
        let report = try Evaluator(options: .init(allowUnpaired: true))
            .evaluate(restoredDirectory: restored, referenceDirectory: reference)
        XCTAssertEqual(report.scores.count, 3)
        XCTAssertEqual(report.unpairedRestored, [extra])
        XCTAssertEqual(report.unpairedReference, [missing])
    }

    func testNoCommonNameIsAnErrorEvenWhenUnpairedAreAllowed() throws {
        let folder = try TemporaryFolder()
        let restored = try folder.folder("restored"), reference = try folder.folder("reference")
        try EvaluationFixtures.write("coffee_blur.npy", to: restored, as: "a.png")
        try EvaluationFixtures.write("coffee_reference.npy", to: reference, as: "b.png")
        XCTAssertThrowsError(try Evaluator(options: .init(allowUnpaired: true))
            .evaluate(restoredDirectory: restored, referenceDirectory: reference)) {
            XCTAssertEqual($0 as? EvaluationError, .noPairs(restoredDirectory: restored, referenceDirectory: reference))
        }
    }

    func testTwoFilesWithOneStemAreAmbiguous() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        try EvaluationFixtures.write("astronaut_noise10.npy", to: restored, as: "astronaut.webp")
        XCTAssertThrowsError(try Evaluator().evaluate(restoredDirectory: restored, referenceDirectory: reference)) {
            guard case let .ambiguousStem(stem, paths)? = $0 as? EvaluationError else { return XCTFail("\($0)") }
            XCTAssertEqual(stem, "astronaut")
            XCTAssertEqual(paths.count, 2)
        }
    }

    func testUndecodableFileIsNamed() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        let broken = restored + "/camera.png"
        try Data("not a PNG at all".utf8).write(to: URL(fileURLWithPath: broken))
        XCTAssertThrowsError(try Evaluator().evaluate(restoredDirectory: restored, referenceDirectory: reference)) {
            guard case .unreadableImage? = $0 as? EvaluationError else { return XCTFail("\($0)") }
            XCTAssertTrue("\($0)".contains(broken), "\($0)")
        }
    }

    func testSizeMismatchNamesBothFiles() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        let small = try Image(width: 50, height: 40, channels: 3, filledWith: 0.5)
        try small.write(to: restored + "/astronaut.png")
        XCTAssertThrowsError(try Evaluator().evaluate(restoredDirectory: restored, referenceDirectory: reference)) {
            guard case .pairFailed? = $0 as? EvaluationError else { return XCTFail("\($0)") }
            let text = "\($0)"
            XCTAssertTrue(text.contains(restored + "/astronaut.png") && text.contains(reference + "/astronaut.png"), text)
            XCTAssertTrue(text.contains("50×40×3") && text.contains("96×80×3"), text)
        }
    }

    func testMissingEmptyAndFileFoldersAreRefused() throws {
        let folder = try TemporaryFolder()
        let (restored, _) = try EvaluationFixtures.writePairs(in: folder)
        let empty = try folder.folder("empty")
        try Data("x".utf8).write(to: URL(fileURLWithPath: empty + "/notes.txt"))
        let missing = folder.path + "/nowhere"
        XCTAssertThrowsError(try Evaluator().evaluate(restoredDirectory: restored, referenceDirectory: empty)) {
            XCTAssertEqual($0 as? EvaluationError, .noImages(empty))
        }
        XCTAssertThrowsError(try Evaluator().evaluate(restoredDirectory: missing, referenceDirectory: restored)) {
            XCTAssertEqual($0 as? EvaluationError, .notADirectory(missing, reason: "no such folder"))
        }
        let file = restored + "/astronaut.png"
        XCTAssertThrowsError(try Evaluator().evaluate(restoredDirectory: restored, referenceDirectory: file)) {
            XCTAssertEqual($0 as? EvaluationError, .notADirectory(file, reason: "is a file, not a folder"))
        }
    }

    func testOtherFilesAreSkippedAndListed() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        try Data("x".utf8).write(to: URL(fileURLWithPath: restored + "/log.txt"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: reference + "/.DS_Store"))
        try FileManager.default.createDirectory(atPath: reference + "/more.png", withIntermediateDirectories: true)
        let report = try Evaluator().evaluate(restoredDirectory: restored, referenceDirectory: reference)
        XCTAssertEqual(report.scores.count, 3)
        XCTAssertEqual(report.skipped, [restored + "/log.txt"])
    }

    func testProgressIsReportedAfterEveryPair() throws {
        let folder = try TemporaryFolder()
        let (restored, reference) = try EvaluationFixtures.writePairs(in: folder)
        var calls: [[Int]] = []
        _ = try Evaluator().evaluate(restoredDirectory: restored, referenceDirectory: reference) { calls.append([$0, $1]) }
        XCTAssertEqual(calls, [[1, 3], [2, 3], [3, 3]])
    }
}
