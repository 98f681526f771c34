import WildTensor
import XCTest

final class UpsamplingTests: XCTestCase {
    func testMatchesPyTorch() throws {
        try OperationCases.run(["upsample_nearest", "upsample_bilinear"]) { op, inputs, p in
            op == "upsample_nearest"
                ? inputs[0].upsampledNearest(scale: p.int("scale"))
                : inputs[0].upsampledBilinear(scale: (p["scale"] as? NSNumber)?.doubleValue ?? 0, alignCorners: p.bool("align_corners"))
        }
    }

    func testFiniteDifferences() {
        let x = FiniteDifference.input([1, 2, 3, 4], seed: 41)
        FiniteDifference.check("upsampledNearest", [x]) { $0[0].upsampledNearest() }
        FiniteDifference.check("upsampledNearest ×3", [x]) { $0[0].upsampledNearest(scale: 3) }
        FiniteDifference.check("upsampledBilinear", [x]) { $0[0].upsampledBilinear() }
        FiniteDifference.check("upsampledBilinear ×1.5 corners", [x]) { $0[0].upsampledBilinear(scale: 1.5, alignCorners: true) }
    }

    /// Both upsamplings are linear maps A, so backward must be the adjoint: ⟨A x, g⟩ = ⟨x, Aᵀ g⟩. Large planes
    /// exercise the parallel row and plane loops.
    func testBackwardIsAdjointOnLargeInputs() {
        let shape = [2, 8, 45, 61]
        let cases: [(String, (Tensor) -> Tensor)] = [
            ("nearest", { $0.upsampledNearest() }), ("nearest ×3", { $0.upsampledNearest(scale: 3) }),
            ("bilinear", { $0.upsampledBilinear() }), ("bilinear ×1.7 corners", { $0.upsampledBilinear(scale: 1.7, alignCorners: true) }),
        ]
        for (name, f) in cases {
            let x = Tensor(shape: shape, values: Check.tensor(shape, seed: 42).values, requiresGrad: true)
            let y = f(x)
            let g = Check.tensor(y.shape, seed: 43)
            y.backward(g)
            let lhs = Check.dot(y, g), rhs = Check.dot(x, x.grad!)
            XCTAssertEqual(lhs, rhs, accuracy: 1e-4 * Swift.max(1, Swift.abs(lhs)), "\(name): ⟨Ax, g⟩ vs ⟨x, Aᵀg⟩")
        }
    }

    /// Resizing to a size (pytorch-fid's `F.interpolate(size=(299, 299))`) uses in/out per axis: to twice the size it
    /// is the ×2 upsampling, and to any size PyTorch's formula with that ratio, shrinking or growing each axis.
    func testResizeToASizeUsesTheRatioOfSizesPerAxis() {
        let x = Check.tensor([2, 3, 13, 20], seed: 45)
        XCTAssertEqual(x.resizedBilinear(height: 26, width: 40).values, x.upsampledBilinear().values)
        for (oh, ow) in [(299, 299), (7, 31), (5, 3)] {
            let y = x.resizedBilinear(height: oh, width: ow)
            XCTAssertEqual(y.shape, [2, 3, oh, ow])
            let values = x.values, out = y.values
            func tap(_ o: Int, _ input: Int, _ output: Int) -> (Int, Int, Float) {
                let s = Swift.max((Double(o) + 0.5) * Double(input) / Double(output) - 0.5, 0)
                let i0 = Swift.min(Int(s), input - 1), i1 = Swift.min(i0 + 1, input - 1)
                return (i0, i1, Float(Swift.min(s - Double(i0), 1)))
            }
            var worst: Float = 0
            for p in 0..<6 {
                for oy in 0..<oh {
                    let (y0, y1, ly) = tap(oy, 13, oh)
                    for ox in 0..<ow {
                        let (x0, x1, lx) = tap(ox, 20, ow)
                        let v = { (r: Int, c: Int) in values[(p * 13 + r) * 20 + c] }
                        let expected = (1 - ly) * ((1 - lx) * v(y0, x0) + lx * v(y0, x1)) + ly * ((1 - lx) * v(y1, x0) + lx * v(y1, x1))
                        worst = Swift.max(worst, Swift.abs(out[(p * oh + oy) * ow + ox] - expected))
                    }
                }
            }
            XCTAssertLessThan(worst, 1e-5, "\(oh)×\(ow)")
        }
        FiniteDifference.check("resizedBilinear 5×3", [FiniteDifference.input([1, 2, 3, 4], seed: 46)]) { $0[0].resizedBilinear(height: 5, width: 3) }
    }

    /// The parallel forward against a direct scalar evaluation of PyTorch's formula on a large input.
    func testBilinearMatchesScalarReferenceOnLargeInput() {
        let (n, c, h, w) = (2, 5, 37, 50)
        let x = Check.tensor([n, c, h, w], seed: 44)
        let y = x.upsampledBilinear()
        let values = x.values, out = y.values
        var worst: Float = 0
        for p in 0..<(n * c) {
            for oy in 0..<(2 * h) {
                let sy = Swift.max((Float(oy) + 0.5) / 2 - 0.5, 0)
                let y0 = Int(sy), y1 = Swift.min(y0 + 1, h - 1), ly = sy - Float(y0)
                for ox in 0..<(2 * w) {
                    let sx = Swift.max((Float(ox) + 0.5) / 2 - 0.5, 0)
                    let x0 = Int(sx), x1 = Swift.min(x0 + 1, w - 1), lx = sx - Float(x0)
                    func at(_ i: Int, _ j: Int) -> Float { values[(p * h + i) * w + j] }
                    let expected = (1 - ly) * ((1 - lx) * at(y0, x0) + lx * at(y0, x1)) + ly * ((1 - lx) * at(y1, x0) + lx * at(y1, x1))
                    worst = Swift.max(worst, Swift.abs(out[(p * 2 * h + oy) * 2 * w + ox] - expected))
                }
            }
        }
        XCTAssertLessThanOrEqual(worst, 1e-6)
        XCTAssertEqual(y.shape, [n, c, 2 * h, 2 * w])
    }
}
