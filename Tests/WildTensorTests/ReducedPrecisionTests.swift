import Foundation
import TestSupport
@testable import WildTensor
import XCTest

/// `MatmulPrecision.bfloat16`: the product of bfloat16-rounded operands accumulated in Float32, against that
/// product computed here in Double from operands rounded by another formulation (the value's 8 significant bits,
/// ties to even); unprepared weights, recording products and modified weights stay Float32.
final class ReducedPrecisionTests: XCTestCase {
    /// x rounded to bfloat16's 8 significant bits, ties to even, by scaling rather than by bit pattern.
    private func rounded(_ x: Float) -> Double {
        guard x != 0, x.isFinite else { return Double(x) }
        let step = pow(2, floor(log2(abs(Double(x)))) - 7)
        return (Double(x) / step).rounded(.toNearestOrEven) * step
    }

    func testBFloat16LinearIsTheFloat32ProductOfRoundedOperands() throws {
        try XCTSkipUnless(MatmulPrecision.bfloat16IsNative, "this CPU has no AVX512-BF16")
        var g = TensorRandom(seed: 3)
        let layer = Linear(70, 33, generator: &g)
        let x = g.normal([5, 70])
        let exact = withNoGrad { layer(x) }
        XCTAssertEqual(withNoGrad { withMatmulPrecision(.bfloat16) { layer(x) } }.values, exact.values, "unprepared: Float32")
        layer.prepareBFloat16()
        let reduced = withNoGrad { withMatmulPrecision(.bfloat16) { layer(x) } }
        var expected = [Double](repeating: 0, count: 5 * 33)
        let w = layer.weight.values, b = layer.bias?.values ?? [], xv = x.values
        for r in 0..<5 { for o in 0..<33 {
            var sum = Double(b[o])
            for i in 0..<70 { sum += rounded(xv[r * 70 + i]) * rounded(w[o * 70 + i]) }
            expected[r * 33 + o] = sum
        } }
        let error = relativeError(reduced.values, expected)
        print("bfloat16 linear: relative error \(error) against the rounded operands' product, \(relativeError(exact.values, expected)) for Float32")
        XCTAssertLessThanOrEqual(error, 1e-5)
        XCTAssertGreaterThan(relativeError(exact.values, expected), 1e-4, "the rounding changes the product measurably")
        // A recording product stays Float32; so does the default precision.
        let tracked = g.normal([5, 70])
        tracked.requiresGrad = true
        XCTAssertEqual(withMatmulPrecision(.bfloat16) { layer(tracked) }.values, withNoGrad { layer(tracked) }.values)
        XCTAssertEqual(withNoGrad { layer(x) }.values, exact.values)
        // Modifying a prepared weight drops its copy.
        layer.weight.assign(layer.weight * 2)
        XCTAssertEqual(withNoGrad { withMatmulPrecision(.bfloat16) { layer(x) } }.values, withNoGrad { layer(x) }.values)
    }

    /// The conversion, in its 16-lane and tail paths and split over threads: each finite value rounds as the
    /// scaling formulation rounds it (ties to even), NaN stays NaN, infinities stay, the largest finite floats round
    /// up to infinity.
    func testBFloat16ConversionRoundsToNearestEven() {
        var g = TensorRandom(seed: 5)
        var values = g.normal([200_003]).values.map { $0 * 37 }
        let special: [Float] = [0, -0, 1 + 0x1p-8, 1 + 3 * 0x1p-8, -(1 + 0x1p-8), .infinity, -.infinity, .nan, .greatestFiniteMagnitude,
                                .leastNonzeroMagnitude, 1e-39]
        values.replaceSubrange(0..<special.count, with: special)
        values.replaceSubrange((values.count - special.count)..<values.count, with: special)
        var out = [UInt16](repeating: 0, count: values.count)
        values.withUnsafeBufferPointer { v in out.withUnsafeMutableBufferPointer { bfloat16Bits(v, into: $0) } }
        for (x, bits) in zip(values, out) {
            let y = Float(bitPattern: UInt32(bits) << 16)
            if x.isNaN { XCTAssertTrue(y.isNaN); continue }
            if x == .greatestFiniteMagnitude { XCTAssertEqual(y, .infinity); continue }
            if !x.isNormal { XCTAssertTrue(y == x || abs(y - x) <= 0x1p-133, "\(x) → \(y)"); continue }
            XCTAssertEqual(Double(y), rounded(x), "\(x)")
        }
        XCTAssertEqual(Float(bitPattern: UInt32(out[2]) << 16), 1, "a tie rounds to even")
        XCTAssertEqual(Float(bitPattern: UInt32(out[3]) << 16), 1 + 4 * 0x1p-8, "and the next tie up")
    }
}
