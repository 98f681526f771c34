import Degradation
import Imaging
import TestSupport
import XCTest

/// The wild pipeline: determinism per (seed, name), output form, and degradation-name frequencies against the
/// values implied by the official probabilities.
final class WildPipelineTests: XCTestCase {
    func crop() throws -> Image {
        try Image(contentsOf: Fixtures.path("images", "chelsea.png")).resized(width: 32, height: 24, filter: .area)
    }

    func testSameSeedAndNameReproduceTheImageAndRecord() throws {
        let image = try crop()
        let pipeline = WildPipeline()
        var a = DegradationRandom(seed: 1, name: "x.png"), b = DegradationRandom(seed: 1, name: "x.png")
        let (outA, recordA) = try pipeline.apply(image, random: &a)
        let (outB, recordB) = try pipeline.apply(image, random: &b)
        XCTAssertEqual(outA, outB)
        XCTAssertEqual(recordA, recordB)
        var differences = 0
        for name in ["a", "b", "c", "d", "e"] {
            var r = DegradationRandom(seed: 1, name: name)
            if try pipeline.apply(image, random: &r).0 != outA { differences += 1 }
        }
        XCTAssertGreaterThanOrEqual(differences, 4)
    }

    func testOutputKeepsTheSizeAndLiesOnTheEightBitGrid() throws {
        let image = try crop()
        for seed in 0..<20 {
            var random = DegradationRandom(seed: UInt64(seed))
            let (out, record) = try WildPipeline().apply(image, random: &random)
            XCTAssertEqual([out.width, out.height, out.channels], [image.width, image.height, 3])
            XCTAssertTrue(out.samples.allSatisfy { $0 >= 0 && $0 <= 1 && abs($0 * 255 - ($0 * 255).rounded()) < 1e-3 })
            XCTAssertTrue(record.text.hasPrefix("an image with "))
        }
    }

    /// P(name) from the official probabilities: jpeg 1 − 0.6² = 0.64; noise 1 − 0.6·0.8 = 0.52;
    /// blur 1 − 0.2·(0.2·0.6·0.2) = 0.9952; ringing 1 − (1 − 0.8·0.1225)(1 − 0.4·0.16)(1 − 0.8·0.805) ≈ 0.6994
    /// (sinc, or Wiener on kernels under 8 taps, per blur phase). 2,000 draws, 4σ bounds.
    func testDegradationNameFrequenciesMatchThePublishedProbabilities() throws {
        let image = try Image(width: 16, height: 16, channels: 3, filledWith: 0.5)
        let n = 2000
        var counts: [String: Int] = [:]
        for i in 0..<n {
            var random = DegradationRandom(seed: 2024, name: "\(i)")
            for name in try WildPipeline().apply(image, random: &random).1.degradationNames { counts[name, default: 0] += 1 }
        }
        let expected: [String: Double] = [DegradationName.jpeg: 0.64, DegradationName.noise: 0.52,
                                          DegradationName.blur: 0.9952, DegradationName.ringing: 0.6994]
        for (name, p) in expected {
            let observed = Double(counts[name, default: 0]) / Double(n)
            XCTAssertEqual(observed, p, accuracy: 4 * (p * (1 - p) / Double(n)).squareRoot() + 1e-3, name)
        }
        print("wild pipeline name frequencies over \(n) draws: \(counts.sorted { $0.key < $1.key })")
    }

    func testInvalidSettingsAreRefusedBeforeAnythingRuns() throws {
        var pipeline = WildPipeline()
        pipeline.firstBlur.maxRadius = 2
        var random = DegradationRandom(seed: 0)
        XCTAssertThrowsError(try pipeline.apply(try crop(), random: &random)) {
            XCTAssertTrue("\($0)".contains("firstBlur.maxRadius"), "\($0)")
        }
        pipeline = WildPipeline()
        pipeline.noiseProbability = -0.1
        XCTAssertThrowsError(try pipeline.validate())
    }

    func testRecordTextListsNamesOnceInOrder() {
        var record = DegradationRecord()
        XCTAssertEqual(record.text, "an image with no degradation")
        record.append(.init("resize"), names: [DegradationName.blur])
        record.append(.init("gaussian_noise", ["sigma": 3.5]), names: [DegradationName.noise])
        record.append(.init("sinc"), names: [DegradationName.blur, DegradationName.ringing])
        XCTAssertEqual(record.text, "an image with blur, noise, ringing artifact")
        XCTAssertEqual(record.operations.count, 3)
    }
}

/// The wild pipeline's PSNR(LQ, GT) distribution against the official `random_degrade` on the same photos
/// (500 draws each side; fixture from Tools/fixtures/wild_reference.py).
final class WildPipelineReferenceDistributionTests: XCTestCase {
    func testPSNRDistributionMatchesTheOfficialPipeline() throws {
        try ReferenceDistribution.compare(pipeline: "wild", fixture: "wild_reference_psnr.json") { gt, seed, name in
            var random = DegradationRandom(seed: seed, name: name)
            return try PSNRReference.psnr(WildPipeline().apply(gt, random: &random).0, gt)
        }
    }
}

enum PSNRReference {
    static func psnr(_ a: Image, _ b: Image) throws -> Double {
        let (x, y) = (a.interleaved8(), b.interleaved8())
        guard x.count == y.count else { throw DegradationError.invalidParameter("size mismatch") }
        var sum = 0.0
        for (p, q) in zip(x, y) {
            let d = Double(Int(p) - Int(q))
            sum += d * d
        }
        let mse = sum / Double(x.count)
        return 10 * log10(255 * 255 / mse)
    }
}
