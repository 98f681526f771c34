import TestSupport
import WildTensor
import XCTest

/// `maxPool2d` against PyTorch's `F.max_pool2d` (`Tests/Fixtures/tensor/pooling.safetensors`, made by
/// `Tools/fixtures/tensor_pooling.py`), and PyTorch's tie and NaN rules.
final class PoolingTests: XCTestCase {
    func testMaxPoolMatchesPyTorchForwardAndBackward() throws {
        let fixture = try ParityFixture("pooling")
        XCTAssertEqual(fixture.cases.count, 6, "every case tensor_pooling.py writes")
        for name in fixture.cases {
            // Max pooling copies values and routes gradients: both are exact up to the Float32 conversion.
            fixture.check(name, forwardTolerance: 1e-7, gradientTolerance: 1e-7) { inputs, p in
                let (k, s, pad) = (p.ints("kernel"), p.ints("stride"), p.ints("padding"))
                return inputs[0].maxPool2d(kernel: (k[0], k[1]), stride: (s[0], s[1]), padding: (pad[0], pad[1]))
            }
        }
    }

    /// The first largest element of a window wins a tie and takes the whole gradient; NaN wins over numbers.
    func testTiesGoToTheFirstElementAndNaNPropagates() {
        let x = Tensor(shape: [1, 1, 2, 4], values: [1, 5, 5, 2,
                                                      5, 0, .nan, 3], requiresGrad: true)
        let y = x.maxPool2d(kernel: (2, 2), stride: (2, 2))
        XCTAssertEqual(y.values[0], 5)
        XCTAssertTrue(y.values[1].isNaN)
        y.backward(Tensor(shape: [1, 1, 1, 2], values: [1, 1]))
        XCTAssertEqual(x.grad?.values, [0, 1, 0, 0, 0, 0, 1, 0])
    }

    /// Without gradients nothing is recorded, and the values are the same.
    func testInferenceRecordsNothing() {
        let x = Tensor(shape: [2, 3, 9, 11], values: (0..<594).map { Float(($0 * 37) % 101) }, requiresGrad: true)
        let tracked = x.maxPool2d(kernel: (3, 3), stride: (2, 2))
        let inference = withNoGrad { x.maxPool2d(kernel: (3, 3), stride: (2, 2)) }
        XCTAssertEqual(inference.shape, [2, 3, 4, 5])
        XCTAssertEqual(inference.values, tracked.values)
    }

    /// The PyTorch fixture cases run again without gradients: unpadded ones take the inference path (row maxima
    /// first), and every value must be PyTorch's.
    func testInferenceMatchesPyTorch() throws {
        let fixture = try ParityFixture("pooling")
        for name in fixture.cases {
            let p = fixture.parameters(name)
            let (k, s, pad) = (p.ints("kernel"), p.ints("stride"), p.ints("padding"))
            let x = try XCTUnwrap(fixture.array("\(name).x0")), expected = try XCTUnwrap(fixture.array("\(name).y"))
            let input = Tensor(shape: x.shape, values: x.values.map(Float.init))
            let y = withNoGrad { input.maxPool2d(kernel: (k[0], k[1]), stride: (s[0], s[1]), padding: (pad[0], pad[1])) }
            XCTAssertEqual(y.shape, expected.shape, name)
            XCTAssertLessThanOrEqual(relativeError(y.values, expected.values), 1e-7, name)
        }
    }

    /// The inference path propagates NaN wherever it lies in the window (first row, later rows, last column) for
    /// AlexNet's (3, 2) and VGG's (2, 2) windows, on sizes that leave rows and columns unused.
    func testInferenceNaNAndOddSizes() {
        for (kernel, stride) in [(3, 2), (2, 2)] {
            var values: [Float] = (0..<(2 * 13 * 14)).map { (i: Int) -> Float in Float((i * 53) % 97) - 40 }
            for index in [0, 15, 40, 13 * 14 + 27, 2 * 13 * 14 - 2] { values[index] = Float.nan }
            let x = Tensor(shape: [1, 2, 13, 14], values: values, requiresGrad: true)
            let tracked = x.maxPool2d(kernel: (kernel, kernel), stride: (stride, stride))
            let inference = withNoGrad { x.maxPool2d(kernel: (kernel, kernel), stride: (stride, stride)) }
            XCTAssertEqual(inference.shape, tracked.shape)
            for (a, b) in zip(inference.values, tracked.values) {
                XCTAssertTrue(a == b || (a.isNaN && b.isNaN), "kernel \(kernel): \(a) against \(b)")
            }
        }
    }
}
