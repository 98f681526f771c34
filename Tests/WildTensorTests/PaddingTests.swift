import WildTensor
import XCTest

final class PaddingTests: XCTestCase {
    func testMatchesPyTorch() throws {
        try OperationCases.run(["pad"]) { _, inputs, p in
            let pad = p.ints("pad")
            let mode: Tensor.PaddingMode = switch p.string("mode") {
            case "reflect": .reflect
            case "replicate": .replicate
            default: p.float("value") == 0 ? .zeros : .constant(p.float("value"))
            }
            return inputs[0].padded(left: pad[0], right: pad[1], top: pad[2], bottom: pad[3], mode: mode)
        }
    }

    func testFiniteDifferences() {
        let x = FiniteDifference.input([1, 2, 4, 5], seed: 51)
        for mode in [Tensor.PaddingMode.zeros, .constant(0.3), .reflect, .replicate] {
            FiniteDifference.check("pad \(mode)", [x]) { $0[0].padded(left: 3, right: 1, top: 2, bottom: 3, mode: mode) }
        }
    }

    func testReflectDoesNotRepeatTheEdge() {
        let x = Tensor(shape: [1, 1, 1, 4], values: [1, 2, 3, 4])
        XCTAssertEqual(x.padded(left: 3, right: 2, top: 0, bottom: 0, mode: .reflect).values, [4, 3, 2, 1, 2, 3, 4, 3, 2])
        XCTAssertEqual(x.padded(left: 2, right: 1, top: 0, bottom: 0, mode: .replicate).values, [1, 1, 1, 2, 3, 4, 4])
    }

    /// Padding is linear, so backward must be its adjoint (reflect and replicate accumulate several outputs into
    /// one input); large planes run the parallel loops.
    func testBackwardIsAdjointOnLargeInputs() {
        let shape = [2, 16, 37, 53]
        for mode in [Tensor.PaddingMode.zeros, .reflect, .replicate] {
            let x = Tensor(shape: shape, values: Check.tensor(shape, seed: 52).values, requiresGrad: true)
            let y = x.padded(left: 0, right: 11, top: 15, bottom: 3, mode: mode)
            XCTAssertEqual(y.shape, [2, 16, 55, 64])
            let g = Check.tensor(y.shape, seed: 53)
            y.backward(g)
            let lhs = Check.dot(y, g), rhs = Check.dot(x, x.grad!)
            XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * Swift.max(1, Swift.abs(lhs)), "pad \(mode): ⟨Ax, g⟩ vs ⟨x, Aᵀg⟩")
        }
    }
}
