import Foundation
import Imaging
import Metrics
import TestSupport
import XCTest

/// PSNR and SSIM with `YChannelConvention.pyiqa` against pyiqa 0.1.16's own `psnry` and `ssim`, on degraded crops
/// of the test photos, their photographic negatives and whole degraded test photos (Tools/fixtures/pyiqa_metrics.py).
final class PyiqaYChannelParityTests: XCTestCase {
    struct Case {
        let kind: String
        let restored: String
        let reference: String
        let cropBorder: Int
        let restoredIsUnitScale: Bool
        /// pyiqa's scores, and BasicSR's Y-channel PSNR of the same pair (scikit-image).
        let psnr: Double, ssim: Double, basicSRPSNR: Double
        var label: String { "\(kind) \(restored) crop=\(cropBorder)" }
    }

    static func cases() throws -> [Case] {
        let manifest = try XCTUnwrap(Fixtures.json("metrics", "pyiqa.json") as? [String: Any])
        XCTAssertEqual(manifest["pyiqa"] as? String, "0.1.16")
        return try XCTUnwrap(manifest["cases"] as? [[String: Any]]).map { entry in
            Case(kind: try XCTUnwrap(entry["kind"] as? String),
                 restored: try XCTUnwrap(entry["restored"] as? String),
                 reference: try XCTUnwrap(entry["reference"] as? String),
                 cropBorder: try XCTUnwrap(entry["crop_border"] as? Int),
                 restoredIsUnitScale: (entry["restored_scale"] as? String) == "unit",
                 psnr: try XCTUnwrap(entry["psnr_pyiqa"] as? Double),
                 ssim: try XCTUnwrap(entry["ssim_pyiqa"] as? Double),
                 basicSRPSNR: try XCTUnwrap(entry["psnr_basicsr"] as? Double))
        }
    }

    /// The pair of a case as the fixture generator gave it to pyiqa: .npy crops (uint8 / 255, float32 as is, the
    /// negative as 255 − v), or PNG files read as WildIR reads them, a gray one beside an RGB one made R = G = B.
    func images(_ c: Case) throws -> (restored: Image, reference: Image) {
        func crop(_ file: String, unitScale: Bool) throws -> Image {
            if file.hasPrefix("negative:") {
                let levels = try NPYArray.fixture("metrics", String(file.dropFirst("negative:".count))).image()
                return try Image(width: levels.width, height: levels.height, channels: levels.channels,
                                 samples: levels.samples.map { Float((255 - Double($0)) * (1.0 / 255)) })
            }
            return try NPYArray.fixture("metrics", file).image(scale: unitScale ? 1 : 1.0 / 255)
        }
        guard c.kind == "photo" else {
            return (try crop(c.restored, unitScale: c.restoredIsUnitScale), try crop(c.reference, unitScale: false))
        }
        func rgb(_ image: Image) throws -> Image {
            guard image.colourChannels == 1 else { return image }
            let plane = image.channel(0).samples
            return try Image(width: image.width, height: image.height, channels: 3, samples: plane + plane + plane)
        }
        return (try rgb(Image(contentsOf: Fixtures.path(c.restored))), try rgb(Image(contentsOf: Fixtures.path(c.reference))))
    }

