import Degradation
import Imaging
import TestSupport
import XCTest

/// Real-ESRGAN's second-order pipeline and its ground-truth sharpening.
final class RealESRGANPipelineTests: XCTestCase {
    /// USM within 1e-5 of BasicSR's own `usm_sharp` (fixture from Tools/fixtures/degradation_ops.py).
    func testUnsharpMaskMatchesBasicSR() throws {
        let input = try NPYArray.fixture("degradation_ops", "usm_input.npy").image()
        let output = try UnsharpMask.apply(input)
        let d = ImageComparison.maxDifference(output, try NPYArray.fixture("degradation_ops", "usm_output.npy"))
        XCTAssertLessThanOrEqual(d, 1e-5)
        print("USM vs BasicSR usm_sharp: worst |Δ| = \(d)")
    }

    func testScalesGiveLQAQuarterOrHalfTheSizeAndAreReproducible() throws {
        let photo = try Image(contentsOf: Fixtures.path("images", "coffee.png")).resized(width: 64, height: 48, filter: .area)
        for scale in [1, 2, 4] {
            var a = DegradationRandom(seed: 4, name: "coffee"), b = DegradationRandom(seed: 4, name: "coffee")
            let first = try RealESRGANPipeline(scale: scale).apply(photo, random: &a)
            let second = try RealESRGANPipeline(scale: scale).apply(photo, random: &b)
            XCTAssertEqual(first.lq, second.lq)
            XCTAssertEqual(first.record, second.record)
            XCTAssertEqual([first.lq.width, first.lq.height], [64 / scale, 48 / scale])
            XCTAssertEqual([first.groundTruth.width, first.groundTruth.height], [64, 48])
            XCTAssertTrue(first.lq.samples.allSatisfy { $0 >= 0 && $0 <= 1 && abs($0 * 255 - ($0 * 255).rounded()) < 1e-3 })
            XCTAssertTrue(first.record.degradationNames.contains(DegradationName.noise))
            XCTAssertTrue(first.record.degradationNames.contains(DegradationName.jpeg))
        }
        XCTAssertThrowsError(try RealESRGANPipeline(scale: 3).validate())
    }
}
