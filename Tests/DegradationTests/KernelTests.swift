import Foundation
import Degradation
import TestSupport
import XCTest

/// Blur kernels against BasicSR's own functions and DACLIP-IR's definitions (Tools/fixtures/degradation_kernels.py).
final class KernelTests: XCTestCase {
    func kernel(for entry: [String: Any]) throws -> BlurKernel {
        let size = try XCTUnwrap(entry["size"] as? Int)
        let sx = entry["sigma_x"] as? Double ?? 0, sy = entry["sigma_y"] as? Double ?? 0
        let theta = entry["theta"] as? Double ?? 0, beta = entry["beta"] as? Double ?? 1
        switch try XCTUnwrap(entry["kind"] as? String) {
        case "gaussian": return try GaussianKernels.kernel(size: size, sigmaX: sx, sigmaY: sy, theta: theta)
        case "generalized": return try GaussianKernels.kernel(size: size, sigmaX: sx, sigmaY: sy, theta: theta, shape: .generalized(beta: beta))
        case "plateau": return try GaussianKernels.kernel(size: size, sigmaX: sx, sigmaY: sy, theta: theta, shape: .plateau(beta: beta))
        case "sinc":
            return try SincKernel.circularLowPass(cutoff: try XCTUnwrap(entry["cutoff"] as? Double), size: size,
                                                  padTo: entry["pad_to"] as? Int ?? 0)
        case "defocus": return try SimpleKernels.defocus(size: size)
        case "box": return try SimpleKernels.box(size: size)
        case let kind: throw DegradationError.invalidKernel("unknown fixture kind \(kind)")
        }
    }

    func testEveryKernelMatchesTheReference() throws {
        let manifest = try XCTUnwrap(try Fixtures.json("degradation", "kernels.json") as? [String: Any])
        let entries = try XCTUnwrap(manifest["kernels"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 26, "6 Gaussian, 3 generalized, 3 plateau, 4 sinc, 5 defocus and 5 box kernels")
        var worst = 0.0
        for entry in entries {
            let ours = try kernel(for: entry)
            let reference = try NPYArray.fixture("degradation", try XCTUnwrap(entry["file"] as? String))
            XCTAssertEqual([ours.size, ours.size], reference.shape, "\(entry)")
            let d = zip(ours.weights, reference.values).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(d, 1e-6, "\(entry)")
            XCTAssertEqual(ours.weights.reduce(0, +), 1, accuracy: 1e-12)
            worst = max(worst, d)
        }
        print("kernels vs BasicSR/DACLIP-IR: worst |Δ| = \(worst)")
    }

    /// Rank-one kernels give factors whose outer product is the kernel, the column factor running along y (σy) and
    /// the row factor along x (σx); rotated Gaussians and discs have rank above one and give none.
    func testSeparableFactorsReproduceRankOneKernelsAlongTheRightAxes() throws {
        let cases: [(BlurKernel, sigmaColumn: Double?, sigmaRow: Double?)] = [
            (try GaussianKernels.isotropic(size: 21, sigma: 2.2), 2.2, 2.2),
            (try GaussianKernels.kernel(size: 9, sigmaX: 1, sigmaY: 3, theta: 0), 3, 1),
            (try SimpleKernels.box(size: 7), nil, nil),
        ]
        for (kernel, sigmaColumn, sigmaRow) in cases {
            let (column, row) = try XCTUnwrap(kernel.separableFactors, "\(kernel.size)")
            XCTAssertEqual(column.count, kernel.size)
            XCTAssertEqual(row.count, kernel.size)
            for y in 0..<kernel.size {
                for x in 0..<kernel.size { XCTAssertEqual(column[y] * row[x], kernel[y, x], accuracy: 1e-15) }
            }
            // Each factor's shape: a sampled Gaussian of its own σ (ratios to the centre tap), or flat for the box.
            let centre = kernel.size / 2
            for (factor, sigma) in [(column, sigmaColumn), (row, sigmaRow)] {
                for (i, value) in factor.enumerated() {
                    let d = Double(i - centre)
                    let expected = sigma.map { exp(-d * d / (2 * $0 * $0)) } ?? 1
                    XCTAssertEqual(value / factor[centre], expected, accuracy: 1e-12, "tap \(i)")
                }
            }
        }
        XCTAssertNil(try GaussianKernels.kernel(size: 9, sigmaX: 1, sigmaY: 3, theta: 0.6).separableFactors)
        XCTAssertNil(try SimpleKernels.defocus(size: 9).separableFactors)
    }

    func testInvalidParametersAreTypedErrors() {
        XCTAssertThrowsError(try GaussianKernels.isotropic(size: 8, sigma: 1))
        XCTAssertThrowsError(try GaussianKernels.isotropic(size: 7, sigma: 0))
        XCTAssertThrowsError(try GaussianKernels.isotropic(size: 7, sigma: 1, shape: .plateau(beta: -1)))
        XCTAssertThrowsError(try SincKernel.circularLowPass(cutoff: 0, size: 7))
        XCTAssertThrowsError(try BlurKernel(size: 3, weights: [1, 2]))
        XCTAssertThrowsError(try SimpleKernels.box(size: 0))
    }

    func testSincCutoffRangeFollowsKernelSize() {
        XCTAssertEqual(SincKernel.cutoffRange(forSize: 11).lowerBound, Double.pi / 3, accuracy: 1e-15)
        XCTAssertEqual(SincKernel.cutoffRange(forSize: 13).lowerBound, Double.pi / 5, accuracy: 1e-15)
    }
}
