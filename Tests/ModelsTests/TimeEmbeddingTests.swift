import Foundation
import Models
import TestSupport
import WildTensor
import XCTest

/// The diffusion time embedding of the IR-SDE U-Net against PyTorch (`SinusoidalPosEmb`, computed in float64 by
/// `Tools/fixtures/tensor_operations.py`).
final class TimeEmbeddingTests: XCTestCase {
    func testSinusoidalPositionEmbeddingMatchesIRSDE() throws {
        let fixture = try ParityFixture("operations")
        let names = fixture.cases.filter { (fixture.parameters($0)["op"] as? String) == "sinusoidal" }
        XCTAssertEqual(names.count, 3, "operations.safetensors holds the sinusoidal cases for dim 16, 64 and 9")
        for name in names {
            let dim = (fixture.parameters(name)["dim"] as? NSNumber)?.intValue ?? 0
            guard let t = fixture.array("\(name).x0"), let expected = fixture.array("\(name).y") else {
                return XCTFail("\(name) lacks its input or output")
            }
            let y = SinusoidalPositionEmbedding(dim)(Tensor(shape: t.shape, values: t.values.map(Float.init)))
            XCTAssertEqual(y.shape, expected.shape, name)
            // Single precision as the official module: phases t·f up to 999 rad carry ~6e-5 rad of rounding.
            XCTAssertLessThanOrEqual(relativeError(y.values, expected.values), 1e-4, name)
        }
    }

    func testLayoutIsSinesThenCosinesFromFrequencyOneDownToOneTenThousandth() {
        let e = SinusoidalPositionEmbedding(8)(Tensor(shape: [2], values: [0, 2]))
        XCTAssertEqual(e.shape, [2, 8])
        // t = 0: sin terms 0, cos terms 1; the first frequency is 1, so row 1 starts with sin 2 and cos 2.
        XCTAssertEqual(Array(e.values[0..<8]), [0, 0, 0, 0, 1, 1, 1, 1])
        XCTAssertEqual(e[1, 0], Float(sin(2.0)), accuracy: 1e-6)
        XCTAssertEqual(e[1, 4], Float(cos(2.0)), accuracy: 1e-6)
        // The last frequency is 1/10000.
        XCTAssertEqual(e[1, 3], Float(sin(2.0e-4)), accuracy: 1e-8)
    }
}
