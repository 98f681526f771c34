import Checkpoints
import Foundation
import Imaging
@testable import Metrics
import TestSupport
import XCTest

/// FID and KID against pytorch-fid 0.3.0 (and a NumPy transcription of torch-fidelity's KID formula) on the two
/// small sets of `Tests/Fixtures/fid_kid` (written by `Tools/fixtures/fid_kid.py`), with the random FID Inception
/// regenerated here from the generator's seed; and the Fréchet distance alone against scipy's `sqrtm` route.
final class FIDKIDParityTests: XCTestCase {
    /// Features: largest |difference| over the largest |value| of each set, Float32 networks on both sides.
    static let featureTolerance = 1e-4
    /// FID and KID from the features computed here.
    static let scoreTolerance = 1e-3

    static func scores() throws -> [String: Any] {
        try XCTUnwrap(Fixtures.json("fid_kid", "scores.json") as? [String: Any])
    }

    /// The images of one fixture folder, in file-name order (pytorch-fid's order in the generator).
    static func images(_ folder: String) throws -> [Image] {
        let directory = Fixtures.path("fid_kid", folder)
        return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".png") }.sorted()
            .map { try Image(contentsOf: (directory as NSString).appendingPathComponent($0)) }
    }

    static func fixtureFeatures(_ folder: String) throws -> FeatureSet {
        let array = try NPYArray(path: Fixtures.path("fid_kid", "features_\(folder).npy"))
        return try FeatureSet(count: array.shape[0], dimension: array.shape[1], values: array.values)
    }

    /// The features of both folders computed here, once for all tests (the network is the costly part).
    nonisolated(unsafe) static var computed: (restored: FeatureSet, reference: FeatureSet)?

    static func computedFeatures() throws -> (restored: FeatureSet, reference: FeatureSet) {
        if let computed { return computed }
        let inception = try FIDInception(state: RandomInception.stateDict(), file: "random FID Inception")
        let restored = try images("restored"), reference = try images("reference")
        // Uneven batches on purpose: batching must not change features.
        let features = (try FeatureSet(inception.features(of: Array(restored.prefix(4))) + inception.features(of: Array(restored.dropFirst(4)))),
                        try FeatureSet(inception.features(of: reference)))
        computed = features
        return features
    }

    static func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

    /// The weights regenerated here are the generator's: count, first values, last value, sum.
    func testRandomInceptionIsTheGeneratorsNetwork() throws {
        let record = try XCTUnwrap(Self.scores()["inception"] as? [String: Any])
        let tensors = RandomInception.tensors()
        XCTAssertEqual(record["file"] as? String, FIDInception.weightsFileName)
        XCTAssertEqual(tensors.count, record["tensors"] as? Int)
        XCTAssertEqual(tensors.reduce(0) { $0 + $1.values.count }, record["count"] as? Int)
        XCTAssertEqual(tensors.first?.name, record["first_name"] as? String)
        XCTAssertEqual(tensors.last?.name, record["last_name"] as? String)
        for (value, expected) in zip(try XCTUnwrap(tensors.first?.values.prefix(4)), try XCTUnwrap(record["first_values"] as? [Double])) {
            XCTAssertEqual(Double(value), expected, accuracy: 1e-12 * abs(expected))
        }
        let last = try XCTUnwrap(record["last_value"] as? Double)
        XCTAssertEqual(Double(try XCTUnwrap(tensors.last?.values.last)), last, accuracy: 1e-12 * abs(last))
        let sum = tensors.reduce(0.0) { total, tensor in tensor.values.reduce(total) { $0 + Double($1) } }
        XCTAssertEqual(sum, try XCTUnwrap(record["sum"] as? Double), accuracy: 1e-6)
    }

    func testFeaturesMatchPytorchFID() throws {
        let computed = try Self.computedFeatures()
        var worst = 0.0
        for (folder, ours) in [("restored", computed.restored), ("reference", computed.reference)] {
            let expected = try Self.fixtureFeatures(folder)
            XCTAssertEqual(ours.count, expected.count, folder)
            XCTAssertEqual(ours.dimension, FIDInception.featureCount)
            let scale = expected.values.map(abs).max() ?? 0
            let error = zip(ours.values, expected.values).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(error / scale, Self.featureTolerance, "\(folder) features")
            worst = max(worst, error / scale)
        }
        print(String(format: "FID Inception features vs pytorch-fid: max relative error %.2e", worst))
    }

    func testFIDAndKIDMatchPytorchFIDAndTheKIDFormula() throws {
        let scores = try Self.scores()
        let computed = try Self.computedFeatures()
        let fid = try FrechetDistance.between(computed.restored, computed.reference)
        let expectedFID = try XCTUnwrap(scores["fid"] as? Double)
        XCTAssertLessThanOrEqual(Self.relative(fid, expectedFID), Self.scoreTolerance, "FID \(fid) vs pytorch-fid \(expectedFID)")
        let kidRecord = try XCTUnwrap(scores["kid"] as? [String: Any])
        let kid = try KernelInceptionDistance(subsets: try XCTUnwrap(kidRecord["subsets"] as? Int), subsetSize: 1000,
                                              seed: 7).evaluate(restored: computed.restored, reference: computed.reference)
        let expectedKID = try XCTUnwrap(kidRecord["mean"] as? Double)
        XCTAssertEqual(kid.subsetSize, kidRecord["subset_size"] as? Int)
        XCTAssertLessThanOrEqual(Self.relative(kid.mean, expectedKID), Self.scoreTolerance, "KID \(kid.mean) vs \(expectedKID)")
        print(String(format: "FID %.6f vs pytorch-fid %.6f (relative %.2e); KID %.6f vs %.6f (relative %.2e)",
                     fid, expectedFID, Self.relative(fid, expectedFID), kid.mean, expectedKID, Self.relative(kid.mean, expectedKID)))
    }

    /// On the generator's own features the formulas agree to rounding (FID is a difference of larger traces, so
    /// relative rounding grows): FID with the float64 singular-value value,
    /// KID (whole sets and seeded subsets, so the subset draws are the generator's) with NumPy's.
    func testDistancesOfTheFixtureFeaturesMatchNumPy() throws {
        let scores = try Self.scores()
        let restored = try Self.fixtureFeatures("restored"), reference = try Self.fixtureFeatures("reference")
        let fid = try FrechetDistance.between(restored, reference)
        let exact = try XCTUnwrap(scores["fid_exact"] as? Double), pytorchFID = try XCTUnwrap(scores["fid"] as? Double)
        XCTAssertLessThanOrEqual(Self.relative(fid, exact), 1e-9, "FID \(fid) vs float64 \(exact)")
        XCTAssertLessThanOrEqual(Self.relative(fid, pytorchFID), 1e-5, "FID \(fid) vs pytorch-fid \(pytorchFID) on the same features")
        for key in ["kid", "kid_subsets"] {
            let record = try XCTUnwrap(scores[key] as? [String: Any])
            let kid = try KernelInceptionDistance(subsets: try XCTUnwrap(record["subsets"] as? Int),
                                                  subsetSize: try XCTUnwrap(record["subset_size"] as? Int),
                                                  seed: try XCTUnwrap((record["seed"] as? NSNumber)?.uint64Value))
                .evaluate(restored: restored, reference: reference)
            XCTAssertEqual(kid.mean, try XCTUnwrap(record["mean"] as? Double), accuracy: 1e-10, key)
            XCTAssertEqual(kid.standardDeviation, try XCTUnwrap(record["std"] as? Double), accuracy: 1e-10, key)
        }
        print(String(format: "fixture features: FID %.10f vs float64 %.10f vs pytorch-fid %.10f", fid, exact, pytorchFID))
    }

    func testFrechetDistanceMatchesScipyOnRandomCovariances() throws {
        func array(_ name: String) throws -> [Double] { try NPYArray(path: Fixtures.path("fid_kid", "frechet_\(name).npy")).values }
        let value = try FrechetDistance.between(mean1: array("mu1"), covariance1: array("sigma1"),
                                                mean2: array("mu2"), covariance2: array("sigma2"))
        let expected = try XCTUnwrap(Self.scores()["frechet"] as? Double)
        XCTAssertLessThanOrEqual(Self.relative(value, expected), 1e-9, "\(value) vs scipy \(expected)")
        print(String(format: "Fréchet distance vs scipy sqrtm: %.12f vs %.12f (relative %.2e)", value, expected, Self.relative(value, expected)))
    }
}
