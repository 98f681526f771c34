import Foundation
import Imaging
import TestSupport
import XCTest

/// Feeds mutated and truncated PNG, JPEG and WebP files through `ImageCodec.decode`: every input must either
/// decode to a valid image or throw an `ImagingError` — never crash, trap or return garbage.
///
/// `WILDIR_FUZZ_ITERATIONS` sets the count (default 10,000): `make fuzz` runs a million.
final class CodecFuzzTests: XCTestCase {
    static let seeds = ["rgb8.png", "palette_trns.png", "rgb16.png", "interlaced.png", "gray1.png", "gray_alpha8.png",
                        "baseline420.jpg", "progressive.jpg", "gray.jpg", "cmyk.jpg", "orientation6.jpg",
                        "lossy.webp", "lossless_alpha.webp"]

    func testMutatedFilesDecodeOrThrowTypedErrors() throws {
        let iterations = ProcessInfo.processInfo.environment["WILDIR_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 10_000
        let seeds = try Self.seeds.map { try ImageCodec.readFile(Fixtures.path("codecs", $0)) }
        var rng = SplitMix64(seed: 0x5EED_F00D)
        var decoded = 0, rejected = 0
        var reasons: [String: Int] = [:]
        // Keep the limit modest so that inflated headers are refused rather than allocating gigabytes.
        let options = DecodeOptions(maxPixels: 4_000_000)
        for i in 0..<iterations {
            let seed = seeds[i % seeds.count]
            let input = Mutator.mutate(seed, rng: &rng)
            do {
                let image = try ImageCodec.decode(input, source: "fuzz-\(i)", options: options)
                XCTAssertGreaterThan(image.width, 0)
                XCTAssertGreaterThan(image.height, 0)
                XCTAssertEqual(image.samples.count, image.width * image.height * image.channels)
                XCTAssertTrue(image.samples.allSatisfy { $0 >= 0 && $0 <= 1 }, "decoded samples outside [0, 1]")
                decoded += 1
            } catch let error as ImagingError {
                rejected += 1
                reasons[Self.category(error), default: 0] += 1
            } catch {
                XCTFail("input \(i): untyped error \(error)")
            }
        }
        print("codec fuzz: \(iterations) inputs, \(decoded) decoded, \(rejected) rejected \(reasons.sorted { $0.key < $1.key })")
        XCTAssertEqual(decoded + rejected, iterations)
        XCTAssertGreaterThan(rejected, iterations / 10, "mutations should break many files")
    }

    static func category(_ error: ImagingError) -> String {
        switch error {
        case .corruptData(_, let format, _): return "corrupt \(format.name)"
        case .tooManyPixels: return "too many pixels"
        case .unrecognisedFormat: return "unrecognised"
        case .emptyData: return "empty"
        default: return "other"
        }
    }
}


/// Structure-aware and blind mutations of image files.
enum Mutator {
    static func mutate(_ original: [UInt8], rng: inout SplitMix64) -> [UInt8] {
        var bytes = original
        let rounds = Int.random(in: 1...3, using: &rng)
        for _ in 0..<rounds {
            guard !bytes.isEmpty else { break }
            switch Int.random(in: 0..<8, using: &rng) {
            case 0:  // bit flips
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    let i = Int.random(in: 0..<bytes.count, using: &rng)
                    bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                }
            case 1:  // interesting byte values
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE].randomElement(using: &rng) ?? 0
            case 2:  // truncation
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            case 3:  // duplicate a span
                let a = Int.random(in: 0..<bytes.count, using: &rng)
                let b = min(bytes.count, a + Int.random(in: 1...64, using: &rng))
                bytes.insert(contentsOf: bytes[a..<b], at: Int.random(in: 0...bytes.count, using: &rng))
            case 4:  // delete a span
                let a = Int.random(in: 0..<bytes.count, using: &rng)
                let b = min(bytes.count, a + Int.random(in: 1...64, using: &rng))
                bytes.removeSubrange(a..<b)
            case 5:  // a 32-bit or 16-bit field overwritten (lengths, sizes, offsets)
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                let value = [UInt32.max, 0, 0x7FFF_FFFF, 0x0001_0000, UInt32.random(in: 0...UInt32.max, using: &rng)]
                    .randomElement(using: &rng) ?? 0
                for k in 0..<4 where i + k < bytes.count { bytes[i + k] = UInt8((value >> (24 - 8 * UInt32(k))) & 0xFF) }
            case 6:  // header dimensions inflated
                inflateDimensions(&bytes, rng: &rng)
            default:  // random bytes in a window
                let a = Int.random(in: 0..<bytes.count, using: &rng)
                for i in a..<min(bytes.count, a + Int.random(in: 1...16, using: &rng)) { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
            }
        }
        // Half of the PNG mutants get valid chunk CRCs so that damage reaches the decoder past the checksum.
        if ImageFormat.sniff(bytes) == .png, Bool.random(using: &rng) { repairPNGChecksums(&bytes) }
        return bytes
    }

    static func inflateDimensions(_ bytes: inout [UInt8], rng: inout SplitMix64) {
        let big: UInt16 = [0xFFFF, 0x4000, 0x2710, 0].randomElement(using: &rng) ?? 0xFFFF
        switch ImageFormat.sniff(bytes) {
        case .png where bytes.count >= 24:
            let offset = Bool.random(using: &rng) ? 16 : 20
            bytes[offset] = 0; bytes[offset + 1] = 0
            bytes[offset + 2] = UInt8(big >> 8); bytes[offset + 3] = UInt8(big & 0xFF)
        case .jpeg:
            if let sof = (0..<max(0, bytes.count - 8)).first(where: { bytes[$0] == 0xFF && (0xC0...0xC2).contains(bytes[$0 + 1]) }) {
                let offset = sof + (Bool.random(using: &rng) ? 5 : 7)
                bytes[offset] = UInt8(big >> 8); bytes[offset + 1] = UInt8(big & 0xFF)
            }
        case .webp where bytes.count >= 30:
            let offset = 26 + Int.random(in: 0..<4, using: &rng)
            bytes[offset] = UInt8(big & 0xFF)
        default: break
        }
    }

    /// Recomputes the CRC of every complete PNG chunk.
    static func repairPNGChecksums(_ bytes: inout [UInt8]) {
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let end = offset + 8 + length
            guard length >= 0, end + 4 <= bytes.count else { return }
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes[(offset + 4)..<end] {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            crc = ~crc
            for k in 0..<4 { bytes[end + k] = UInt8((crc >> (24 - 8 * UInt32(k))) & 0xFF) }
            offset = end + 4
        }
    }
}
