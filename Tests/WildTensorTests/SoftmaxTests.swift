import WildTensor
import XCTest

final class SoftmaxTests: XCTestCase {
    func testMatchesPyTorch() throws {
        try OperationCases.run(["softmax", "log_softmax"]) { op, inputs, p in
            op == "softmax" ? inputs[0].softmax(axis: p.int("axis")) : inputs[0].logSoftmax(axis: p.int("axis"))
        }
    }

    func testFiniteDifferences() {
        for axis in [-1, 1, 0] {
            let x = FiniteDifference.input([3, 4, 5], seed: UInt64(10 + axis), in: -2...2)
            FiniteDifference.check("softmax axis \(axis)", [x]) { $0[0].softmax(axis: axis) }
            FiniteDifference.check("logSoftmax axis \(axis)", [x]) { $0[0].logSoftmax(axis: axis) }
        }
    }

    /// Large inputs take the parallel paths (several column blocks, the last one partial); they must equal the
    /// composite exp(x) / Σ exp(x) built from differentiable primitives.
    func testMatchesCompositeOnLargeInputs() {
        for (shape, axis) in [([4, 300, 130], 1), ([2, 3, 40, 700], -1), ([6, 70, 90], 0)] {
            let data = Check.tensor(shape, seed: 5, in: -4...4)
            let upstream = Check.tensor(shape, seed: 6)
            for log in [false, true] {
                let fast = Tensor(shape: shape, values: data.values, requiresGrad: true)
                let slow = Tensor(shape: shape, values: data.values, requiresGrad: true)
                let y1 = log ? fast.logSoftmax(axis: axis) : fast.softmax(axis: axis)
                let e = slow.exp()
                let sum = e.sum(axes: [axis], keepDims: true)
                let y2 = log ? slow - sum.log() : e / sum
                Check.close(y1, y2, 1e-5, "\(log ? "logSoftmax" : "softmax") \(shape) axis \(axis) forward")
                y1.backward(upstream)
                y2.backward(upstream)
                Check.close(fast.grad!, slow.grad!, 1e-4, "\(log ? "logSoftmax" : "softmax") \(shape) axis \(axis) backward")
            }
        }
    }

    func testLargeLogitsStayFinite() {
        let x = Tensor(shape: [1, 3], values: [1000, 1001, -1000])
        let y = x.softmax()
        XCTAssertEqual(y.values[0], 1 / (1 + Float(M_E)), accuracy: 1e-6)
        // e^(−2001) underflows; the vectorised exp saturates at ≈10⁻³⁸ instead of 0.
        XCTAssertLessThan(y.values[2], 1e-37)
        XCTAssertTrue(x.logSoftmax().values.allSatisfy(\.isFinite))
    }
}
