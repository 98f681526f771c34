import CKissFFT
import Foundation
@testable import Imaging
import XCTest

/// The 1-D transforms behind `FFT2D`, KissFFT's own and Bluestein's, against the defining sum
/// X_k = Σ_j x_j·e^{∓2πi·jk/n} evaluated in double precision.
final class LineFFTTests: XCTestCase {
    func testBothAlgorithmsMatchTheDefiningSumInBothDirections() throws {
        for n in [1, 2, 7, 23, 37, 64, 101, 331] {
            var seed = UInt64(n)
            func next() -> Float {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return Float(seed >> 40) / Float(1 << 24) - 0.5
            }
            let input = (0..<n).map { _ in kiss_fft_cpx(r: next(), i: next()) }
            for inverse in [false, true] {
                let sign: Double = inverse ? 1 : -1
                let expected = (0..<n).map { k -> (Double, Double) in
                    var (re, im) = (0.0, 0.0)
                    for (j, x) in input.enumerated() {
                        let angle = sign * 2 * Double.pi * Double((j * k) % n) / Double(n)
                        re += Double(x.r) * cos(angle) - Double(x.i) * sin(angle)
                        im += Double(x.r) * sin(angle) + Double(x.i) * cos(angle)
                    }
                    return (re, im)
                }
                for strategy in [LineFFT.Strategy.direct, .bluestein] {
                    let plan = try LineFFT(length: n, inverse: inverse, strategy: strategy)
                    var line = input, scratch = input
                    plan.transform(&line, scratch: &scratch)
                    let worst = zip(line, expected).map { max(abs(Double($0.r) - $1.0), abs(Double($0.i) - $1.1)) }.max() ?? 0
                    // Float32 sums of n terms of size ≤ 0.7: a few ulps times √n·log n.
                    XCTAssertLessThanOrEqual(worst, 2e-5 * Double(n).squareRoot() * log2(Double(n) + 1) + 1e-6,
                                             "n = \(n), inverse \(inverse), \(strategy)")
                }
            }
        }
    }

    func testLengthsWithLargePrimeFactorsGoThroughBluestein() throws {
        // 509 and 617 are prime, 2·331 has a large factor; 512, 540 = 2²·3³·5 and 552 = 2³·3·23 stay with KissFFT.
        for n in [509, 617, 662] { XCTAssertTrue(try LineFFT(length: n, inverse: false).usesBluestein, "\(n)") }
        for n in [512, 540, 552] { XCTAssertFalse(try LineFFT(length: n, inverse: false).usesBluestein, "\(n)") }
    }

    func testSmoothConvolutionLengths() {
        // The smallest 2^a·3^b·5^c at or above n.
        XCTAssertEqual(LineFFT.smoothLength(atLeast: 1), 1)
        XCTAssertEqual(LineFFT.smoothLength(atLeast: 7), 8)
        XCTAssertEqual(LineFFT.smoothLength(atLeast: 1017), 1024)
        XCTAssertEqual(LineFFT.smoothLength(atLeast: 1233), 1250)
        XCTAssertEqual(LineFFT.smoothLength(atLeast: 97), 100)
    }
}
