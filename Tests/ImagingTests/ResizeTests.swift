@testable import Imaging
import TestSupport
import XCTest

/// Resize against OpenCV `cv2.resize`, MATLAB-style `imresize` and PyTorch's `F.interpolate` (area by size,
/// bilinear and bicubic by scale factor; fixtures from Tools/fixtures/resize.py).
final class ResizeTests: XCTestCase {
    struct Case {
        let input: String, filter: ResizeFilter, output: String
        let width: Int?, height: Int?, scale: Double?, inputScale: Double?
        /// PyTorch's `scale_factor` (coordinates mapped with it), for the `F.interpolate` cases.
        let torchScaleFactor: Double?
    }

    func cases() throws -> [Case] {
        let manifest = try XCTUnwrap(try Fixtures.json("resize", "manifest.json") as? [String: Any])
        let list = try XCTUnwrap(manifest["cases"] as? [[String: Any]])
        return try list.map { entry in
            Case(input: try XCTUnwrap(entry["input"] as? String),
                 filter: try XCTUnwrap(ResizeFilter(rawValue: try XCTUnwrap(entry["filter"] as? String))),
                 output: try XCTUnwrap(entry["output"] as? String),
                 width: entry["width"] as? Int, height: entry["height"] as? Int,
                 scale: entry["scale"] as? Double, inputScale: entry["input_scale"] as? Double,
                 torchScaleFactor: entry["torch_scale_factor"] as? Double)
        }
    }

    func run(_ c: Case) throws -> (Image, NPYArray, isUInt8: Bool) {
        let inputArray = try NPYArray.fixture("resize", c.input)
        let isUInt8 = inputArray.dtype == "u1"
        let input = try inputArray.image(scale: isUInt8 ? 1.0 / 255 : 1)
        let output: Image
        if let factor = c.torchScaleFactor {
            output = try input.interpolated(scaleFactor: factor, filter: c.filter)
        } else if let scale = c.scale {
            output = try input.resized(scale: scale, filter: c.filter)
        } else {
            output = try input.resized(width: try XCTUnwrap(c.width), height: try XCTUnwrap(c.height), filter: c.filter)
        }
        return (output, try NPYArray.fixture("resize", c.output), isUInt8)
    }

    /// Float inputs: every OpenCV mode within 1e-5 of cv2.resize on float32, and `torch-area` of PyTorch.
    func testOpenCVModesMatchOpenCVOnFloatData() throws {
        var worst = 0.0
        let float = try cases().filter { $0.filter != .matlabBicubic && $0.input.hasPrefix("random") && $0.torchScaleFactor == nil }
        XCTAssertEqual(float.count, 53, "4 OpenCV modes × 12 sizes and scales, and 5 torch-area cases")
        for c in float {
            let (output, reference, _) = try run(c)
            let d = ImageComparison.maxDifference(output, reference)
            XCTAssertLessThanOrEqual(d, 1e-5, "\(c.output)")
            worst = max(worst, d)
        }
        print("resize vs cv2 (float32): worst |Δ| = \(worst)")
    }

    /// 8-bit inputs: rounded to 8 bits, within one step of OpenCV's fixed-point uint8 path.
    func testOpenCVModesMatchOpenCVOnEightBitDataWithinOneStep() throws {
        var worst = 0
        let eightBit = try cases().filter { $0.filter != .matlabBicubic && $0.input.hasPrefix("photo") }
        XCTAssertEqual(eightBit.count, 48, "4 OpenCV modes × 12 sizes and scales")
        for c in eightBit {
            let (output, reference, _) = try run(c)
            let d = ImageComparison.maxDifference8(output, reference)
            XCTAssertLessThanOrEqual(d, 1, "\(c.output)")
            if c.filter == .nearest { XCTAssertEqual(d, 0, "nearest copies samples: \(c.output)") }
            worst = max(worst, d)
        }
        print("resize vs cv2 (uint8): worst |Δ| = \(worst)/255")
    }

    /// `interpolated(scaleFactor:)` within 1e-5 of PyTorch's `F.interpolate(scale_factor:)` (bilinear and bicubic, four
    /// factors whose sizes round), and differing from a resize to the same size, which maps with the size ratio.
    func testScaleFactorInterpolationMatchesPyTorch() throws {
        let torch = try cases().filter { $0.torchScaleFactor != nil }
        XCTAssertEqual(torch.count, 8, "bilinear and bicubic at four factors")
        var worst = 0.0
        for c in torch {
            let (output, reference, _) = try run(c)
            let d = ImageComparison.maxDifference(output, reference)
            XCTAssertLessThanOrEqual(d, 1e-5, "\(c.output)")
            worst = max(worst, d)
            let input = try NPYArray.fixture("resize", c.input).image()
            let bySize = try input.resized(width: output.width, height: output.height, filter: c.filter)
            XCTAssertGreaterThan(ImageComparison.maxDifference(bySize, reference), 1e-3, "\(c.output): the factor matters")
        }
        print("interpolate(scale_factor:) vs PyTorch: worst |Δ| = \(worst)")
    }

