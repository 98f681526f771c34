import Imaging
import Metrics
import TestSupport
import XCTest

/// PSNR and SSIM against BasicSR's own `calculate_psnr` / `calculate_ssim` (fixtures from Tools/fixtures/metrics.py).
final class PSNRSSIMTests: XCTestCase {
    func testMatchesBasicSROnRealDegradations() throws {
        let manifest = try XCTUnwrap(try Fixtures.json("metrics", "pairs.json") as? [String: Any])
        let pairs = try XCTUnwrap(manifest["pairs"] as? [[String: Any]])
        XCTAssertGreaterThanOrEqual(pairs.count, 30)
        var worstPSNR = 0.0, worstSSIM = 0.0
        for pair in pairs {
            let restored = try Image(contentsOf: Fixtures.path("metrics", try XCTUnwrap(pair["restored"] as? String)))
            let reference = try Image(contentsOf: Fixtures.path("metrics", try XCTUnwrap(pair["reference"] as? String)))
            let region = ComparisonRegion(cropBorder: try XCTUnwrap(pair["crop_border"] as? Int),
                                          onY: try XCTUnwrap(pair["y_channel"] as? Bool))
            let psnr = try PSNR(region: region).evaluate(restored: restored, reference: reference)
            let ssim = try SSIM(region: region).evaluate(restored: restored, reference: reference)
            let expectedPSNR = try XCTUnwrap(pair["psnr"] as? Double), expectedSSIM = try XCTUnwrap(pair["ssim"] as? Double)
            XCTAssertEqual(psnr, expectedPSNR, accuracy: 1e-4, "\(pair)")
            XCTAssertEqual(ssim, expectedSSIM, accuracy: 1e-5, "\(pair)")
            worstPSNR = max(worstPSNR, abs(psnr - expectedPSNR))
            worstSSIM = max(worstSSIM, abs(ssim - expectedSSIM))
        }
        print("metrics vs BasicSR: worst |ΔPSNR| = \(worstPSNR) dB, worst |ΔSSIM| = \(worstSSIM)")
    }

    /// A constant offset of k/255 everywhere gives PSNR = 20·log10(255/k).
    func testPSNROfAConstantOffsetIsClosedForm() throws {
        let a = try Image(width: 16, height: 12, channels: 3, filledWith: 0.5)
        let b = try Image(width: 16, height: 12, channels: 3, filledWith: 0.5 + 4.0 / 255)
        XCTAssertEqual(try PSNR().evaluate(restored: a, reference: b), 20 * log10(255.0 / 4), accuracy: 1e-4)
        XCTAssertEqual(try PSNR().evaluate(restored: a, reference: a), .infinity)
    }

    func testSSIMOfAnImageWithItselfIsOne() throws {
        let photo = try Image(contentsOf: Fixtures.path("images", "coffee.png"))
        XCTAssertEqual(try SSIM().evaluate(restored: photo, reference: photo), 1, accuracy: 1e-12)
        XCTAssertEqual(try SSIM(region: ComparisonRegion(cropBorder: 4, onY: true)).evaluate(restored: photo, reference: photo), 1, accuracy: 1e-12)
    }

    func testAlphaIsIgnored() throws {
        let rgb = try Image(contentsOf: Fixtures.path("images", "chelsea.png"))
        var rgba = try Image(width: rgb.width, height: rgb.height, channels: 4, samples: rgb.samples + [Float](repeating: 0.2, count: rgb.planeSize))
        let opaque = try Image(width: rgb.width, height: rgb.height, channels: 4, samples: rgb.samples + [Float](repeating: 1, count: rgb.planeSize))
        XCTAssertEqual(try PSNR().evaluate(restored: rgba, reference: opaque), .infinity)
        rgba[0, 0, 0] = 0
        XCTAssertEqual(try PSNR().evaluate(restored: rgba, reference: rgb), try PSNR().evaluate(restored: rgba.droppingAlpha, reference: rgb))
    }

    func testMismatchedSizesAndOversizedCropsAreTypedErrors() throws {
        let a = try Image(width: 20, height: 20, channels: 3)
        let b = try Image(width: 21, height: 20, channels: 3)
        XCTAssertThrowsError(try PSNR().evaluate(restored: a, reference: b)) {
            XCTAssertEqual($0 as? MetricsError, .sizeMismatch(restored: "20×20×3", reference: "21×20×3"))
        }
        XCTAssertThrowsError(try SSIM(region: ComparisonRegion(cropBorder: 5)).evaluate(restored: a, reference: a)) {
            XCTAssertEqual($0 as? MetricsError, .cropTooLarge(cropBorder: 5, width: 20, height: 20, minimum: 11))
        }
        XCTAssertThrowsError(try PSNR(region: ComparisonRegion(cropBorder: -1)).evaluate(restored: a, reference: a)) {
            XCTAssertEqual($0 as? MetricsError, .invalidCropBorder(-1))
        }
    }
}
