import Foundation
@testable import Metrics
import TestSupport
import WildTensor
import XCTest

/// FID's and KID's conventions and errors, without the network: the two routes of the Fréchet distance, identical
/// sets, too few images, a missing Inception file.
final class FIDKIDBehaviourTests: XCTestCase {
    /// `count` random vectors of `dimension` values (SplitMix64, uniform on [−1, 1) plus a per-set offset).
    static func features(_ count: Int, _ dimension: Int, seed: UInt64, offset: Double = 0) throws -> FeatureSet {
        var generator = SplitMix64(seed: seed)
        let values = (0..<count * dimension).map { _ in Double(generator.next() >> 11) * 0x1p-52 - 1 + offset }
        return try FeatureSet(count: count, dimension: dimension, values: values)
    }

    /// The statistics route on explicit covariances (`between(mean1:…)`).
    static func statisticsRoute(_ a: FeatureSet, _ b: FeatureSet) throws -> Double {
        func covariance(_ s: FeatureSet) -> [Double] {
            FrechetDistance.covariance(s.centred, count: s.count, dimension: s.dimension)
        }
        return try FrechetDistance.between(mean1: a.mean, covariance1: covariance(a), mean2: b.mean, covariance2: covariance(b))
    }

    func testFeatureRouteEqualsTheStatisticsRouteForSmallAndLargeSets() throws {
        // Sets smaller than the dimension (the feature route, singular covariances) and larger (both full rank).
        for (n1, n2, d) in [(5, 9, 24), (12, 7, 24), (40, 55, 16)] {
            let a = try Self.features(n1, d, seed: 1), b = try Self.features(n2, d, seed: 2, offset: 0.1)
            let viaFeatures = try FrechetDistance.between(a, b), viaStatistics = try Self.statisticsRoute(a, b)
            // With fewer vectors than dimensions Σ₁ is singular and the statistics route takes square roots of
            // eigenvalues that are rounding noise of zeros (as scipy's sqrtm does): agreement to about 1e-9.
            XCTAssertEqual(viaFeatures, viaStatistics, accuracy: 1e-7 * abs(viaStatistics), "n \(n1), \(n2), d \(d)")
            XCTAssertEqual(try FrechetDistance.between(b, a), viaFeatures, accuracy: 1e-10 * abs(viaFeatures), "symmetry")
        }
    }

    /// FID of a set with itself is 0 to rounding (the traces cancel exactly in the feature route). KID's unbiased
    /// estimate of a set against itself is not 0 but negative: the cross term keeps the kernel's diagonal,
    /// 2·(mean off-diagonal − mean of all) < 0, as torch-fidelity's would be.
    func testIdenticalSetsAreAtFIDZero() throws {
        let a = try Self.features(6, 32, seed: 3)
        XCTAssertEqual(try FrechetDistance.between(a, a), 0, accuracy: 1e-12)
        XCTAssertLessThan(try KernelInceptionDistance().evaluate(restored: a, reference: a).mean, 0)
    }

    func testFewerThanTwoImagesAreRefusedNamingTheMinimum() throws {
        let one = try Self.features(1, 8, seed: 4), two = try Self.features(2, 8, seed: 5)
        XCTAssertThrowsError(try FrechetDistance.between(one, two)) { error in
            XCTAssertEqual(error as? MetricsError, .tooFewImages(metric: "FID", set: "restored", count: 1, minimum: 2))
            XCTAssertTrue("\(error)".contains("FID needs at least 2 images in each set"), "\(error)")
        }
        XCTAssertThrowsError(try KernelInceptionDistance().evaluate(restored: two, reference: one)) { error in
            XCTAssertEqual(error as? MetricsError, .tooFewImages(metric: "KID", set: "reference", count: 1, minimum: 2))
        }
        XCTAssertNoThrow(try FrechetDistance.between(two, two))
    }

    func testKIDSubsetsAreDistinctIndicesAndReproducible() {
        var first = TensorRandom(seed: 9), second = TensorRandom(seed: 9)
        let a = KernelInceptionDistance.subset(of: 50, size: 20, &first)
        XCTAssertEqual(Set(a).count, 20)
        XCTAssertTrue(a.allSatisfy { (0..<50).contains($0) })
        XCTAssertEqual(a, KernelInceptionDistance.subset(of: 50, size: 20, &second))
    }

    func testMissingInceptionNamesTheFileAndItsURL() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wildir-fid-\(UUID().uuidString)").path
        let locator = MetricWeightsLocator(environment: ["TORCH_HOME": "\(root)/torch", "HOME": "\(root)/home"])
        XCTAssertThrowsError(try FIDInception(locator: locator)) { error in
            let message = "\(error)"
            for text in ["pt_inception-2015-12-05-6726825d.pth", "\(root)/torch/hub/checkpoints",
                         "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth",
                         "--weights fid-inception=PATH"] {
                XCTAssertTrue(message.contains(text), "'\(text)' missing from: \(message)")
            }
        }
    }
}
