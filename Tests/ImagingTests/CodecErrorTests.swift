import Foundation
import Imaging
import TestSupport
import XCTest

/// Bad input: each category gives its typed error naming the source; nothing crashes.
final class CodecErrorTests: XCTestCase {
    func bytes(_ name: String) throws -> [UInt8] { try ImageCodec.readFile(Fixtures.path("codecs", name)) }

    func testEmptyDataIsRefused() {
        XCTAssertThrowsError(try ImageCodec.decode([], source: "empty.png")) {
            XCTAssertEqual($0 as? ImagingError, .emptyData(source: "empty.png"))
            XCTAssertTrue("\($0)".contains("empty.png"))
        }
    }

    func testUnknownSignatureIsRefused() {
        let text = Array("GIF89a not supported".utf8)
        XCTAssertThrowsError(try ImageCodec.decode(text, source: "anim.gif")) {
            XCTAssertEqual($0 as? ImagingError, .unrecognisedFormat(source: "anim.gif"))
        }
    }

    func testTruncatedFilesOfEveryFormatAreCorruptDataErrors() throws {
        for (name, format) in [("rgb8.png", ImageFormat.png), ("interlaced.png", .png), ("baseline420.jpg", .jpeg),
                               ("progressive.jpg", .jpeg), ("lossy.webp", .webp), ("lossless.webp", .webp)] {
            let full = try bytes(name)
            for cut in [full.count / 2, full.count - 3] {
                XCTAssertThrowsError(try ImageCodec.decode(Array(full[0..<cut]), source: name), "\(name) cut at \(cut)") {
                    guard case let .corruptData(source, f, _) = $0 as? ImagingError else { return XCTFail("\(name): \($0)") }
                    XCTAssertEqual(source, name)
                    XCTAssertEqual(f, format)
                }
            }
        }
    }

    func testCorruptedPayloadIsAnError() throws {
        var png = try bytes("rgb8.png")
        for i in 60..<min(200, png.count) { png[i] ^= 0x5A }  // damages IDAT data and its CRC
        XCTAssertThrowsError(try ImageCodec.decode(png, source: "bad.png")) {
            guard case .corruptData = $0 as? ImagingError else { return XCTFail("\($0)") }
        }
    }

    /// A header that claims 50000×50000 is refused before any pixel memory is allocated.
    func testDecompressionBombsAreRefusedFromTheHeader() throws {
        var png = try bytes("rgb8.png")
        // IHDR width/height at offsets 16…23 (big-endian); fix the IHDR CRC so libpng accepts the header.
        for (offset, value) in [(16, UInt32(50_000)), (20, UInt32(50_000))] {
            for k in 0..<4 { png[offset + k] = UInt8((value >> (24 - 8 * UInt32(k))) & 0xFF) }
        }
        let crc = crc32(Array(png[12..<29]))
        for k in 0..<4 { png[29 + k] = UInt8((crc >> (24 - 8 * UInt32(k))) & 0xFF) }
        XCTAssertThrowsError(try ImageCodec.decode(png, source: "bomb.png")) {
            XCTAssertEqual($0 as? ImagingError, .tooManyPixels(source: "bomb.png", width: 50_000, height: 50_000, limit: 100_000_000))
        }
        // The limit is configurable: a small limit refuses even ordinary photos, for every format.
        for name in ["rgb8.png", "baseline420.jpg", "lossy.webp"] {
            XCTAssertThrowsError(try ImageCodec.decode(try bytes(name), source: name, options: DecodeOptions(maxPixels: 100))) {
                guard case .tooManyPixels(_, _, _, 100) = $0 as? ImagingError else { return XCTFail("\(name): \($0)") }
            }
        }
    }

    func testZeroSizeJPEGIsRefused() throws {
        var jpeg = try bytes("baseline420.jpg")
        // Find SOF0 (FF C0) and zero its height field.
        guard let sof = (0..<(jpeg.count - 8)).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }) else {
            return XCTFail("no SOF0 marker")
        }
        jpeg[sof + 5] = 0
        jpeg[sof + 6] = 0
        XCTAssertThrowsError(try ImageCodec.decode(jpeg, source: "zero.jpg")) {
            guard case .corruptData = $0 as? ImagingError else { return XCTFail("\($0)") }
        }
    }

    func testMissingFilesAndDirectoriesAreFileAccessErrors() throws {
        XCTAssertThrowsError(try Image(contentsOf: "/no/such/file.png")) {
            XCTAssertEqual($0 as? ImagingError, .fileAccess(path: "/no/such/file.png", reason: "no such file"))
        }
        let dir = try temporaryDirectory().path
        XCTAssertThrowsError(try Image(contentsOf: dir)) {
            guard case .fileAccess(dir, _) = $0 as? ImagingError else { return XCTFail("\($0)") }
        }
        let empty = dir + "/empty.png"
        XCTAssertTrue(FileManager.default.createFile(atPath: empty, contents: Data()))
        XCTAssertThrowsError(try Image(contentsOf: empty)) {
            XCTAssertEqual($0 as? ImagingError, .emptyData(source: empty))
        }
    }

    /// CRC-32 (ISO 3309, as PNG uses), computed bitwise.
    func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
