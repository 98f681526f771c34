import WildTensor
import XCTest

final class ActivationTests: XCTestCase {
    func testMatchesPyTorch() throws {
        try OperationCases.run(["relu", "leaky_relu", "sigmoid", "tanh", "silu", "gelu", "geglu"]) { op, inputs, p in
            let x = inputs[0]
            switch op {
            case "relu": return x.relu()
            case "leaky_relu": return x.leakyRelu(slope: p.float("slope"))
            case "sigmoid": return x.sigmoid()
            case "tanh": return x.tanh()
            case "silu": return x.silu()
            case "gelu": return x.gelu()
            default: return x.geglu()
            }
        }
    }

    func testFiniteDifferences() {
        let smooth: [(String, (Tensor) -> Tensor)] = [
            ("sigmoid", { $0.sigmoid() }), ("tanh", { $0.tanh() }), ("silu", { $0.silu() }),
            ("gelu", { $0.gelu() }), ("geglu", { $0.geglu() }),
        ]
        for (index, (name, f)) in smooth.enumerated() {
            let x = FiniteDifference.input([2, 3, 4], seed: UInt64(index), in: -3...3)
            FiniteDifference.check(name, [x]) { f($0[0]) }
        }
        // Kinked at 0: inputs kept well away from it.
        let x = FiniteDifference.awayFromZero([3, 5], seed: 7)
        FiniteDifference.check("relu", [x]) { $0[0].relu() }
        FiniteDifference.check("leakyRelu", [x]) { $0[0].leakyRelu(slope: 0.2) }
    }

    func testGradientAtZeroFollowsPyTorch() {
        let x = Tensor(shape: [3], values: [-1, 0, 2], requiresGrad: true)
        x.relu().sum().backward()
        XCTAssertEqual(x.grad?.values, [0, 0, 1])
        x.zeroGrad()
        x.leakyRelu(slope: 0.1).sum().backward()
        XCTAssertEqual(x.grad?.values, [0.1, 0.1, 1])
    }

    /// Sizes above the parallel grain run split across threads; GEGLU must equal its composite definition.
    func testGEGLUMatchesCompositeOnLargeInput() {
        let data = Check.tensor([3, 50, 2 * 300], seed: 3, in: -3...3)
        let fast = Tensor(shape: data.shape, values: data.values, requiresGrad: true)
        let slow = Tensor(shape: data.shape, values: data.values, requiresGrad: true)
        let upstream = Check.tensor([3, 50, 300], seed: 4)
        let y1 = fast.geglu()
        let halves = slow.chunked(2, axis: -1)
        let y2 = halves[0] * halves[1].gelu()
        Check.close(y1, y2, 1e-6, "geglu forward")
        y1.backward(upstream)
        y2.backward(upstream)
        Check.close(fast.grad!, slow.grad!, 1e-6, "geglu backward")
    }
}
