import Foundation
import Imaging
import TestSupport
import XCTest

/// Encoding: lossless round trips, JPEG against Pillow's encoder, option validation, atomic file writes.
final class CodecEncodeTests: XCTestCase {
    func photo() throws -> Image { try Image(contentsOf: Fixtures.path("images", "chelsea.png")) }

    func testPNGRoundTripsExactlyAtEightAndSixteenBitsForEveryChannelCount() throws {
        let rgb16 = try Image(contentsOf: Fixtures.path("codecs", "rgba16.png"))
        for channels in 1...4 {
            let source: Image
            switch channels {
            case 1: source = rgb16.channel(0)
            case 2: source = try Image(width: rgb16.width, height: rgb16.height, channels: 2,
                                       samples: rgb16.channel(0).samples + rgb16.channel(3).samples)
            case 3: source = rgb16.droppingAlpha
            default: source = rgb16
            }
            let back16 = try ImageCodec.decode(try ImageCodec.encode(source, as: .png, options: EncodeOptions(pngBitDepth: 16)))
            XCTAssertEqual(back16.interleaved16(), source.interleaved16(), "16-bit, \(channels) channel(s)")
            let back8 = try ImageCodec.decode(try ImageCodec.encode(source, as: .png))
            XCTAssertEqual(back8.interleaved8(), source.interleaved8(), "8-bit, \(channels) channel(s)")
        }
    }

    func testLosslessWebPRoundTripsExactlyWithAndWithoutAlpha() throws {
        let rgba = try Image(contentsOf: Fixtures.path("codecs", "rgba8.png"))
        for image in [rgba, rgba.droppingAlpha] {
            let bytes = try ImageCodec.encode(image, as: .webp, options: EncodeOptions(webpLossless: true))
            XCTAssertEqual(ImageFormat.sniff(bytes), .webp)
            let back = try ImageCodec.decode(bytes)
            XCTAssertEqual(back.channels, image.channels)
            XCTAssertEqual(back.interleaved8(), image.interleaved8())
        }
    }

    func testLossyWebPIsCloseAndGrayBecomesRGB() throws {
        let gray = try Image(contentsOf: Fixtures.path("images", "camera.png"))
        let back = try ImageCodec.decode(try ImageCodec.encode(gray, as: .webp, options: EncodeOptions(webpQuality: 95)))
        XCTAssertEqual(back.channels, 3)
        let psnr = meanSquaredPSNR(back.channel(1), gray)
        XCTAssertGreaterThan(psnr, 35)
    }

    /// WildIR's JPEG encoder (libjpeg-turbo, accurate DCT) writes the same bytes as Pillow's at equal quality, 4:2:0.
    func testJPEGEncodeMatchesPillowAtTheSameQuality() throws {
        let source = try NPYArray.fixture("codecs", "encode_source.npy").image(scale: 1.0 / 255)
        for quality in [10, 50, 90] {
            let bytes = try ImageCodec.encode(source, as: .jpeg, options: EncodeOptions(jpegQuality: quality, jpegSubsampling: .s420))
            let decoded = try ImageCodec.decode(bytes)
            let reference = try NPYArray.fixture("codecs", "encode_q\(quality)_decoded.npy")
            let worst = ImageComparison.maxDifference8(decoded, reference)
            print("JPEG q\(quality) encode vs Pillow: worst |Δ| = \(worst)/255")
            XCTAssertEqual(worst, 0, "quality \(quality): \(worst)/255")
            XCTAssertEqual(bytes, try ImageCodec.readFile(Fixtures.path("codecs", "encode_q\(quality)_pillow.jpg")),
                           "quality \(quality): not byte-identical to Pillow's file")
        }
    }

    func testJPEGQualityIsValidatedAndAlphaDropped() throws {
        let rgba = try Image(contentsOf: Fixtures.path("codecs", "rgba8.png"))
        for quality in [1, 100] {
            let back = try ImageCodec.decode(try ImageCodec.encode(rgba, as: .jpeg, options: EncodeOptions(jpegQuality: quality)))
            XCTAssertEqual(back.channels, 3)
        }
        for quality in [0, 101, -5] {
            XCTAssertThrowsError(try ImageCodec.encode(rgba, as: .jpeg, options: EncodeOptions(jpegQuality: quality))) {
                guard case .invalidParameter = $0 as? ImagingError else { return XCTFail("\($0)") }
            }
        }
        let gray = try Image(contentsOf: Fixtures.path("images", "camera.png"))
        XCTAssertEqual(try ImageCodec.decode(try ImageCodec.encode(gray, as: .jpeg)).channels, 1)
    }

    func testInvalidPNGOptionsAreRefused() throws {
        let image = try photo()
        XCTAssertThrowsError(try ImageCodec.encode(image, as: .png, options: EncodeOptions(pngBitDepth: 12)))
        XCTAssertThrowsError(try ImageCodec.encode(image, as: .png, options: EncodeOptions(pngCompressionLevel: 10)))
        XCTAssertThrowsError(try ImageCodec.encode(image, as: .webp, options: EncodeOptions(webpQuality: 120)))
    }

    func testWriteChoosesTheFormatFromTheExtensionAndLeavesNoTemporaryFiles() throws {
        let dir = try temporaryDirectory()
        let image = try photo()
        for (name, format) in [("a.png", ImageFormat.png), ("b.JPG", .jpeg), ("c.jpeg", .jpeg), ("d.webp", .webp)] {
            let path = dir.appendingPathComponent(name).path
            try image.write(to: path)
            XCTAssertEqual(ImageFormat.sniff(try ImageCodec.readFile(path)), format, name)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["a.png", "b.JPG", "c.jpeg", "d.webp"])
    }

    func testWriteToUnknownExtensionOrMissingFolderFailsWithoutTouchingAnything() throws {
        let dir = try temporaryDirectory()
        let image = try photo()
        XCTAssertThrowsError(try image.write(to: dir.appendingPathComponent("x.tiff").path)) {
            XCTAssertEqual($0 as? ImagingError, .unsupportedExtension(path: dir.appendingPathComponent("x.tiff").path, ext: "tiff"))
        }
        let missing = dir.appendingPathComponent("no/such/folder/x.png").path
        XCTAssertThrowsError(try image.write(to: missing)) {
            guard case .fileAccess(let path, _) = $0 as? ImagingError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, missing)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }

    func testOverwritingKeepsTheOldFileUntilTheNewOneIsComplete() throws {
        // An encode failure (bad option) must leave the existing file untouched.
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("keep.jpg").path
        let image = try photo()
        try image.write(to: path)
        let before = try ImageCodec.readFile(path)
        XCTAssertThrowsError(try image.write(to: path, options: EncodeOptions(jpegQuality: 0)))
        XCTAssertEqual(try ImageCodec.readFile(path), before)
    }

    /// PSNR of two one-channel images on the 8-bit scale (a local helper; the Metrics module is tested separately).
    func meanSquaredPSNR(_ a: Image, _ b: Image) -> Double {
        let mse = zip(a.samples, b.samples).map { Double($0 - $1) * 255 }.map { $0 * $0 }.reduce(0, +) / Double(a.samples.count)
        return 10 * log10(255 * 255 / mse)
    }
}
