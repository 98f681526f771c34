import Imaging
import XCTest

final class ImageTests: XCTestCase {
    func testPlanarLayoutIndexesChannelThenRowThenColumn() throws {
        // 2×2 RGB: channel planes are contiguous.
        let image = try Image(width: 2, height: 2, channels: 3, samples: (0..<12).map { Float($0) / 11 })
        XCTAssertEqual(image[0, 0, 1], 1 / 11)
        XCTAssertEqual(image[1, 0, 0], 4 / 11)
        XCTAssertEqual(image[2, 1, 1], 11 / 11)
        XCTAssertEqual(image.channel(1).samples, (4..<8).map { Float($0) / 11 })
    }

    func testInvalidDimensionsAreRefusedWithTypedError() {
        XCTAssertThrowsError(try Image(width: 0, height: 4, channels: 3)) { error in
            XCTAssertEqual(error as? ImagingError, .invalidDimensions(width: 0, height: 4, channels: 3))
        }
        XCTAssertThrowsError(try Image(width: 4, height: 4, channels: 5))
        XCTAssertThrowsError(try Image(width: 2, height: 2, channels: 1, samples: [0, 0, 0]))
        XCTAssertThrowsError(try Image(width: Int.max, height: 2, channels: 1))
    }

    func testCropCopiesTheRegionOfEveryChannelAndRefusesRegionsOutside() throws {
        let image = try Image(width: 4, height: 3, channels: 2, samples: (0..<24).map(Float.init))
        let crop = try image.cropped(x: 1, y: 1, width: 2, height: 2)
        XCTAssertEqual(crop.samples, [5, 6, 9, 10, 17, 18, 21, 22])
        XCTAssertThrowsError(try image.cropped(x: 3, y: 0, width: 2, height: 1))
        XCTAssertThrowsError(try image.cropped(x: 0, y: 0, width: 0, height: 1))
    }

    func testAlphaIsDroppedAndColourChannelsCounted() throws {
        let rgba = try Image(width: 1, height: 1, channels: 4, samples: [0.1, 0.2, 0.3, 0.4])
        XCTAssertTrue(rgba.hasAlpha)
        XCTAssertEqual(rgba.colourChannels, 3)
        XCTAssertEqual(rgba.droppingAlpha.samples, [0.1, 0.2, 0.3])
        XCTAssertEqual(rgba.opaqueRGB.samples, [0.1, 0.2, 0.3])
        // Planar gray + alpha, two pixels: the gray plane three times, the alpha plane gone.
        let grayAlpha = try Image(width: 2, height: 1, channels: 2, samples: [0.5, 0.25, 1, 0.75])
        let rgb = grayAlpha.opaqueRGB
        XCTAssertEqual([rgb.width, rgb.height, rgb.channels], [2, 1, 3])
        XCTAssertEqual(rgb.samples, [0.5, 0.25, 0.5, 0.25, 0.5, 0.25])
    }
}

final class PixelConversionTests: XCTestCase {
    func testQuantisationClampsRoundsToNearestAndMapsNaNToZero() throws {
        let values: [Float] = [0, 1, -0.5, 2, .nan, .infinity, 100.4 / 255, 100.6 / 255, 37.0 / 255]
        let image = try Image(width: values.count, height: 1, channels: 1, samples: values)
        XCTAssertEqual(image.interleaved8(), [0, 255, 0, 255, 0, 255, 100, 101, 37])
        XCTAssertEqual(image.interleaved16()[0..<4], [0, 65535, 0, 65535])
    }

    func testEightAndSixteenBitSamplesRoundTripExactly() throws {
        let bytes = (0..<256).map { UInt8($0) } + (0..<256).map { UInt8(255 - $0) } + [7, 8, 9, 10]
        let image = try Image(interleaved8: bytes, width: bytes.count / 4, height: 1, channels: 4)
        XCTAssertEqual(image.interleaved8(), bytes)
        let words = (0..<3000).map { UInt16(($0 * 21_841) % 65536) }
        let deep = try Image(interleaved16: words, width: 1000, height: 1, channels: 3)
        XCTAssertEqual(deep.interleaved16(), words)
    }

    /// `quantisedTo8Bit` equals NumPy's `np.clip(np.round(v·255), 0, 255)/255` written with the library's
    /// rounding, ties to even included (k + ½ for every k), and agrees with what an 8-bit file would hold.
    func testQuantisedTo8BitMatchesClipOfRoundToEven() throws {
        var values: [Float] = [0, 1, -0.5, 2, -.infinity, .infinity, 1e30, -1e30]
        values += (0..<256).map { (Float($0) + 0.5) / 255 } + (0..<2000).map { Float($0) / 1700 - 0.1 }
        let image = try Image(width: values.count, height: 1, channels: 1, samples: values)
        let quantised = image.quantisedTo8Bit
        for (v, q) in zip(values, quantised.samples) {
            XCTAssertEqual(q, min(max((v * 255).rounded(.toNearestOrEven), 0), 255) / 255, "\(v)")
        }
        XCTAssertEqual(quantised.interleaved8(), image.interleaved8())
        let nan = try Image(width: 1, height: 1, channels: 1, samples: [.nan]).quantisedTo8Bit
        XCTAssertEqual(nan.samples, [0])
    }
}
