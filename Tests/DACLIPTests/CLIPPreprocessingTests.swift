@testable import DACLIP
import Foundation
import Imaging
import TestSupport
import XCTest

/// DA-CLIP's preprocessing against Pillow and torchvision themselves (`Tools/fixtures/clip_preprocessing.py`): the
/// 224 × 224 8-bit images byte for byte, the normalised tensors within 1e-6 (they come out identical).
final class CLIPPreprocessingTests: XCTestCase {
    /// One case of the fixture: where its source comes from and how it is preprocessed.
    struct Case {
        let name: String, source: String, repeating: Int, crop: [Int]?, mode: CLIPPreprocessing.Resizing

        init(_ object: [String: Any]) throws {
            name = try XCTUnwrap(object["name"] as? String)
            source = try XCTUnwrap(object["source"] as? String)
            repeating = try XCTUnwrap(object["repeat"] as? Int)
            crop = object["crop"] as? [Int]
            mode = try XCTUnwrap(CLIPPreprocessing.Resizing(rawValue: try XCTUnwrap(object["mode"] as? String)))
        }
    }

    func cases(_ fixture: InferenceFixture) throws -> [Case] {
        try XCTUnwrap(fixture.metadata("cases") as? [[String: Any]]).map(Case.init)
    }

    /// The case's input image: a test photo (or the fixture's random image), each pixel repeated k × k times, cropped,
    /// handed over as WildIR's decoders make images (level / 255 in Float32).
    func source(of c: Case, _ fixture: InferenceFixture) throws -> Image {
        var pixels: RGB8Image
        if c.source == "noise" {
            let shape = try fixture.shape("noise/source")
            let levels = try fixture.values("noise/source").map { UInt8($0) }
            pixels = RGB8Image(truncating: try Image(interleaved8: levels, width: shape[1], height: shape[0], channels: 3))
        } else {
            pixels = RGB8Image(truncating: try Image(contentsOf: Fixtures.path("images", "\(c.source).png")))
        }
        if c.repeating > 1 {
            let (k, w, h) = (c.repeating, pixels.width, pixels.height)
            var levels = [UInt8](repeating: 0, count: 3 * w * h * k * k)
            for ch in 0..<3 {
                for y in 0..<(h * k) {
                    for x in 0..<(w * k) { levels[(ch * h * k + y) * w * k + x] = pixels[ch, y / k, x / k] }
                }
            }
            pixels = try RGB8Image(width: w * k, height: h * k, samples: levels)
        }
        if let crop = c.crop { pixels = try pixels.cropped(x: crop[0], y: crop[1], width: crop[2], height: crop[3]) }
        return try Image(interleaved8: pixels.interleaved, width: pixels.width, height: pixels.height, channels: 3)
    }

    /// FNV-1a, 64 bits.
    func fnv1a64(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return String(format: "%016llx", hash)
    }

    func testResizedImagesAreByteIdenticalToPillowAndTorchvision() throws {
        let fixture = try InferenceFixture.preprocessing()
        let all = try cases(fixture)
        XCTAssertGreaterThanOrEqual(all.count, 20)
        let full = Set(try XCTUnwrap(fixture.metadata("full_cases") as? [String]))
        var identical = 0
        for c in all {
            let input = try source(of: c, fixture)
            let resized = try CLIPPreprocessing(resizing: c.mode).resized(input)
            XCTAssertEqual([resized.width, resized.height], [224, 224], c.name)
            let hwc = resized.interleaved
            // Row sums locate a difference; the digest proves identity.
            var rowSums = [Double](repeating: 0, count: 224 * 3)
            for y in 0..<224 {
                for x in 0..<224 {
                    for ch in 0..<3 { rowSums[y * 3 + ch] += Double(hwc[(y * 224 + x) * 3 + ch]) }
                }
            }
            let expectedSums = try fixture.values("\(c.name)/row_sums")
            let rows = (0..<224).filter { y in (0..<3).contains { rowSums[y * 3 + $0] != expectedSums[y * 3 + $0] } }
            XCTAssertEqual(rows, [], "\(c.name) (\(input.width)×\(input.height), \(c.mode)): rows differing from Pillow")
            XCTAssertEqual(fnv1a64(hwc), fixture.file.metadata["\(c.name)/fnv1a64"], "\(c.name): bytes differ from Pillow")
            if full.contains(c.name) {
                let expected = try fixture.values("\(c.name)/pixels")
                let differences = zip(hwc, expected).map { abs(Double($0) - $1) }
                XCTAssertEqual(differences.max(), 0, "\(c.name): largest level difference")
            }
            if rows.isEmpty && fnv1a64(hwc) == fixture.file.metadata["\(c.name)/fnv1a64"] { identical += 1 }
        }
        print("CLIP preprocessing: \(identical) of \(all.count) cases byte-identical to Pillow \(fixture.file.metadata["pillow_version"] ?? "?")")
    }

