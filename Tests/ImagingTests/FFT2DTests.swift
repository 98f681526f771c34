import Foundation
import Imaging
import XCTest

/// The 2-D FFT against the defining sum X[u, v] = Σ x[y, x]·e^{−2πi(uy/R + vx/C)} (and its inverse), on sizes
/// with odd and prime factors.
final class FFT2DTests: XCTestCase {
    func testForwardAndInverseMatchTheDefiningSum() throws {
        for (rows, columns) in [(1, 1), (6, 5), (23, 8), (9, 46)] {
            var seed: UInt64 = 7
            func next() -> Float {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return Float(seed >> 40) / Float(1 << 24) - 0.5
            }
            let re = (0..<(rows * columns)).map { _ in next() }, im = (0..<(rows * columns)).map { _ in next() }
            var (fr, fi) = (re, im)
            let fft = try FFT2D(rows: rows, columns: columns)
            fft.forward(real: &fr, imaginary: &fi)
            var worst = 0.0
            for u in 0..<rows {
                for v in 0..<columns {
                    var (sr, si) = (0.0, 0.0)
                    for y in 0..<rows {
                        for x in 0..<columns {
                            let angle = -2 * Double.pi * (Double(u * y) / Double(rows) + Double(v * x) / Double(columns))
                            let (a, b) = (Double(re[y * columns + x]), Double(im[y * columns + x]))
                            sr += a * cos(angle) - b * sin(angle)
                            si += a * sin(angle) + b * cos(angle)
                        }
                    }
                    worst = max(worst, abs(sr - Double(fr[u * columns + v])), abs(si - Double(fi[u * columns + v])))
                }
            }
            XCTAssertLessThanOrEqual(worst, 1e-4, "\(rows)×\(columns)")
            fft.inverse(real: &fr, imaginary: &fi)
            let back = zip(fr + fi, re + im).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(back, 1e-5, "\(rows)×\(columns) round trip")
        }
        XCTAssertThrowsError(try FFT2D(rows: 0, columns: 4))
    }
}
