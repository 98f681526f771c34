import Degradation
import Imaging
import TestSupport
import XCTest

/// The wild pipeline: determinism per (seed, name), output form, and a record whose text names exactly what was
/// applied. (Its frequencies, parameters and PSNR against the official code: WildPipelineReferenceTests.)
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
            XCTAssertEqual(record.text, Self.officialText(record.operations), "seed \(seed): \(record.operations.map(\.name))")
        }
    }

    /// The text the official `random_degrade` builds for these operations: each step appends its names to deg_list
    /// (a sinc blur 'blur' and 'ringing artifact', a mixed-kernel blur and a resize 'blur', the Wiener deconvolution
    /// 'ringing artifact', the noise step 'noise' whether or not a noise fired, JPEG 'jpeg block'), and the text
    /// lists each name once, in order of first appearance.
    static func officialText(_ operations: [DegradationRecord.Operation]) -> String {
        let names: [String: [String]] = ["sinc": ["blur", "ringing artifact"], "blur": ["blur"], "resize": ["blur"],
                                         "wiener": ["ringing artifact"], "quantise": ["noise"], "jpeg": ["jpeg block"]]
        var seen: [String] = []
        for name in operations.flatMap({ names[$0.name] ?? [] }) where !seen.contains(name) { seen.append(name) }
        return seen.isEmpty ? "an image with no degradation" : "an image with " + seen.joined(separator: ", ")
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
