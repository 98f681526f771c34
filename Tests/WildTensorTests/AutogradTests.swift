import WildTensor
import XCTest

/// The tape's behaviour: accumulation, reuse of a value, no-grad regions, released graphs, memory reuse.
final class AutogradTests: XCTestCase {
    func testGradientsAccumulateOverBackwardCallsAndOverReuse() {
        // y = x·x + 3x  →  dy/dx = 2x + 3, computed through two uses of x.
        let x = Tensor(shape: [3], values: [1, -2, 0.5], requiresGrad: true)
        (x * x + 3 * x).sum().backward()
        XCTAssertEqual(x.grad?.values, [5, -1, 4])
        (x * x + 3 * x).sum().backward()
        XCTAssertEqual(x.grad?.values, [10, -2, 8])
        x.zeroGrad()
        XCTAssertNil(x.grad)
    }

    func testNoGradRecordsNothing() {
        let w = Tensor(shape: [2], values: [1, 2], requiresGrad: true)
        let y = withNoGrad { (w * 2).sum() }
        XCTAssertTrue(GradMode.enabled, "recording is back on after the region")
        y.backward()
        XCTAssertNil(w.grad, "a no-grad result must not reach the parameters")
    }

    func testUntrackedInputsReceiveNoGradient() {
        let a = Tensor(shape: [2, 2], values: [1, 2, 3, 4], requiresGrad: true)
        let b = Tensor(shape: [2, 2], values: [5, 6, 7, 8])
        (a.matmul(b)).sum().backward()
        XCTAssertNil(b.grad)
        // d/dA sum(A·B) = 1·Bᵀ: row sums of B.
        XCTAssertEqual(a.grad?.values, [11, 15, 11, 15])
    }

    func testDiamondGraphSumsBothPaths() {
        // z = (x + 1)·(x − 1) = x² − 1 → dz/dx = 2x.
        let x = Tensor(shape: [2], values: [3, -4], requiresGrad: true)
        ((x + 1) * (x - 1)).sum().backward()
        XCTAssertEqual(x.grad?.values, [6, -8])
    }

    func testRetainGraphAllowsASecondBackward() {
        let x = Tensor(shape: [1], values: [2], requiresGrad: true)
        let y = (x * x).sum()
        y.backward(retainGraph: true)
        y.backward()
        XCTAssertEqual(x.grad?.values, [8])
    }

    func testInferenceLoopDoesNotGrowMemory() {
        // The buffer pool hands the same buffers back each iteration: the pooled bytes stay bounded.
        let w = Tensor(shape: [64, 64], repeating: 0.01, requiresGrad: true)
        var held: [Int] = []
        for _ in 0..<50 {
            withNoGrad {
                var x = Tensor(shape: [32, 64], repeating: 1)
                for _ in 0..<4 { x = x.matmul(w).exp() }
                XCTAssertEqual(x.shape, [32, 64])
            }
            held.append(BufferPoolProbe.heldBytes)
        }
        XCTAssertEqual(Set(held.suffix(40)).count, 1, "pooled memory changed between identical iterations: \(held)")
    }
}
