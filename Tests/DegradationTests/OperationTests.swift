@testable import Degradation
import Imaging
import TestSupport
import XCTest

/// Degradation operations against the reference recipes (Tools/fixtures/degradation_ops.py) and closed forms.
final class OperationTests: XCTestCase {
    func manifest() throws -> [String: Any] {
        try XCTUnwrap(try Fixtures.json("degradation_ops", "manifest.json") as? [String: Any])
    }

    func testLineKernelsMatchScikitImageRasterisation() throws {
        let lines = try XCTUnwrap(try manifest()["lines"] as? [[String: Any]])
        XCTAssertEqual(lines.count, 72)
        for entry in lines {
            let size = try XCTUnwrap(entry["size"] as? Int), angle = try XCTUnwrap(entry["angle"] as? Double)
            let ours = try LineKernel.kernel(size: size, angle: angle)
            let reference = try NPYArray.fixture("degradation_ops", try XCTUnwrap(entry["file"] as? String))
            XCTAssertEqual(ours.weights.count, reference.values.count)
            let worst = zip(ours.weights, reference.values).map { abs($0 - $1) }.max() ?? 1
            XCTAssertLessThan(worst, 1e-12, "size \(size), angle \(angle)")
        }
    }

    /// Wiener ringing within 1e-4 of the float64 SciPy recipe (KissFFT works in float32).
    func testWienerRingingMatchesTheOfficialRecipe() throws {
        let input = try NPYArray.fixture("degradation_ops", "wiener_input.npy").image()
        let k = try NPYArray.fixture("degradation_ops", "wiener_kernel.npy")
        let kernel = try BlurKernel(size: k.shape[0], weights: k.values)
        let output = try WienerRinging.deconvolve(input, kernel: kernel)
        let d = ImageComparison.maxDifference(output, try NPYArray.fixture("degradation_ops", "wiener_output.npy"))
        XCTAssertLessThanOrEqual(d, 1e-4)
        print("Wiener vs SciPy float64: worst |Δ| = \(d)")
        // Deconvolution sharpens: the result is further from the blurred input than nothing, and K → ∞ gives ~0.
        XCTAssertGreaterThan(ImageComparison.maxDifference(output, try NPYArray.fixture("degradation_ops", "wiener_input.npy")), 0.01)
        XCTAssertThrowsError(try WienerRinging.deconvolve(input, kernel: kernel, k: -1))
        // A 49×31 image pads to 89×71: prime transform lengths, computed by Bluestein's algorithm.
        let odd = try WienerRinging.deconvolve(try NPYArray.fixture("degradation_ops", "wiener_prime_input.npy").image(),
                                               kernel: kernel)
        let dOdd = ImageComparison.maxDifference(odd, try NPYArray.fixture("degradation_ops", "wiener_prime_output.npy"))
        XCTAssertLessThanOrEqual(dOdd, 1e-4)
        print("Wiener vs SciPy float64, 89×71 padded (Bluestein): worst |Δ| = \(dOdd)")
        // A gray image pairs its one channel with the kernel itself: the fixture's first channel, alone.
        let plane = input.planeSize
        let gray = try Image(width: input.width, height: input.height, channels: 1, samples: Array(input.samples[0..<plane]))
        let grayOut = try WienerRinging.deconvolve(gray, kernel: kernel)
        let reference = try NPYArray.fixture("degradation_ops", "wiener_output.npy").image()
        let dGray = zip(grayOut.samples, reference.samples[0..<plane]).map { Double(abs($0 - $1)) }.max() ?? 1
        XCTAssertLessThanOrEqual(dGray, 1e-4)
    }

    func testJPEGArtifactsMatchOpenCVExactly() throws {
        let input = try NPYArray.fixture("degradation_ops", "input.npy").image()
        let cases = try XCTUnwrap(try manifest()["jpeg"] as? [[String: Any]])
        XCTAssertEqual(cases.count, 3)
        for entry in cases {
            let quality = try XCTUnwrap(entry["quality"] as? Int)
            let output = try JPEGCompression.apply(input, quality: quality)
            let reference = try NPYArray.fixture("degradation_ops", try XCTUnwrap(entry["file"] as? String))
            XCTAssertEqual(ImageComparison.maxDifference8(output, reference), 0, "quality \(quality)")
        }
    }

    /// With a given noise array, the sum and BasicSR's clip/round finishes match NumPy (float32 sums).
    func testAddingGivenNoiseMatchesBasicSRFinishes() throws {
        let input = try NPYArray.fixture("degradation_ops", "input.npy").image()
        let noise = try NPYArray.fixture("degradation_ops", "noise_given.npy").image().samples
        for (finish, file) in [(Noise.Finish(clip: true, round: false), "noise_clip.npy"),
                               (Noise.Finish(clip: true, round: true), "noise_clip_round.npy"),
                               (Noise.Finish(clip: false, round: true), "noise_round.npy")] {
            let out = Noise.adding(noise, to: input, finish: finish)
            XCTAssertLessThanOrEqual(ImageComparison.maxDifference(out, try NPYArray.fixture("degradation_ops", file)), 1e-6, file)
        }
    }

