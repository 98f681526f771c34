@testable import Degradation
import Imaging
import TestSupport
import XCTest

/// Filtering against OpenCV `cv2.filter2D` (reflect-101 borders), fixtures from Tools/fixtures/degradation_kernels.py.
final class Filter2DTests: XCTestCase {
    /// Eight kernels, three of them rank one so they take the separable path (1 × k over rows, then k × 1 over
    /// columns): an isotropic Gaussian, a box and an axis-aligned anisotropic Gaussian (σx 2.4, σy 0.7) whose row and
    /// column factors differ, so a row/column mix-up in that path cannot pass.
    func testFilteringMatchesOpenCVOnFloatAndEightBitData() throws {
        let manifest = try XCTUnwrap(try Fixtures.json("degradation", "filter.json") as? [String: Any])
        let input = try NPYArray.fixture("degradation", try XCTUnwrap(manifest["input"] as? String)).image(scale: 1.0 / 255)
        let cases = try XCTUnwrap(manifest["cases"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 8)
        var worstFloat = 0.0, worstByte = 0
        var separable: [String] = []
        for case_ in cases {
            let name = try XCTUnwrap(case_["kernel"] as? String)
            let weights = try NPYArray.fixture("degradation", name)
            // The stored float64 weights: rank-one kernels stay rank one (OpenCV ran them in float32, a difference
            // far inside the tolerances).
            let kernel = try BlurKernel(size: weights.shape[0], weights: weights.values)
            if let (column, row) = kernel.separableFactors {
                separable.append(name)
                let (c, r) = (column.map { $0 / column.max()! }, row.map { $0 / row.max()! })
                let asymmetric = zip(c, r).map { abs($0 - $1) }.max()! > 0.1
                XCTAssertEqual(asymmetric, name == "gaussian_11_2.4_0.7_0.000.npy", "\(name): row and column factors")
            }
            let output = input.filtered(by: kernel)
            // The portable path (SSE2 on x86-64, NEON on arm64) and the AVX2 one agree to rounding.
            let portable = input.filtered(by: kernel, vectorised: false)
            XCTAssertEqual(zip(output.samples, portable.samples).map { abs($0 - $1) }.max() ?? 1, 0, accuracy: 1e-6, "\(case_)")
            XCTAssertLessThanOrEqual(ImageComparison.maxDifference(portable, try NPYArray.fixture("degradation", try XCTUnwrap(case_["float"] as? String))), 1e-5)
            let dFloat = ImageComparison.maxDifference(output, try NPYArray.fixture("degradation", try XCTUnwrap(case_["float"] as? String)))
            let dByte = ImageComparison.maxDifference8(output, try NPYArray.fixture("degradation", try XCTUnwrap(case_["uint8"] as? String)))
            XCTAssertLessThanOrEqual(dFloat, 1e-5, "\(case_)")
            XCTAssertLessThanOrEqual(dByte, 1, "\(case_)")
            worstFloat = max(worstFloat, dFloat)
            worstByte = max(worstByte, dByte)
        }
        XCTAssertEqual(separable.sorted(), ["box_15.npy", "gaussian_11_2.4_0.7_0.000.npy", "gaussian_7_1.2_1.2_0.000.npy"])
        print("filter2D vs cv2: worst |Δ| = \(worstFloat) (float32), \(worstByte)/255 (uint8)")
    }

    /// Widths and heights that leave partial 32-column blocks, 8-column vectors, single columns and odd rows.
    func testVectorisedAndPortableCorrelationAgreeOnRaggedSizes() throws {
        var seed: UInt64 = 3
        for (width, height, size) in [(37, 29, 7), (70, 3, 3), (5, 11, 5), (103, 17, 21)] {
            var image = try Image(width: width, height: height, channels: 3, filledWith: 0)
            for i in image.samples.indices {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                image.samples[i] = Float(seed >> 40) / Float(1 << 24)
            }
            // A rotated Gaussian (direct k × k path), an isotropic and an axis-aligned one (separable 1 × k and k × 1
            // passes, the latter with different row and column taps).
            let rotated = try GaussianKernels.kernel(size: size, sigmaX: 2.5, sigmaY: 0.7, theta: 0.4)
            let isotropic = try GaussianKernels.isotropic(size: size, sigma: 1.3)
            let aligned = try GaussianKernels.kernel(size: size, sigmaX: 2.5, sigmaY: 0.7, theta: 0)
            XCTAssertNil(rotated.separableFactors)
            XCTAssertNotNil(isotropic.separableFactors)
            XCTAssertNotNil(aligned.separableFactors)
            for kernel in [rotated, isotropic, aligned] {
                let (fast, portable) = (image.filtered(by: kernel, vectorised: true), image.filtered(by: kernel, vectorised: false))
                XCTAssertEqual(zip(fast.samples, portable.samples).map { abs($0 - $1) }.max() ?? 1, 0, accuracy: 1e-6,
                               "\(width)×\(height), \(size) taps")
            }
        }
    }

    func testIdentityKernelAndConstantImagesAreFixedPoints() throws {
        let photo = try Image(contentsOf: Fixtures.path("images", "chelsea.png"))
        let identity = try BlurKernel(size: 3, weights: [0, 0, 0, 0, 1, 0, 0, 0, 0])
        XCTAssertEqual(photo.filtered(by: identity).samples, photo.samples)
        let flat = try Image(width: 9, height: 5, channels: 1, filledWith: 0.25)
        for kernel in [try GaussianKernels.kernel(size: 21, sigmaX: 3, sigmaY: 1, theta: 1), try SimpleKernels.defocus(size: 7)] {
            for v in flat.filtered(by: kernel).samples { XCTAssertEqual(v, 0.25, accuracy: 1e-6) }
        }
    }
}
