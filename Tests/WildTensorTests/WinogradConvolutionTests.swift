@testable import WildTensor
import XCTest

/// The Winograd paths of inference `conv2d`, F(2×2, 3×3) and F(4×4, 3×3) with prepared filters, against a direct
/// float64 sum of the convolution's definition, on shapes that exercise every edge of their tilings: sizes that
/// leave a last tile with fewer rows or columns, zero and asymmetric padding, batches, rows split into several
/// blocks, bias or none, fused ReLU and leaky ReLU.
final class WinogradConvolutionTests: XCTestCase {
    /// Worst error relative to the output's largest value: F(2×2)'s rounding measures below 1e-6 on these shapes,
    /// F(4×4)'s below 8e-6 (its transforms multiply by up to 8 and 1/24).
    private func tolerance(_ tile: WinogradTile?) -> Double { tile == .f4x4 ? 2e-5 : 2e-6 }

    private func check(_ shape: [Int], outputs: Int, padding: Padding2D, bias: Bool = true,
                       activation: FusedActivation? = nil, tile: WinogradTile? = nil,
                       file: StaticString = #filePath, line: UInt = #line) {
        var random = TensorRandom(seed: UInt64(shape.reduce(outputs, *)))
        let x = random.normal(shape), w = random.normal([outputs, shape[1], 3, 3]) * 0.1
        let b = bias ? random.normal([outputs]) : nil
        if let tile { w.prepareWinogradFilters(tiles: [tile]) }
        let geometry = x.convolutionGeometry(weight: w, bias: b, stride: (1, 1), padding: padding, groups: 1)
        let plan = WinogradConvolution.plan(geometry, activation: activation, prepared: w.storage.winogradFilters)
        XCTAssertEqual(plan?.tile, tile ?? .f2x2, "\(geometry) must take this Winograd path", file: file, line: line)
        XCTAssertEqual(plan?.filters == nil, tile == nil, file: file, line: line)
        let y = withNoGrad {
            activation.map { x.conv2d(weight: w, bias: b, padding: padding, fusedActivation: $0) }
                ?? x.conv2d(weight: w, bias: b, padding: padding)
        }
        let slope: Double? = switch activation { case .relu: 0; case let .leakyReLU(s): Double(s); default: nil }
        let expected = directConvolution(x, w, b, padding: padding, slope: slope)
        XCTAssertEqual(y.shape, geometry.destinationDims, file: file, line: line)
        let largest = expected.map(abs).max() ?? 1
        let worst = zip(y.values, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst / largest, tolerance(tile), "\(geometry): worst error \(worst) of \(largest)",
                                 file: file, line: line)
    }

    func testSamePaddingOddSizes() {
        check([2, 128, 19, 21], outputs: 130, padding: Padding2D(1))
        check([1, 136, 24, 24], outputs: 128, padding: Padding2D(1))
    }

    func testNoPaddingAndAsymmetricPadding() {
        check([1, 128, 17, 20], outputs: 128, padding: .zero)
        check([1, 128, 16, 19], outputs: 129, padding: Padding2D(top: 0, left: 2, bottom: 1, right: 0))
    }

    func testWithoutBiasAndWithFusedRectifiers() {
        check([1, 128, 16, 16], outputs: 128, padding: Padding2D(1), bias: false)
        check([2, 128, 11, 12], outputs: 131, padding: Padding2D(1), activation: .relu)
        check([1, 128, 17, 17], outputs: 128, padding: Padding2D(1), activation: .leakyReLU(negativeSlope: 0.2))
    }

    /// Blocks of tiles start and end inside rows and span rows and images: a row of more tiles than a block
    /// holds, and many short rows in a batch.
    func testBlocksSplitAndSpanRows() {
        let geometry = Tensor.zeros([1, 128, 4, 1_100]).convolutionGeometry(
            weight: Tensor.zeros([128, 128, 3, 3]), bias: nil, stride: (1, 1), padding: Padding2D(1), groups: 1)
        XCTAssertLessThan(WinogradConvolution.tilesPerBlock(geometry, tile: .f2x2, tiles: 2 * 550), 550)
        check([1, 128, 4, 1_100], outputs: 128, padding: Padding2D(1))
        check([3, 128, 13, 15], outputs: 128, padding: Padding2D(1))
    }

