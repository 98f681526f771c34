@testable import WildTensor
import XCTest

/// The space-to-depth path of inference `conv2d` (large strides over few channels, AlexNet's first layer) against a
/// direct float64 sum of the convolution's definition: AlexNet's own geometry, odd sizes whose last window reaches
/// into the bottom and right padding, asymmetric padding, rectangular kernels, no bias, fused ReLU; and the shapes it
/// must leave to oneDNN.
final class SpaceToDepthConvolutionTests: XCTestCase {
    private func check(_ shape: [Int], outputs: Int, kernel: (Int, Int), stride: Int, padding: Padding2D,
                       bias: Bool = true, relu: Bool = false, file: StaticString = #filePath, line: UInt = #line) {
        var random = TensorRandom(seed: UInt64(shape.reduce(outputs * kernel.0, *)))
        let x = random.normal(shape), w = random.normal([outputs, shape[1], kernel.0, kernel.1]) * 0.1
        let b = bias ? random.normal([outputs]) : nil
        let geometry = x.convolutionGeometry(weight: w, bias: b, stride: (stride, stride), padding: padding, groups: 1)
        XCTAssertTrue(SpaceToDepthConvolution.applies(to: geometry), "\(geometry) must be rewritten", file: file, line: line)
        let y = withNoGrad {
            relu ? x.conv2d(weight: w, bias: b, stride: (stride, stride), padding: padding, fusedActivation: .relu)
                : x.conv2d(weight: w, bias: b, stride: (stride, stride), padding: padding)
        }
        let expected = directConvolution(x, w, b, stride: stride, padding: padding, slope: relu ? 0 : nil)
        XCTAssertEqual(y.shape, geometry.destinationDims, file: file, line: line)
        let largest = expected.map(abs).max() ?? 1
        let worst = zip(y.values, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst / largest, 2e-6, "\(geometry): worst error \(worst) of \(largest)", file: file, line: line)
    }

    func testAlexNetFirstLayer() {
        check([2, 3, 67, 67], outputs: 64, kernel: (11, 11), stride: 4, padding: Padding2D(2))
    }

    func testOddSizesReachIntoThePadding() {
        // 45 + 4 − 11 = 38 is not a multiple of 4: the last window ends inside the padding, the rearranged input
        // needs rows and columns beyond it.
        check([1, 3, 45, 50], outputs: 8, kernel: (11, 11), stride: 4, padding: Padding2D(2), relu: true)
    }

    func testAsymmetricPaddingRectangularKernelNoBias() {
        check([3, 2, 23, 31], outputs: 5, kernel: (9, 10), stride: 3, padding: Padding2D(top: 3, left: 0, bottom: 1, right: 2),
              bias: false)
        check([1, 1, 20, 17], outputs: 3, kernel: (9, 9), stride: 2, padding: Padding2D(top: 0, left: 2, bottom: 2, right: 1))
    }

    func testLeavesOtherShapesToTheLibrary() {
        func geometry(channels: Int, kernel: Int, stride: Int) -> ConvolutionGeometry {
            Tensor.zeros([1, channels, 32, 32]).convolutionGeometry(
                weight: Tensor.zeros([4, channels, kernel, kernel]), bias: nil, stride: (stride, stride), padding: .zero, groups: 1)
        }
        XCTAssertFalse(SpaceToDepthConvolution.applies(to: geometry(channels: 3, kernel: 3, stride: 2)), "16/9 the work")
        XCTAssertFalse(SpaceToDepthConvolution.applies(to: geometry(channels: 3, kernel: 7, stride: 2)), "64/49 the work")
        XCTAssertFalse(SpaceToDepthConvolution.applies(to: geometry(channels: 3, kernel: 16, stride: 16)), "patches do not overlap")
        XCTAssertFalse(SpaceToDepthConvolution.applies(to: geometry(channels: 8, kernel: 11, stride: 4)), "too many channels")
        XCTAssertFalse(SpaceToDepthConvolution.applies(to: geometry(channels: 3, kernel: 11, stride: 1)), "stride 1")
        XCTAssertTrue(SpaceToDepthConvolution.applies(to: geometry(channels: 3, kernel: 11, stride: 4)))
    }

    /// Under gradient recording the layer keeps oneDNN's path, whose backward passes it needs; both give the same
    /// forward values.
    func testTrainingKeepsTheLibraryPath() {
        var random = TensorRandom(seed: 11)
        let x = random.normal([1, 3, 40, 40]), w = random.normal([6, 3, 11, 11])
        w.requiresGrad = true
        let tracked = x.conv2d(weight: w, bias: nil, stride: (4, 4), padding: Padding2D(2))
        let rewritten = withNoGrad { x.conv2d(weight: w, bias: nil, stride: (4, 4), padding: Padding2D(2)) }
        XCTAssertTrue(tracked.isTracked)
        for (a, b) in zip(tracked.values, rewritten.values) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }
}
