import Degradation
import Foundation
import Imaging
import TestSupport
import XCTest

/// The ×1 Real-ESRGAN pipeline against Real-ESRGAN's released code (its dataset's kernel draws and
/// `RealESRNetModel.feed_data`, instrumented to log every operation and its drawn parameters; fixtures from
/// `Tools/fixtures/realesrgan_reference.py`, with the real JPEG codec in place of DiffJPEG on both sides): operation
/// frequencies and orders (χ²), every parameter's distribution (χ² or KS and a location test), and the PSNR of LQ
/// against the sharpened GT (KS and a location test that a 0.3 dB shift fails), as for the wild pipeline.
final class RealESRGANReferenceTests: XCTestCase {
    /// The operations, their parameters and orders over 6,000 draws on an 80×80 crop, against the released code's logs.
    func testOperationsAndParametersFollowTheReleasedCode() throws {
        let reference = try XCTUnwrap(try Fixtures.json("degradation", "realesrgan_operations.json") as? [String: Any])
        let image = try XCTUnwrap(reference["image"] as? [String: Any])
        let crop = try XCTUnwrap(image["crop"] as? [Int])
        let gt = try PipelineReference.centreCrop(try XCTUnwrap(image["photo"] as? String), width: crop[0], height: crop[1])
        let draws = try XCTUnwrap(reference["draws"] as? Int)
        XCTAssertEqual(draws, 6000)
        var summary = OperationSummary()
        let pipeline = RealESRGANPipeline(scale: 1)
        for seed in 0..<draws {
            var random = DegradationRandom(seed: UInt64(seed), name: "operations")
            summary.add(try pipeline.apply(gt, random: &random).record)
        }
        let report = try summary.compare(with: reference, pipeline: "realesrgan ×1", texts: false)
        XCTAssertGreaterThanOrEqual(report.count, 35, "every operation, order and parameter is compared (40 today)")
        print("realesrgan ×1 vs the released code, \(draws) draws each:\n  " + report.joined(separator: "\n  "))
    }

    /// PSNR(LQ, sharpened GT) on the 96×96 centre crops of five photos, 2,000 draws per photo on each side.
    func testLQPSNRDistributionMatchesTheReleasedCode() throws {
        let reference = try XCTUnwrap(try Fixtures.json("degradation", "realesrgan_reference_psnr.json") as? [String: Any])
        XCTAssertEqual(reference["draws_per_photo"] as? Int, 2000)
        try PipelineReferencePSNR.compare(reference, pipeline: "realesrgan ×1", drawsPerPhoto: 2000) { gt, seed, photo in
            var random = DegradationRandom(seed: seed, name: photo)
            let (sharpened, lq, _) = try RealESRGANPipeline(scale: 1).apply(gt, random: &random)
            return (lq, sharpened)
        }
    }
}