    /// F(4×4, 3×3) on the same edges: last tiles with one to three rows or columns, no or asymmetric padding, no
    /// bias, fused rectifiers, rows longer than a block and batches of short rows, and 64 channels, its minimum
    /// (each call with at least `minimumF4x4Tiles` tiles, so that the plan takes it).
    func testF4x4TilesEveryEdge() {
        check([2, 64, 23, 21], outputs: 72, padding: Padding2D(1), tile: .f4x4)
        check([1, 96, 38, 30], outputs: 64, padding: Padding2D(1), tile: .f4x4)
        check([1, 64, 33, 36], outputs: 64, padding: .zero, tile: .f4x4)
        check([1, 64, 30, 33], outputs: 65, padding: Padding2D(top: 0, left: 2, bottom: 1, right: 0), tile: .f4x4)
        check([1, 128, 32, 32], outputs: 128, padding: Padding2D(1), bias: false, tile: .f4x4)
        check([2, 64, 19, 28], outputs: 67, padding: Padding2D(1), activation: .relu, tile: .f4x4)
        check([1, 64, 30, 30], outputs: 64, padding: Padding2D(1), activation: .leakyReLU(negativeSlope: 0.2), tile: .f4x4)
        let geometry = Tensor.zeros([1, 64, 6, 2_100]).convolutionGeometry(
            weight: Tensor.zeros([64, 64, 3, 3]), bias: nil, stride: (1, 1), padding: Padding2D(1), groups: 1)
        XCTAssertLessThan(WinogradConvolution.tilesPerBlock(geometry, tile: .f4x4, tiles: 2 * 525), 525)
        check([1, 64, 6, 2_100], outputs: 64, padding: Padding2D(1), tile: .f4x4)
        check([5, 64, 13, 15], outputs: 64, padding: Padding2D(1), tile: .f4x4)
    }

    /// With both tiles prepared, a call takes F(4×4) from `minimumF4x4Tiles` 4×4 tiles on and F(2×2) below; with
    /// only F(4×4) prepared and too few tiles, a 64-channel layer goes back to oneDNN.
    func testPlanChoosesTheTileBySize() {
        var random = TensorRandom(seed: 5)
        let wide = random.normal([128, 128, 3, 3]), narrow = random.normal([64, 64, 3, 3])
        wide.prepareWinogradFilters(tiles: [.f2x2, .f4x4])
        narrow.prepareWinogradFilters(tiles: [.f2x2, .f4x4])
        XCTAssertEqual(Set(wide.storage.winogradFilters.keys), [.f2x2, .f4x4])
        XCTAssertEqual(Set(narrow.storage.winogradFilters.keys), [.f4x4], "64 channels: below F(2×2)'s minimum")
        func plan(_ weight: Tensor, batch: Int, side: Int) -> WinogradTile? {
            let g = Tensor.zeros([batch, weight.shape[1], side, side]).convolutionGeometry(
                weight: weight, bias: nil, stride: (1, 1), padding: Padding2D(1), groups: 1)
            return WinogradConvolution.plan(g, activation: .relu, prepared: weight.storage.winogradFilters)?.tile
        }
        XCTAssertEqual(plan(wide, batch: 2, side: 15), .f2x2, "32 tiles")
        XCTAssertEqual(plan(wide, batch: 2, side: 31), .f4x4, "128 tiles")
        XCTAssertEqual(plan(wide, batch: 1, side: 32), .f4x4, "64 tiles")
        XCTAssertNil(plan(narrow, batch: 2, side: 15))
        XCTAssertEqual(plan(narrow, batch: 2, side: 31), .f4x4)
    }

