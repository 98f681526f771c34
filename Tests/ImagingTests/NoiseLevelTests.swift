import Checkpoints
import Foundation
import Imaging
import TestSupport
import WildTensor
import XCTest

/// Immerkær's noise estimate against an independent SciPy implementation (`Tools/fixtures/noise_level.py`) on crops
/// of test photos, clean and noisy; and its premises in closed form: flat noise of deviation σ reads σ, a linear
/// ramp reads 0.
final class NoiseLevelTests: XCTestCase {
    func testImmerkaerEstimateMatchesTheSciPyImplementation() throws {
        let file = try SafeTensorsFile(contentsOf: URL(fileURLWithPath: Fixtures.path("noise_level", "cases.safetensors")))
        let cases = file.names.filter { $0.hasPrefix("image/") }.map { String($0.dropFirst("image/".count)) }
        XCTAssertEqual(cases.count, 9)
        for name in cases {
            let stored = try file.tensor("image/\(name)")
            let image = try Image(width: stored.shape[2], height: stored.shape[1], channels: 3, samples: stored.floatValues())
            let expected = try file.tensor("sigma/\(name)").doubleValues()[0]
            XCTAssertEqual(image.immerkaerNoiseLevel, expected, accuracy: 1e-6 * expected, name)
        }
    }

    func testFlatNoiseReadsItsDeviationAndALinearRampReadsZero() throws {
        var random = TensorRandom(seed: 9)
        let noise = random.normal([400 * 300]).values.map { 0.5 + 0.04 * $0 }
        let flat = try Image(width: 400, height: 300, channels: 3, samples: noise + noise + noise)
        XCTAssertEqual(flat.immerkaerNoiseLevel, 0.04, accuracy: 0.04 * 0.03)
        let ramp = try Image(width: 50, height: 40, channels: 1, samples: (0..<2000).map { Float($0 % 50) * 0.01 + Float($0 / 50) * 0.005 })
        XCTAssertEqual(ramp.immerkaerNoiseLevel, 0, accuracy: 1e-6)
        XCTAssertEqual(try Image(width: 2, height: 9, channels: 1, samples: Array(repeating: 0.3, count: 18)).immerkaerNoiseLevel, 0)
    }
}
