import Imaging
import TestSupport
import XCTest

/// BT.601 YCbCr against scikit-image (MATLAB convention), fixtures from Tools/fixtures/colour.py.
final class YCbCrTests: XCTestCase {
    func testForwardInverseAndLumaMatchScikitImage() throws {
        var worst = 0.0
        for name in ["random", "photo"] {
            let rgb = try NPYArray.fixture("colour", "\(name)_rgb.npy").image()
            let ycbcr = try rgb.rgbToYCbCr()
            let dForward = ImageComparison.maxDifference(ycbcr, try NPYArray.fixture("colour", "\(name)_ycbcr.npy"))
            let referenceYCbCr = try NPYArray.fixture("colour", "\(name)_ycbcr.npy").image()
            let back = try referenceYCbCr.ycbcrToRGB()
            let dInverse = ImageComparison.maxDifference(back, try NPYArray.fixture("colour", "\(name)_ycbcr_to_rgb.npy"))
            // `luma` is the Y plane of the full conversion, sample for sample.
            for (a, b) in zip(rgb.luma.samples, ycbcr.channel(0).samples) { XCTAssertEqual(a, b, accuracy: 1e-6) }
            XCTAssertLessThanOrEqual(dForward, 1e-6, name)
            XCTAssertLessThanOrEqual(dInverse, 1e-6, name)
            worst = max(worst, max(dForward, dInverse))
        }
        print("YCbCr vs skimage: worst |Δ| = \(worst)")
    }

    func testLumaOfWhiteAndBlackIsStudioSwing() throws {
        let image = try Image(width: 2, height: 1, channels: 3, samples: [0, 1, 0, 1, 0, 1])
        XCTAssertEqual(image.luma.samples[0], 16.0 / 255, accuracy: 1e-7)
        XCTAssertEqual(image.luma.samples[1], 235.0 / 255, accuracy: 1e-6)
    }

    func testGrayImageIsRefusedByColourConversion() throws {
        let gray = try Image(width: 2, height: 2, channels: 1)
        XCTAssertThrowsError(try gray.rgbToYCbCr())
    }
}
