import Foundation
@testable import WildTensor
import XCTest

/// The vectorisable exp and normal CDF against libm in Double, over their whole range.
final class FastMathTests: XCTestCase {
    func testExpRelativeError() {
        var worst = 0.0
        var x: Float = -87.3
        while x <= 88.3 {
            let exact = Foundation.exp(Double(x))
            worst = Swift.max(worst, Swift.abs(Double(FastMath.exp(x)) - exact) / exact)
            x += 0.0037
        }
        for v: Float in [-1e-7, 0, 1e-7, 0.5, -0.5, 88.37, -87.33] {
            let exact = Foundation.exp(Double(v))
            worst = Swift.max(worst, Swift.abs(Double(FastMath.exp(v)) - exact) / exact)
        }
        print(String(format: "FastMath.exp: worst relative error %.2e", worst))
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertEqual(FastMath.exp(0), 1)
        // Saturation outside [−87.3, 88.4] (documented): tiny and huge but finite.
        for v: Float in [-100, -.infinity] { XCTAssertLessThanOrEqual(FastMath.exp(v), 1.2e-38) }
        for v: Float in [100, .infinity] { XCTAssertGreaterThanOrEqual(FastMath.exp(v), 2.4e38) }
        XCTAssertTrue(FastMath.exp(.nan).isNaN)
        XCTAssertTrue(FastMath.exp(-.nan).isNaN)
    }

    func testNormalCDFAbsoluteError() {
        var worstCDF = 0.0, worstGaussian = 0.0
        var x: Float = -12
        while x <= 12 {
            let (cdf, gaussian) = FastMath.normalCDF(x)
            worstCDF = Swift.max(worstCDF, Swift.abs(Double(cdf) - 0.5 * erfc(-Double(x) / 2.0.squareRoot())))
            worstGaussian = Swift.max(worstGaussian, Swift.abs(Double(gaussian) - Foundation.exp(-Double(x) * Double(x) / 2)))
            x += 0.00071
        }
        print(String(format: "FastMath.normalCDF: worst absolute error %.2e (Gaussian %.2e)", worstCDF, worstGaussian))
        XCTAssertLessThan(worstCDF, 1.5e-7)
        XCTAssertLessThan(worstGaussian, 1e-7)
        XCTAssertEqual(FastMath.normalCDF(.infinity).cdf, 1)
        XCTAssertEqual(FastMath.normalCDF(-.infinity).cdf, 0)
        XCTAssertTrue(FastMath.normalCDF(.nan).cdf.isNaN)
    }
}