    func testPSNRAndSSIMOnPyiqasYMatchPyiqa() throws {
        let cases = try Self.cases()
        XCTAssertEqual(cases.count, 66, "52 degraded crops, 2 negatives and 12 whole-photo cases")
        XCTAssertEqual(Set(cases.map(\.kind)), ["crop", "negative", "photo"])
        var worst = (psnr: 0.0, ssim: 0.0)
        for c in cases {
            let (restored, reference) = try images(c)
            let region = ComparisonRegion(cropBorder: c.cropBorder, yChannel: .pyiqa)
            let psnr = try PSNR(region: region).evaluate(restored: restored, reference: reference)
            let ssim = try SSIM(region: region).evaluate(restored: restored, reference: reference)
            XCTAssertEqual(psnr, c.psnr, accuracy: 1e-4, c.label)
            XCTAssertEqual(ssim, c.ssim, accuracy: 1e-5, c.label)
            worst = (max(worst.psnr, abs(psnr - c.psnr)), max(worst.ssim, abs(ssim - c.ssim)))
            // The conventions really differ: BasicSR's studio-swing Y gives a PSNR 20·log10(255/219) dB higher.
            let basicSR = try PSNR(region: ComparisonRegion(cropBorder: c.cropBorder, yChannel: .basicsr))
                .evaluate(restored: restored, reference: reference)
            XCTAssertEqual(basicSR, c.basicSRPSNR, accuracy: 1e-4, c.label)
            XCTAssertEqual(basicSR - psnr, 20 * log10(255.0 / 219), accuracy: 1e-3, c.label)
        }
        print("pyiqa Y: worst |ΔPSNR| = \(worst.psnr) dB, worst |ΔSSIM| = \(worst.ssim) over \(cases.count) cases")
    }

    func testEightBitLevelsRoundAsPyiqaWhicheverWayTheyWereScaled() throws {
        // WildIR's decoders give Float(k) · (1/255), pyiqa float32(k) / 255; they differ in the last bit for some k,
        // which decides the rounding of Y·255 at exact halves (about one pixel in a thousand).
        func decoded(_ image: Image) throws -> Image {
            try Image(width: image.width, height: image.height, channels: image.channels,
                      samples: image.samples.map { ($0 * 255).rounded() * (1 / Float(255)) })
        }
        var differing = 0
        for c in try Self.cases() where c.kind == "crop" && !c.restoredIsUnitScale {
            let (restored, reference) = try images(c)
            let (a, b) = (try decoded(restored), try decoded(reference))
            differing += zip(a.samples + b.samples, restored.samples + reference.samples).filter { $0 != $1 }.count
            let ssim = try SSIM(region: ComparisonRegion(cropBorder: c.cropBorder, yChannel: .pyiqa)).evaluate(restored: a, reference: b)
            XCTAssertEqual(ssim, c.ssim, accuracy: 1e-5, c.label)
        }
        XCTAssertGreaterThan(differing, 0, "the two scalings differ on these photos")
    }

    func testPyiqaSSIMClipsTheContrastStructureTerm() throws {
        // On a photo's negative σ₁₂ < 0 wherever there is texture: pyiqa's SSIM clips those terms to zero, BasicSR's
        // (which does not clip) goes below zero.
        for c in try Self.cases() where c.kind == "negative" {
            let (restored, reference) = try images(c)
            let ssim = try SSIM(region: ComparisonRegion(yChannel: .pyiqa)).evaluate(restored: restored, reference: reference)
            XCTAssertEqual(ssim, c.ssim, accuracy: 1e-5, c.label)
            XCTAssertLessThan(try SSIM(region: ComparisonRegion(yChannel: .basicsr)).evaluate(restored: restored, reference: reference), 0, c.label)
        }
    }

    func testIdenticalImagesScorePyiqasEightyDecibels() throws {
        let image = try NPYArray.fixture("metrics", "coffee_reference.npy").image(scale: 1.0 / 255)
        XCTAssertEqual(try PSNR(region: ComparisonRegion(yChannel: .pyiqa)).evaluate(restored: image, reference: image), 80, accuracy: 1e-9)
        XCTAssertEqual(try SSIM(region: ComparisonRegion(yChannel: .pyiqa)).evaluate(restored: image, reference: image), 1, accuracy: 1e-12)
    }

    func testFullRangeLumaIsYIQsY() throws {
        let image = try Image(width: 2, height: 1, channels: 3, samples: [1, 0, 0, 1, 0, 0.5])
        let luma = image.fullRangeLuma
        XCTAssertEqual(luma.channels, 1)
        XCTAssertEqual(luma.samples[0], 0.299, accuracy: 1e-7)
        XCTAssertEqual(luma.samples[1], 0.587 + 0.057, accuracy: 1e-7)
        let gray = try Image(width: 2, height: 1, channels: 1, samples: [0.25, 0.75])
        XCTAssertEqual(gray.fullRangeLuma.samples, gray.samples)
    }
}
