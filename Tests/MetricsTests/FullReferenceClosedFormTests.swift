import Foundation
import Imaging
import Metrics
import XCTest

/// PSNR and SSIM on images whose scores follow from the definitions by hand.
final class FullReferenceClosedFormTests: XCTestCase {
    /// A deterministic image with 8-bit values in `range` (so an offset never clips).
    func pattern(width: Int, height: Int, channels: Int, range: ClosedRange<Int> = 20...200) -> Image {
        let span = range.upperBound - range.lowerBound + 1
        let samples = (0..<(width * height * channels)).map { i in
            Float(range.lowerBound + (i * 7919 + i / 13 * 104_729) % span) / 255
        }
        return try! Image(width: width, height: height, channels: channels, samples: samples)
    }

    func offset(_ image: Image, by levels: Int) -> Image {
        let samples = image.samples.map { Float((($0 * 255).rounded() + Float(levels))) / 255 }
        return try! Image(width: image.width, height: image.height, channels: image.channels, samples: samples)
    }

    func testPSNROfConstantOffsetIsTwentyLogOfPeakOverOffset() throws {
        for channels in [1, 3] {
            let reference = pattern(width: 40, height: 30, channels: channels)
            let restored = offset(reference, by: 5)
            // Every compared sample differs by exactly 5 levels: MSE = 25.
            XCTAssertEqual(try PSNR().evaluate(restored: restored, reference: reference), 20 * log10(255.0 / 5),
                           accuracy: 1e-4)
            XCTAssertEqual(try PSNR(region: ComparisonRegion(cropBorder: 3)).evaluate(restored: restored,
                           reference: reference), 20 * log10(255.0 / 5), accuracy: 1e-4)
        }
    }

    func testPSNROnYOfGrayOffsetScalesByLumaGain() throws {
        // An offset of d levels on R = G = B moves Y by d·(65.481 + 128.553 + 24.966)/255 = d·219/255.
        let gray = pattern(width: 32, height: 24, channels: 1)
        let rgb = try Image(width: 32, height: 24, channels: 3, samples: gray.samples + gray.samples + gray.samples)
        let shifted = offset(rgb, by: 10)
        let expected = 20 * log10(255.0 / (10 * 219.0 / 255))
        XCTAssertEqual(try PSNR(region: ComparisonRegion(yChannel: .basicsr)).evaluate(restored: shifted, reference: rgb),
                       expected, accuracy: 1e-4)
        XCTAssertEqual(try PSNR(region: ComparisonRegion()).evaluate(restored: shifted, reference: rgb),
                       20 * log10(255.0 / 10), accuracy: 1e-4)
    }

    func testPSNROfIdenticalImagesIsInfinite() throws {
        let image = pattern(width: 16, height: 16, channels: 3)
        XCTAssertEqual(try PSNR().evaluate(restored: image, reference: image), .infinity)
    }

    func testSSIMOfAnImageWithItselfIsOne() throws {
        for channels in [1, 3] {
            let image = pattern(width: 37, height: 29, channels: channels)
            XCTAssertEqual(try SSIM().evaluate(restored: image, reference: image), 1, accuracy: 1e-12)
            XCTAssertEqual(try SSIM(region: ComparisonRegion(cropBorder: 4, yChannel: .basicsr))
                .evaluate(restored: image, reference: image), 1, accuracy: 1e-12)
        }
    }

    func testSSIMOfTwoConstantImagesIsTheLuminanceTerm() throws {
        // σ = 0 everywhere, so SSIM = (2ab + C1) / (a² + b² + C1) with C1 = (0.01·255)².
        let a = 100.0, b = 130.0, c1 = (0.01 * 255.0) * (0.01 * 255.0)
        let first = try Image(width: 20, height: 15, channels: 3, filledWith: Float(a / 255))
        let second = try Image(width: 20, height: 15, channels: 3, filledWith: Float(b / 255))
        XCTAssertEqual(try SSIM().evaluate(restored: first, reference: second),
                       (2 * a * b + c1) / (a * a + b * b + c1), accuracy: 1e-6)
    }

    func testMetricsAreSymmetric() throws {
        let a = pattern(width: 30, height: 20, channels: 3)
        let b = pattern(width: 30, height: 20, channels: 3, range: 0...255)
        for metric in [PSNR() as any FullReferenceMetric, SSIM()] {
            XCTAssertEqual(try metric.evaluate(restored: a, reference: b), try metric.evaluate(restored: b, reference: a),
                           accuracy: 1e-12, metric.name)
        }
    }

    func testMismatchedSizesAndChannelsAreRefused() throws {
        let a = try Image(width: 20, height: 20, channels: 3)
        for other in [try Image(width: 21, height: 20, channels: 3), try Image(width: 20, height: 19, channels: 3),
                      try Image(width: 20, height: 20, channels: 1)] {
            for metric in [PSNR() as any FullReferenceMetric, SSIM()] {
                XCTAssertThrowsError(try metric.evaluate(restored: a, reference: other)) { error in
                    guard case MetricsError.sizeMismatch = error else { return XCTFail("\(error)") }
                }
            }
        }
        // RGB against RGBA compares the colour channels only, so it is accepted.
        XCTAssertNoThrow(try PSNR().evaluate(restored: a, reference: try Image(width: 20, height: 20, channels: 4)))
    }

    func testCropBorderMustLeaveEnoughPixels() throws {
        let image = try Image(width: 30, height: 20, channels: 1)
        // PSNR needs one pixel; SSIM needs one full 11×11 window.
        XCTAssertNoThrow(try PSNR(region: ComparisonRegion(cropBorder: 9)).evaluate(restored: image, reference: image))
        XCTAssertThrowsError(try PSNR(region: ComparisonRegion(cropBorder: 10)).evaluate(restored: image, reference: image)) {
            XCTAssertEqual($0 as? MetricsError, .cropTooLarge(cropBorder: 10, width: 30, height: 20, minimum: 1))
        }
        XCTAssertNoThrow(try SSIM(region: ComparisonRegion(cropBorder: 4)).evaluate(restored: image, reference: image))
        XCTAssertThrowsError(try SSIM(region: ComparisonRegion(cropBorder: 5)).evaluate(restored: image, reference: image)) {
            XCTAssertEqual($0 as? MetricsError, .cropTooLarge(cropBorder: 5, width: 30, height: 20, minimum: 11))
        }
        XCTAssertThrowsError(try PSNR(region: ComparisonRegion(cropBorder: -1)).evaluate(restored: image, reference: image)) {
            XCTAssertEqual($0 as? MetricsError, .invalidCropBorder(-1))
        }
    }
}
