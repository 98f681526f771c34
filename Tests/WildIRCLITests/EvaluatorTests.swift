import Foundation
import TestSupport
import WildIR
import XCTest

/// Folder pairing and scoring through the library facade.
final class EvaluatorTests: XCTestCase {
    /// Two folders: references as PNG, restored images as lossy PNG/WebP/JPEG with the same stems (gray stays gray in JPEG).
    func makeFolders() throws -> (restored: URL, reference: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-eval-\(UUID().uuidString)")
        let restored = root.appendingPathComponent("restored"), reference = root.appendingPathComponent("reference")
        for dir in [restored, reference] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        for (name, ext) in [("astronaut", "png"), ("chelsea", "webp"), ("camera", "jpg")] {
            let photo = try Image(contentsOf: Fixtures.path("images", "\(name).png"))
            try photo.write(to: reference.appendingPathComponent("\(name).png").path)
            try photo.write(to: restored.appendingPathComponent("\(name).\(ext)").path,
                            options: EncodeOptions(jpegQuality: 30, webpQuality: 30))
        }
        return (restored, reference)
    }

    func testPairsByStemAndScoresEveryPairLikeTheMetrics() throws {
        let (restored, reference) = try makeFolders()
        var progress: [Int] = []
        let report = try Evaluator(options: .init(region: ComparisonRegion(cropBorder: 4, onY: true)))
            .evaluate(restoredDirectory: restored.path, referenceDirectory: reference.path) { done, _ in progress.append(done) }
        XCTAssertEqual(report.scores.map(\.name), ["astronaut", "camera", "chelsea"])
        XCTAssertEqual(progress, [1, 2, 3])
        for score in report.scores {
            let a = try Image(contentsOf: score.restoredPath), b = try Image(contentsOf: score.referencePath)
            let region = ComparisonRegion(cropBorder: 4, onY: true)
            XCTAssertEqual(score.psnr, try PSNR(region: region).evaluate(restored: a, reference: b))
            XCTAssertEqual(score.ssim, try SSIM(region: region).evaluate(restored: a, reference: b))
        }
        XCTAssertEqual(report.meanPSNR, report.scores.map(\.psnr).reduce(0, +) / 3, accuracy: 1e-12)
    }

    func testUnpairedFilesFailUnlessAllowed() throws {
        let (restored, reference) = try makeFolders()
        try FileManager.default.removeItem(at: reference.appendingPathComponent("camera.png"))
        XCTAssertThrowsError(try Evaluator().evaluate(restoredDirectory: restored.path, referenceDirectory: reference.path)) {
            guard case let .unpaired(restoredOnly, referenceOnly) = $0 as? EvaluationError else { return XCTFail("\($0)") }
            XCTAssertEqual(restoredOnly.map { URL(fileURLWithPath: $0).lastPathComponent }, ["camera.jpg"])
            XCTAssertEqual(referenceOnly, [])
        }
        let report = try Evaluator(options: .init(allowUnpaired: true))
            .evaluate(restoredDirectory: restored.path, referenceDirectory: reference.path)
        XCTAssertEqual(report.scores.count, 2)
        XCTAssertEqual(report.unpairedRestored.count, 1)
    }

    func testBrokenFoldersAndFilesAreNamedInErrors() throws {
        let (restored, reference) = try makeFolders()
        XCTAssertThrowsError(try Evaluator().evaluate(restoredDirectory: "/no/such/dir", referenceDirectory: reference.path)) {
            XCTAssertEqual($0 as? EvaluationError, .notADirectory("/no/such/dir"))
        }
        let broken = restored.appendingPathComponent("astronaut.png")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0]).write(to: broken)
        XCTAssertThrowsError(try Evaluator().evaluate(restoredDirectory: restored.path, referenceDirectory: reference.path)) {
            XCTAssertTrue("\($0)".contains(broken.path), "\($0)")
        }
        try FileManager.default.copyItem(atPath: Fixtures.path("images", "rocket.png"), toPath: broken.path.replacingOccurrences(of: "astronaut.png", with: "x.png"))
        try FileManager.default.removeItem(at: broken)
        try Image(contentsOf: Fixtures.path("images", "rocket.png")).write(to: restored.appendingPathComponent("astronaut.png").path)
        XCTAssertThrowsError(try Evaluator(options: .init(allowUnpaired: true))
            .evaluate(restoredDirectory: restored.path, referenceDirectory: reference.path)) {
            guard case .pairFailed = $0 as? EvaluationError else { return XCTFail("\($0)") }
            XCTAssertTrue("\($0)".contains("image sizes differ"))
        }
    }
}