    /// Gaussian noise: the added noise has standard deviation σ/255 and, in gray mode, equal channels.
    func testGaussianNoiseHasTheRequestedSpreadAndGrayModeSharesIt() throws {
        let flat = try Image(width: 200, height: 200, channels: 3, filledWith: 0.5)
        var random = DegradationRandom(seed: 5)
        let noisy = Noise.gaussian(flat, sigma: 10, gray: false, finish: .init(clip: false), random: &random)
        let deltas = noisy.samples.map { Double($0) - 0.5 }
        let sd = (deltas.map { $0 * $0 }.reduce(0, +) / Double(deltas.count)).squareRoot()
        XCTAssertEqual(sd, 10.0 / 255, accuracy: 10.0 / 255 * 0.02)
        let gray = Noise.gaussian(flat, sigma: 10, gray: true, random: &random)
        XCTAssertEqual(Array(gray.samples[0..<40_000]), Array(gray.samples[40_000..<80_000]))
        let rounded = Noise.gaussian(flat, sigma: 10, gray: false, finish: .init(clip: true, round: true), random: &random)
        XCTAssertTrue(rounded.samples.allSatisfy { abs($0 * 255 - ($0 * 255).rounded()) < 1e-3 && $0 >= 0 && $0 <= 1 })
    }

    /// Poisson noise: with v levels (a power of two ≥ the distinct values), E[out] = x and Var[out] = x/v (× scale²).
    func testPoissonNoiseMomentsFollowTheLevelCount() throws {
        // Two gray levels → v = 2.
        var samples = [Float](repeating: 0.4, count: 20_000) + [Float](repeating: 0.8, count: 20_000)
        samples = samples.map { ($0 * 255).rounded() / 255 }
        let image = try Image(width: 200, height: 200, channels: 1, samples: samples)
        var random = DegradationRandom(seed: 9)
        let out = Noise.poisson(image, scale: 1, gray: false, finish: .init(clip: false), random: &random)
        let high = out.samples[20_000...].map(Double.init), x = Double(samples[20_000])
        let mean = high.reduce(0, +) / Double(high.count)
        let variance = high.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(high.count)
        XCTAssertEqual(mean, x, accuracy: 4 * (x / 2 / Double(high.count)).squareRoot())
        XCTAssertEqual(variance, x / 2, accuracy: x / 2 * 0.05)
    }

    /// The Poisson sampler against the closed-form pmf e^{−λ}λᵏ/k! (from `lgamma`): a χ² goodness-of-fit over bins
    /// with ≥ 20 expected counts each, 40,000 draws per mean, rejected only beyond the 0.1 % quantile
    /// (Wilson–Hilferty), and the first two moments within 4 standard errors.
    func testPoissonSamplerFollowsThePoissonDistribution() {
        var random = DegradationRandom(seed: 3)
        let n = 40_000
        for lambda in [0.02, 0.7, 3.0, 9.5, 25.0, 180.0, 255.0] {
            var counts: [Int: Int] = [:]
            var (sum, squares) = (0.0, 0.0)
            for _ in 0..<n {
                let k = Noise.poissonSample(lambda, &random)
                counts[k, default: 0] += 1
                sum += Double(k)
                squares += Double(k * k)
            }
            let mean = sum / Double(n), variance = squares / Double(n) - mean * mean
            XCTAssertEqual(mean, lambda, accuracy: 4 * (lambda / Double(n)).squareRoot(), "λ = \(lambda)")
            // Var of the sample variance ≈ (μ₄ − σ⁴)/n with μ₄ = λ(1 + 3λ).
            XCTAssertEqual(variance, lambda, accuracy: 4 * ((lambda * (1 + 3 * lambda) - lambda * lambda) / Double(n)).squareRoot(), "λ = \(lambda)")
            // Bins: consecutive k merged until each expects ≥ 20 draws; the remainder joins the last bin.
            func pmf(_ k: Int) -> Double { exp(-lambda + Double(k) * log(lambda) - lgamma(Double(k + 1))) }
            var bins: [(expected: Double, observed: Int)] = []
            var (expected, observed, covered) = (0.0, 0, 0.0)
            let top = Int(lambda + 12 * lambda.squareRoot()) + 30
            for k in 0...top {
                expected += Double(n) * pmf(k)
                covered += pmf(k)
                observed += counts[k] ?? 0
                if expected >= 20 { bins.append((expected, observed)); (expected, observed) = (0, 0) }
            }
            let beyond = counts.filter { $0.key > top }.values.reduce(0, +)
            XCTAssertEqual(beyond, 0, "λ = \(lambda)")
            if var last = bins.popLast() {
                last.expected += expected + Double(n) * max(0, 1 - covered)
                last.observed += observed
                bins.append(last)
            }
            let chi2 = bins.map { (Double($0.observed) - $0.expected) * (Double($0.observed) - $0.expected) / $0.expected }.reduce(0, +)
            let df = Double(bins.count - 1), z = 3.09
            let critical = df * pow(1 - 2 / (9 * df) + z * (2 / (9 * df)).squareRoot(), 3)
            XCTAssertLessThan(chi2, critical, "λ = \(lambda): χ² = \(chi2) over \(bins.count) bins")
        }
    }

    func testRandomResizeKeepsTheDrawnSizeAndReturnsToTheOriginal() throws {
        let photo = try Image(contentsOf: Fixtures.path("images", "coffee.png"))
        var random = DegradationRandom(seed: 1, name: "coffee.png")
        let (small, _) = try RandomResize.apply(photo, random: &random)
        XCTAssertTrue((Int(Double(photo.width) / 1.4)...Int(Double(photo.width) / 0.5)).contains(small.width))
        let (back, filter) = try RandomResize.apply(small, width: photo.width, height: photo.height, random: &random)
        XCTAssertEqual([back.width, back.height], [photo.width, photo.height])
        XCTAssertTrue(RandomResize.filters.contains(filter))
    }

    func testRandomResizeWithoutFiltersIsATypedError() throws {
        let image = try Image(width: 4, height: 4, channels: 3)
        var random = DegradationRandom(seed: 1, name: "x")
        XCTAssertThrowsError(try RandomResize.apply(image, width: 2, height: 2, filters: [], random: &random)) {
            guard case .invalidParameter = $0 as? DegradationError else { return XCTFail("\($0)") }
        }
    }
}