    /// MATLAB bicubic within 1e-5 of resize-right (symmetric padding, antialiased), on [0, 1] data.
    func testMatlabBicubicMatchesReference() throws {
        var worst = 0.0
        let matlab = try cases().filter { $0.filter == .matlabBicubic }
        XCTAssertEqual(matlab.count, 18)
        for c in matlab {
            let (output, reference, _) = try run(c)
            let d = ImageComparison.maxDifference(output, reference)
            XCTAssertLessThanOrEqual(d, 1e-5, "\(c.output)")
            worst = max(worst, d)
        }
        print("matlab-bicubic vs reference: worst |Δ| = \(worst)")
    }

    func testConstantImageStaysConstantForEveryFilter() throws {
        let flat = try Image(width: 13, height: 7, channels: 2, filledWith: 0.375)
        for filter in ResizeFilter.allCases {
            for (w, h) in [(5, 3), (29, 17), (13, 20)] {
                let out = try flat.resized(width: w, height: h, filter: filter)
                XCTAssertEqual(out.width, w)
                XCTAssertEqual(out.height, h)
                for v in out.samples { XCTAssertEqual(v, 0.375, accuracy: 1e-6, "\(filter)") }
            }
        }
    }

    func testIntegerAreaDownscaleIsTheBlockMean() throws {
        let image = try Image(width: 4, height: 2, channels: 1, samples: [0, 1, 2, 3, 4, 5, 6, 7].map { Float($0) / 7 })
        let out = try image.resized(width: 2, height: 1, filter: .area)
        XCTAssertEqual(out.samples[0], (0 + 1 + 4 + 5) / 4 / 7, accuracy: 1e-7)
        XCTAssertEqual(out.samples[1], (2 + 3 + 6 + 7) / 4 / 7, accuracy: 1e-7)
    }

    func testIdentityResizeReturnsInput() throws {
        let image = try NPYArray.fixture("resize", "random_f32.npy").image()
        for filter in ResizeFilter.allCases {
            let out = try image.resized(width: image.width, height: image.height, filter: filter)
            XCTAssertEqual(ImageComparison.maxDifference(out, try NPYArray.fixture("resize", "random_f32.npy")), 0, accuracy: 1e-6)
        }
    }

    func testInvalidSizesAreTypedErrors() throws {
        let image = try Image(width: 4, height: 4, channels: 3)
        XCTAssertThrowsError(try image.resized(width: 0, height: 4, filter: .bilinear)) {
            XCTAssertEqual($0 as? ImagingError, .invalidDimensions(width: 0, height: 4, channels: 3))
        }
        XCTAssertThrowsError(try image.resized(scale: -1, filter: .bicubic)) {
            guard case .invalidParameter = $0 as? ImagingError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try image.resized(scale: .nan, filter: .bicubic))
        XCTAssertThrowsError(try image.resized(width: 1 << 20, height: 1 << 20, filter: .nearest))
    }

    func testShrinkingIsTheAreaResizeOnTheEightBitGrid() throws {
        let image = try NPYArray.fixture("resize", "random_f32.npy").image()
        XCTAssertEqual(try image.shrunk(by: 1), image)
        let half = try image.shrunk(by: 0.5)
        let area = try image.resized(scale: 0.5, filter: .area)
        XCTAssertEqual([half.width, half.height], [area.width, area.height])
        for (a, b) in zip(half.samples, area.samples) {
            XCTAssertEqual(a * 255, (a * 255).rounded(), accuracy: 1e-3)
            XCTAssertLessThanOrEqual(abs(a - min(max(b, 0), 1)), 0.5 / 255 + 1e-6)
        }
    }
}

/// The tap tables behind the strip resize.
final class AxisWeightsTests: XCTestCase {
    /// A non-integer area shrink has two or three taps per output; the unused third tap must not point at source
    /// index 0, or every strip of output rows would resample the image from its top (it once made 512 → 365
    /// four times slower than 512 → 256).
    func testUnusedTapsStayBesideTheUsedOnes() {
        let table = AxisWeights.area(512, 365, 512.0 / 365.0)
        XCTAssertEqual(table.taps, 3)
        for i in 0..<table.outputSize {
            let indices = (0..<table.taps).map { Int(table.indices[i * table.taps + $0]) }
            XCTAssertLessThanOrEqual(indices.max()! - indices.min()!, table.taps, "output \(i): \(indices)")
        }
    }
}
