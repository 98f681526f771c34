import Checkpoints
import Foundation
import Imaging
import Metrics
import TestSupport
import XCTest

/// LPIPS and DISTS against the lpips (0.1.4) and DISTS_pytorch (0.1) packages on the pairs of
/// `Tests/Fixtures/deep_metrics` (written by `Tools/fixtures/deep_metrics.py`): random torchvision trunks regenerated
/// here from the generator's seeds, the real LPIPS heads and DISTS alpha/beta from `models/metrics/`.
final class LearnedMetricsParityTests: XCTestCase {
    /// Within 1e-5 absolute per image, and 1e-4 relative: the random trunks give small scores (0.005–0.06), where
    /// 1e-5 alone would let a missing ScalingLayer or normalisation through. Float32 networks on both sides agree
    /// to about 1e-6 relative.
    static let absoluteTolerance = 1e-5
    static let relativeTolerance = 1e-4

    static func scores() throws -> [String: Any] {
        try XCTUnwrap(Fixtures.json("deep_metrics", "scores.json") as? [String: Any])
    }

    static func cases() throws -> [[String: Any]] {
        try XCTUnwrap(scores()["cases"] as? [[String: Any]])
    }

    static func pair(_ name: String) throws -> (restored: Image, reference: Image) {
        (try Image(contentsOf: Fixtures.path("deep_metrics", "restored", "\(name).png")),
         try Image(contentsOf: Fixtures.path("deep_metrics", "reference", "\(name).png")))
    }

    static func trunk(_ architecture: TrunkArchitecture) throws -> FeatureTrunk {
        try FeatureTrunk(architecture, state: RandomTrunk.stateDict(architecture), file: "random \(architecture.rawValue)")
    }

    static func bundled(_ weights: MetricWeights) throws -> (state: [(name: String, tensor: StoredTensor)], file: String) {
        let url = RandomTrunk.modelsFolder.appendingPathComponent("metrics").appendingPathComponent(weights.fileName)
        return (try CheckpointFile.load(url), url.path)
    }

    /// Asserts |actual − expected| within both tolerances; returns the absolute error.
    @discardableResult
    static func check(_ actual: Double, _ expected: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) -> Double {
        let error = abs(actual - expected)
        XCTAssertLessThanOrEqual(error, absoluteTolerance, "\(what): \(actual) vs \(expected)", file: file, line: line)
        XCTAssertLessThanOrEqual(error, relativeTolerance * abs(expected) + 1e-9, "\(what): \(actual) vs \(expected) (relative)", file: file, line: line)
        return error
    }

    /// The weights regenerated here are the generator's: its first values, last bias, count and sum.
    func testRandomTrunksAreTheGeneratorsWeights() throws {
        let trunks = try XCTUnwrap(Self.scores()["trunks"] as? [String: [String: Any]])
        for architecture in TrunkArchitecture.allCases {
            let record = try XCTUnwrap(trunks[architecture.rawValue], architecture.rawValue)
            let tensors = RandomTrunk.tensors(architecture)
            XCTAssertEqual(record["file"] as? String, architecture.weightsFileName)
            XCTAssertEqual((record["seed"] as? NSNumber)?.uint64Value, RandomTrunk.seed(architecture))
            XCTAssertEqual(tensors.reduce(0) { $0 + $1.values.count }, record["count"] as? Int)
            // Float32 values are exact in JSON's decimal; Foundation's parser may miss the nearest Double by an ulp.
            let first = try XCTUnwrap(record["first_weights"] as? [Double])
            XCTAssertEqual(first.count, 4)
            for (value, expected) in zip(tensors[0].values.prefix(4), first) {
                XCTAssertEqual(Double(value), expected, accuracy: 1e-12 * abs(expected), "\(architecture): first weights")
            }
            let lastBias = try XCTUnwrap(record["last_bias"] as? Double)
            XCTAssertEqual(Double(try XCTUnwrap(tensors.last?.values.last)), lastBias, accuracy: 1e-12 * abs(lastBias), "\(architecture): last bias")
            let sum = tensors.reduce(0.0) { total, tensor in tensor.values.reduce(total) { $0 + Double($1) } }
            XCTAssertEqual(sum, try XCTUnwrap(record["sum"] as? Double), accuracy: 1e-9, "\(architecture): sum")
        }
    }

    func testLPIPSMatchesTheLpipsPackageWithBothTrunks() throws {
        for network in LPIPSNetwork.allCases {
            let heads = try Self.bundled(network.headWeights)
            let lpips = try LPIPS(network: network, trunk: Self.trunk(network.trunk), heads: heads.state, file: heads.file)
            var worst = 0.0, worstLayer = 0.0
            for entry in try Self.cases() {
                let name = try XCTUnwrap(entry["name"] as? String)
                let (restored, reference) = try Self.pair(name)
                let layers = try lpips.layerDistances(restored: restored, reference: reference)
                let expectedLayers = try XCTUnwrap(entry["lpips_\(network.rawValue)_layers"] as? [Double])
                XCTAssertEqual(layers.count, 5)
                for (k, (value, expected)) in zip(layers, expectedLayers).enumerated() {
                    worstLayer = max(worstLayer, Self.check(value, expected, "\(name) \(network) layer \(k)"))
                }
                let score = try lpips.evaluate(restored: restored, reference: reference)
                worst = max(worst, Self.check(score, try XCTUnwrap(entry["lpips_\(network.rawValue)"] as? Double), "\(name) LPIPS \(network)"))
            }
            print(String(format: "LPIPS %@ parity: max |error| %.2e (per layer %.2e)", network.rawValue, worst, worstLayer))
        }
    }

    func testDISTSMatchesTheDISTSPackage() throws {
        let weights = try Self.bundled(.dists)
        let dists = try DISTS(trunk: Self.trunk(.vgg16), weights: weights.state, file: weights.file)
        var worst = 0.0
        for entry in try Self.cases() {
            let name = try XCTUnwrap(entry["name"] as? String)
            let (restored, reference) = try Self.pair(name)
            let score = try dists.evaluate(restored: restored, reference: reference)
            worst = max(worst, Self.check(score, try XCTUnwrap(entry["dists"] as? Double), "\(name) DISTS"))
        }
        print(String(format: "DISTS parity: max |error| %.2e", worst))
    }

    /// The fixture covers what the metrics must handle: odd sizes, a gray pair, an identical pair (scores 0).
    func testFixtureCoversOddSizesGrayAndIdenticalPairs() throws {
        let cases = try Self.cases()
        XCTAssertTrue(cases.contains { ($0["rows"] as? Int ?? 0) % 2 == 1 && ($0["columns"] as? Int ?? 0) % 2 == 1 })
        XCTAssertTrue(cases.contains { $0["channels"] as? Int == 1 })
        let identical = try XCTUnwrap(cases.first { $0["degradation"] as? String == "none" })
        XCTAssertEqual(identical["lpips_alex"] as? Double, 0)
        XCTAssertEqual(try XCTUnwrap(identical["dists"] as? Double), 0, accuracy: 1e-7)
    }
}
