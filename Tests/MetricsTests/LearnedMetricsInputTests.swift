import Checkpoints
import Foundation
import Imaging
import Metrics
import TestSupport
import XCTest

/// What LPIPS and DISTS accept: equal sizes only, the trunks' smallest inputs, gray as R = G = B, alpha ignored.
final class LearnedMetricsInputTests: XCTestCase {
    static func lpips(_ network: LPIPSNetwork) throws -> LPIPS {
        let heads = try LearnedMetricsParityTests.bundled(network.headWeights)
        return try LPIPS(network: network, trunk: LearnedMetricsParityTests.trunk(network.trunk), heads: heads.state, file: heads.file)
    }

    static func image(width: Int, height: Int, channels: Int = 3, seed: UInt64) throws -> Image {
        var generator = SplitMix64(seed: seed)
        let samples = (0..<(width * height * channels)).map { _ in Float(generator.next() >> 40) / Float(1 << 24) }
        return try Image(width: width, height: height, channels: channels, samples: samples)
    }

    func testDifferentSizesAreRefusedWithBothSizes() throws {
        let lpips = try Self.lpips(.alex)
        XCTAssertThrowsError(try lpips.evaluate(restored: Self.image(width: 64, height: 48, seed: 1),
                                                reference: Self.image(width: 48, height: 64, seed: 2))) { error in
            XCTAssertEqual(error as? MetricsError, .sizeMismatch(restored: "64×48", reference: "48×64"))
            XCTAssertEqual("\(error)", "image sizes differ: restored is 64×48, reference is 48×64")
        }
    }

    /// AlexNet needs 31 pixels for its second max-pool to have a window; VGG16 16 for four poolings.
    func testImagesBelowTheTrunksSmallestInputAreRefused() throws {
        XCTAssertEqual(TrunkArchitecture.alexnet.weightsFileName, "alexnet-owt-7be5be79.pth")
        let alex = try Self.lpips(.alex)
        XCTAssertThrowsError(try alex.evaluate(restored: Self.image(width: 30, height: 40, seed: 1), reference: Self.image(width: 30, height: 40, seed: 2))) {
            XCTAssertTrue("\($0)".contains("at least 31×31 pixels (LPIPS with AlexNet)"), "\($0)")
        }
        XCTAssertNoThrow(try alex.evaluate(restored: Self.image(width: 31, height: 31, seed: 1), reference: Self.image(width: 31, height: 31, seed: 2)))
        let vgg = try Self.lpips(.vgg)
        XCTAssertThrowsError(try vgg.evaluate(restored: Self.image(width: 15, height: 20, seed: 1), reference: Self.image(width: 15, height: 20, seed: 2))) {
            XCTAssertTrue("\($0)".contains("at least 16×16 pixels (LPIPS with VGG16)"), "\($0)")
        }
        XCTAssertNoThrow(try vgg.evaluate(restored: Self.image(width: 16, height: 17, seed: 1), reference: Self.image(width: 16, height: 17, seed: 2)))
    }

    /// DISTS's L2 pooling has a window at every size: even a 3×5 image is scored.
    func testDISTSScoresTinyImages() throws {
        let weights = try LearnedMetricsParityTests.bundled(.dists)
        let dists = try DISTS(trunk: LearnedMetricsParityTests.trunk(.vgg16), weights: weights.state, file: weights.file)
        let score = try dists.evaluate(restored: Self.image(width: 3, height: 5, seed: 1), reference: Self.image(width: 3, height: 5, seed: 2))
        XCTAssertTrue(score.isFinite && score > 0, "\(score)")
    }

    /// A gray image scores as its RGB copy, and alpha changes nothing.
    func testGrayIsRGBWithEqualChannelsAndAlphaIsIgnored() throws {
        let lpips = try Self.lpips(.alex)
        let (gray, other) = (try Self.image(width: 40, height: 36, channels: 1, seed: 3), try Self.image(width: 40, height: 36, channels: 1, seed: 4))
        let asGray = try lpips.evaluate(restored: gray, reference: other)
        let asRGB = try lpips.evaluate(restored: gray.expandedToRGB(), reference: other.expandedToRGB())
        XCTAssertEqual(asGray, asRGB)
        let rgb = try Self.image(width: 40, height: 36, seed: 5)
        let alpha = try Image(width: 40, height: 36, channels: 4, samples: rgb.samples + [Float](repeating: 0.25, count: 40 * 36))
        XCTAssertEqual(try lpips.evaluate(restored: alpha, reference: other), try lpips.evaluate(restored: rgb, reference: other))
    }
}
