import WildTensor
import XCTest

final class EmbeddingTests: XCTestCase {
    func testSinusoidalMatchesIRSDE() throws {
        try OperationCases.run(["sinusoidal"]) { _, inputs, p in
            Tensor.sinusoidalEmbedding(timesteps: inputs[0], dim: p.int("dim"))
        }
    }

    func testSinusoidalLayout() {
        let e = Tensor.sinusoidalEmbedding(timesteps: [0, 2], dim: 8)
        XCTAssertEqual(e.shape, [2, 8])
        // t = 0: sin terms 0, cos terms 1; the first frequency is 1, so row 1 starts with sin 2 and cos 2.
        XCTAssertEqual(Array(e.values[0..<8]), [0, 0, 0, 0, 1, 1, 1, 1])
        XCTAssertEqual(e[1, 0], Float(sin(2.0)), accuracy: 1e-7)
        XCTAssertEqual(e[1, 4], Float(cos(2.0)), accuracy: 1e-7)
        // The last frequency is 1/10000.
        XCTAssertEqual(e[1, 3], Float(sin(2.0e-4)), accuracy: 1e-9)
    }
}
