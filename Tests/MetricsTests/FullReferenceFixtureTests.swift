import Imaging
import Metrics
import TestSupport
import XCTest

/// PSNR and SSIM against scikit-image (cross-checked with BasicSR's own code) on degraded crops of the test photos:
/// fixtures and manifest from Tools/fixtures/metrics.py.
final class FullReferenceFixtureTests: XCTestCase {
    struct Case {
        let restored: String
        let reference: String
        let restoredIsUnitScale: Bool
        let region: ComparisonRegion
        /// scikit-image's scores and BasicSR's own `calculate_psnr` / `calculate_ssim` on the same pair.
        let psnr: Double, ssim: Double
        let basicSRPSNR: Double, basicSRSSIM: Double
        var label: String { "\(restored) y=\(region.onY) crop=\(region.cropBorder)" }
    }

    static func cases() throws -> [Case] {
        let manifest = try XCTUnwrap(Fixtures.json("metrics", "manifest.json") as? [String: Any])
        let entries = try XCTUnwrap(manifest["cases"] as? [[String: Any]])
        return try entries.map { entry in
            Case(restored: try XCTUnwrap(entry["restored"] as? String),
                 reference: try XCTUnwrap(entry["reference"] as? String),
                 restoredIsUnitScale: (entry["restored_scale"] as? String) == "unit",
                 region: ComparisonRegion(cropBorder: try XCTUnwrap(entry["crop_border"] as? Int),
                                          yChannel: try XCTUnwrap(entry["y_channel"] as? Bool) ? .basicsr : nil),
                 psnr: try XCTUnwrap(entry["psnr"] as? Double),
                 ssim: try XCTUnwrap(entry["ssim"] as? Double),
                 basicSRPSNR: try XCTUnwrap(entry["psnr_basicsr"] as? Double, "BasicSR's PSNR"),
                 basicSRSSIM: try XCTUnwrap(entry["ssim_basicsr"] as? Double, "BasicSR's SSIM"))
        }
    }

    /// Loads each fixture file once (uint8 arrays are divided by 255; float arrays are already on [0, 1]).
    final class ImageCache {
        private var images: [String: Image] = [:]
        func image(_ file: String, unitScale: Bool) throws -> Image {
            if let image = images[file] { return image }
            let image = try NPYArray.fixture("metrics", file).image(scale: unitScale ? 1 : 1.0 / 255)
            images[file] = image
            return image
        }
    }

    func testPSNRAndSSIMMatchScikitImageAndBasicSR() throws {
        let cases = try Self.cases()
        XCTAssertEqual(cases.count, 104, "the manifest lists every photo × degradation × Y × crop")
        let cache = ImageCache()
        var worstPSNR = (0.0, ""), worstSSIM = (0.0, "")
        for c in cases {
            let restored = try cache.image(c.restored, unitScale: c.restoredIsUnitScale)
            let reference = try cache.image(c.reference, unitScale: false)
            let psnr = try PSNR(region: c.region).evaluate(restored: restored, reference: reference)
            let ssim = try SSIM(region: c.region).evaluate(restored: restored, reference: reference)
            for (name, referencePSNR, referenceSSIM) in [("skimage", c.psnr, c.ssim), ("BasicSR", c.basicSRPSNR, c.basicSRSSIM)] {
                XCTAssertEqual(psnr, referencePSNR, accuracy: 1e-4, "\(c.label) vs \(name)")
                XCTAssertEqual(ssim, referenceSSIM, accuracy: 1e-5, "\(c.label) vs \(name)")
                if abs(psnr - referencePSNR) >= worstPSNR.0 { worstPSNR = (abs(psnr - referencePSNR), "\(c.label) vs \(name)") }
                if abs(ssim - referenceSSIM) >= worstSSIM.0 { worstSSIM = (abs(ssim - referenceSSIM), "\(c.label) vs \(name)") }
            }
        }
        print("PSNR vs skimage and BasicSR: worst |Δ| = \(worstPSNR.0) dB (\(worstPSNR.1))")
        print("SSIM vs skimage and BasicSR: worst |Δ| = \(worstSSIM.0) (\(worstSSIM.1))")
    }

    func testAlphaIsIgnored() throws {
        let cache = ImageCache()
        let cases = try Self.cases().filter { $0.restored.hasPrefix("astronaut") || $0.restored.hasPrefix("camera") }
        XCTAssertEqual(cases.count, 40, "astronaut and camera: five degradations × Y × crop each")
        for c in cases {
            let restored = try withAlpha(cache.image(c.restored, unitScale: c.restoredIsUnitScale), seed: 1)
            let reference = try withAlpha(cache.image(c.reference, unitScale: false), seed: 2)
            XCTAssertEqual(try PSNR(region: c.region).evaluate(restored: restored, reference: reference), c.psnr,
                           accuracy: 1e-4, c.label)
            XCTAssertEqual(try SSIM(region: c.region).evaluate(restored: restored, reference: reference), c.ssim,
                           accuracy: 1e-5, c.label)
        }
    }

    /// `image` with an extra, differing alpha plane appended (RGB → RGBA, gray → gray + alpha).
    func withAlpha(_ image: Image, seed: UInt64) throws -> Image {
        var state = seed
        let alpha = (0..<image.planeSize).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
        return try Image(width: image.width, height: image.height, channels: image.channels + 1,
                         samples: image.samples + alpha)
    }
}