    func testNormalisationIsTorchvisionsToTensorAndNormalize() throws {
        let fixture = try InferenceFixture.preprocessing()
        // Every level of every channel.
        let ramp = try RGB8Image(width: 256, height: 1, samples: (0..<3).flatMap { _ in (0..<256).map(UInt8.init) })
        let table = CLIPPreprocessing().normalised(ramp).map(Double.init)
        let levels = try maximumDifference(table, fixture.values("levels/normalised"))
        XCTAssertLessThanOrEqual(levels, 1e-6)
        // A whole case (every fourth row and column stored).
        let c = try XCTUnwrap(try cases(fixture).first { $0.name == "chelsea_crop" })
        let tensor = try CLIPPreprocessing().tensor([try source(of: c, fixture)])
        XCTAssertEqual(tensor.shape, [1, 3, 224, 224])
        let values = tensor.values
        var strided: [Double] = []
        for ch in 0..<3 {
            for y in stride(from: 0, to: 224, by: 4) {
                for x in stride(from: 0, to: 224, by: 4) { strided.append(Double(values[(ch * 224 + y) * 224 + x])) }
            }
        }
        let whole = try maximumDifference(strided, fixture.values("chelsea_crop/normalised_stride4"))
        XCTAssertLessThanOrEqual(whole, 1e-6)
        print("CLIP normalisation: largest difference from torchvision \(max(levels, whole))")
    }

    func testQuantisationTruncatesAsTheOfficialClipTransform() throws {
        // Lossless for images read from 8-bit files (level · float32(1/255) · 255 truncates back to the level).
        let levels = (0..<256).map(UInt8.init)
        let image = try Image(interleaved8: levels.flatMap { [$0, $0, $0] }, width: 256, height: 1, channels: 3)
        XCTAssertEqual(RGB8Image(truncating: image).samples, levels + levels + levels)
        // Truncation, not rounding; out-of-range values and NaN clamp.
        let odd = try Image(width: 5, height: 1, channels: 1, samples: [0.999, 0.5, -0.2, 1.7, .nan])
        XCTAssertEqual(RGB8Image(truncating: odd).samples.prefix(5), [254, 127, 0, 255, 0])
    }

    func testGrayIsReplicatedAndAlphaDropped() throws {
        let photo = try Image(contentsOf: Fixtures.path("images", "coffee.png"))
        let rgba = try Image(width: photo.width, height: photo.height, channels: 4,
                             samples: photo.samples + [Float](repeating: 0.25, count: photo.planeSize))
        let preprocessing = CLIPPreprocessing()
        XCTAssertEqual(try preprocessing.resized(rgba), try preprocessing.resized(photo))
        let gray = photo.channel(1)
        let grayAlpha = try Image(width: gray.width, height: gray.height, channels: 2,
                                  samples: gray.samples + [Float](repeating: 1, count: gray.planeSize))
        let replicated = try preprocessing.resized(gray)
        XCTAssertEqual(try preprocessing.resized(grayAlpha), replicated)
        XCTAssertEqual(try preprocessing.resized(gray.expandedToRGB()), replicated)
        let plane = 224 * 224
        XCTAssertEqual(Array(replicated.samples[0..<plane]), Array(replicated.samples[plane..<(2 * plane)]))
    }

    func testTorchvisionSizesAndCropOffsets() {
        XCTAssertTrue(TorchvisionGeometry.shorterSideResize(width: 256, height: 170, to: 224) == (337, 224))
        XCTAssertTrue(TorchvisionGeometry.shorterSideResize(width: 17, height: 171, to: 224) == (224, 2253))
        XCTAssertTrue(TorchvisionGeometry.shorterSideResize(width: 300, height: 300, to: 224) == (224, 224))
        // Python's round: halves to even.
        XCTAssertEqual(TorchvisionGeometry.centreCropOffset(length: 1549, crop: 224), 662)
        XCTAssertEqual(TorchvisionGeometry.centreCropOffset(length: 1551, crop: 224), 664)
        XCTAssertEqual(TorchvisionGeometry.centreCropOffset(length: 337, crop: 224), 56)
        XCTAssertEqual(TorchvisionGeometry.centreCropOffset(length: 224, crop: 224), 0)
    }

    func testPillowWeightsAreNormalisedFixedPoint() {
        for (input, output) in [(256, 337), (761, 224), (5, 224), (1, 224), (4000, 224)] {
            let taps = PillowResamplingCoefficients(inputSize: input, outputSize: output)
            for i in 0..<output {
                let sum = (0..<taps.counts[i]).reduce(0) { $0 + Int(taps.weights[i * taps.taps + $1]) }
                // Each weight is rounded on its own: the sum is 2²² within half a unit per tap.
                XCTAssertLessThanOrEqual(abs(sum - (1 << 22)), taps.counts[i], "\(input)→\(output), output \(i)")
                XCTAssertGreaterThanOrEqual(taps.starts[i], 0)
                XCTAssertLessThanOrEqual(taps.starts[i] + taps.counts[i], input)
            }
        }
    }

    func testAnImageOfTheTargetSizeIsReturnedUnchanged() throws {
        let levels = (0..<(3 * 224 * 224)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        let pixels = try RGB8Image(width: 224, height: 224, samples: levels)
        XCTAssertEqual(PillowResampling.bicubic(pixels, width: 224, height: 224), pixels)
        let image = try Image(interleaved8: pixels.interleaved, width: 224, height: 224, channels: 3)
        for mode in CLIPPreprocessing.Resizing.allCases {
            XCTAssertEqual(try CLIPPreprocessing(resizing: mode).resized(image), pixels)
        }
    }
}
