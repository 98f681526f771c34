import Foundation
import Imaging
import TestSupport
import XCTest

/// Decoded pixels against independent decoders (pypng, Pillow), fixtures from Tools/fixtures/codecs.py.
final class CodecDecodeTests: XCTestCase {
    struct Entry { let file: String, reference: String, channels: Int, bits: Int, orientation: Int? }

    func entries() throws -> [Entry] {
        let manifest = try XCTUnwrap(try Fixtures.json("codecs", "manifest.json") as? [String: Any])
        return try XCTUnwrap(manifest["files"] as? [[String: Any]]).map {
            Entry(file: try XCTUnwrap($0["file"] as? String), reference: try XCTUnwrap($0["reference"] as? String),
                  channels: try XCTUnwrap($0["channels"] as? Int), bits: try XCTUnwrap($0["bits"] as? Int),
                  orientation: $0["orientation"] as? Int)
        }
    }

    /// Every fixture decodes to exactly the reference samples, with the expected channel count.
    func testEveryFixtureDecodesExactlyAsTheReferenceDecoder() throws {
        let all = try entries()
        XCTAssertEqual(all.count, 27, "every file codecs.py writes")
        for entry in all {
            let image = try Image(contentsOf: Fixtures.path("codecs", entry.file))
            let reference = try NPYArray.fixture("codecs", entry.reference)
            XCTAssertEqual(image.channels, entry.channels, entry.file)
            let maximum = entry.bits == 16 ? 65535.0 : 255.0
            // Samples are exact multiples of 1/255 (1/65535): compare on the integer scale.
            let worst = ImageComparison.maxDifference(image, reference, scale: 1 / maximum) * maximum
            XCTAssertLessThan(worst, 0.01, "\(entry.file): differs by \(worst) steps")
        }
    }

    /// With orientation handling off, JPEG pixels come back as stored.
    func testOrientationCanBeIgnored() throws {
        for orientation in 2...8 {
            let path = Fixtures.path("codecs", "orientation\(orientation).jpg")
            let stored = try Image(contentsOf: path, options: DecodeOptions(applyOrientation: false))
            let reference = try NPYArray.fixture("codecs", "orientation\(orientation)_stored.npy")
            XCTAssertEqual(ImageComparison.maxDifference8(stored, reference), 0, "orientation \(orientation)")
        }
    }

    /// 16-bit PNG keeps all 16 bits (not truncated to 8).
    func testSixteenBitPNGKeepsLowBytes() throws {
        let image = try Image(contentsOf: Fixtures.path("codecs", "rgb16.png"))
        let lowBitsUsed = image.samples.contains { v in
            let s = (v * 65535).rounded()
            return Int(s) % 257 != 0
        }
        XCTAssertTrue(lowBitsUsed)
    }

    /// The format comes from the bytes: a PNG with a .jpg name still decodes.
    func testWrongExtensionStillDecodesBySignature() throws {
        let dir = try temporaryDirectory()
        let misnamed = dir.appendingPathComponent("actually-a-png.jpg").path
        try FileManager.default.copyItem(atPath: Fixtures.path("codecs", "rgb8.png"), toPath: misnamed)
        let a = try Image(contentsOf: misnamed)
        let b = try Image(contentsOf: Fixtures.path("codecs", "rgb8.png"))
        XCTAssertEqual(a, b)
    }
}

/// A fresh empty folder under the system temporary directory, removed at process exit by the OS's tmp policy.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