    /// Shapes the transforms do not pay for, strides, groups and other activations stay with oneDNN.
    func testOtherConvolutionsStayDirect() {
        func geometry(_ c: Int, _ k: Int, kernel: Int = 3, stride: Int = 1, groups: Int = 1, size: Int = 32) -> ConvolutionGeometry {
            Tensor.zeros([1, c, size, size]).convolutionGeometry(
                weight: Tensor.zeros([k, c / groups, kernel, kernel]), bias: nil, stride: (stride, stride),
                padding: Padding2D(1), groups: groups)
        }
        XCTAssertFalse(WinogradConvolution.applies(to: geometry(64, 128), activation: nil))
        XCTAssertFalse(WinogradConvolution.applies(to: geometry(128, 128, stride: 2), activation: nil))
        XCTAssertFalse(WinogradConvolution.applies(to: geometry(128, 128, groups: 2), activation: nil))
        XCTAssertFalse(WinogradConvolution.applies(to: geometry(128, 128, kernel: 1), activation: nil))
        XCTAssertFalse(WinogradConvolution.applies(to: geometry(1_280, 1_280, size: 16), activation: nil))
        XCTAssertFalse(WinogradConvolution.applies(to: geometry(128, 128), activation: .silu))
        XCTAssertTrue(WinogradConvolution.applies(to: geometry(128, 128), activation: nil))
        XCTAssertTrue(WinogradConvolution.applies(to: geometry(1_280, 1_280, size: 64), activation: nil))
    }

    /// Filters transformed once (`prepareWinogradFilters`) give what the per-call transform gives, within rounding of
    /// the float64 sum, also on a layer with too few tiles for the per-call transform to pay (which oneDNN computes
    /// until the filters are prepared); layers the path cannot take are left unprepared, and `assign` drops the
    /// stale transforms.
    func testPreparedFilters() {
        var random = TensorRandom(seed: 21)
        let layer = Conv2d(128, 136, kernelSize: 3, padding: 1, generator: &random)
        let small = Conv2d(64, 128, kernelSize: 3, padding: 1, generator: &random)
        for shape in [[2, 128, 13, 18], [1, 128, 7, 9]] {
            let x = random.normal(shape)
            let geometry = x.convolutionGeometry(weight: layer.weight, bias: layer.bias, stride: (1, 1), padding: Padding2D(1), groups: 1)
            XCTAssertTrue(WinogradConvolution.applies(to: geometry, activation: nil, prepared: .f2x2))
            XCTAssertEqual(WinogradConvolution.applies(to: geometry, activation: nil), shape[0] == 2, "\(shape): 20 tiles for 136 channels")
            layer.weight.storage.winogradFilters = [:]
            let unprepared = withNoGrad { layer(x) }
            layer.prepareWinogradFilters()
            XCTAssertEqual(Set(layer.weight.storage.winogradFilters.keys), [.f2x2])
            let prepared = withNoGrad { layer(x) }
            if shape[0] == 2 { XCTAssertEqual(prepared.values, unprepared.values) }
            let expected = directConvolution(x, layer.weight, layer.bias, padding: Padding2D(1))
            let largest = expected.map(abs).max() ?? 1
            for result in [prepared, unprepared] {
                let worst = zip(result.values, expected).map { abs(Double($0) - $1) }.max() ?? .infinity
                XCTAssertLessThanOrEqual(worst / largest, 2e-6, "\(shape)")
            }
        }
        small.prepareWinogradFilters()
        XCTAssertTrue(small.weight.storage.winogradFilters.isEmpty, "64 input channels: never F(2×2)")
        let x = random.normal([2, 128, 13, 18])
        let unprepared = withNoGrad { layer(x) }
        let largest = unprepared.values.map { abs(Double($0)) }.max() ?? 1
        layer.weight.assign(layer.weight * 2)
        XCTAssertTrue(layer.weight.storage.winogradFilters.isEmpty)
        let doubled = withNoGrad { layer(x) }, bias = layer.bias?.values ?? []
        let plane = 13 * 18
        for (i, (a, b)) in zip(doubled.values, unprepared.values).enumerated() {
            let c = Double(bias[i / plane % 136])
            XCTAssertEqual(Double(a) - c, 2 * (Double(b) - c), accuracy: 1e-4 * largest)
        }
    }
}
