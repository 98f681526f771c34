import TestSupport
import WildTensor
import XCTest

/// `realFFT2` against `torch.view_as_real(torch.fft.rfft2(x))` and `resizedBilinear` against
/// `F.interpolate(size=…, mode='bilinear')` (`Tests/Fixtures/tensor/fourier.safetensors`, made by
/// `Tools/fixtures/tensor_fourier.py`), the DFT's gradient by finite differences, and its exact zeros.
final class FourierTests: XCTestCase {
    func testRealFFT2AndSizedBilinearResizeMatchPyTorch() throws {
        let fixture = try ParityFixture("fourier")
        var counts: [String: Int] = [:]
        for name in fixture.cases {
            let p = fixture.parameters(name), op = p.string("op")
            counts[op, default: 0] += 1
            fixture.check(name, forwardTolerance: 1e-6, gradientTolerance: 1e-6) { inputs, p in
                switch op {
                case "rfft2": return inputs[0].realFFT2()
                default:
                    let size = p.ints("size")
                    return inputs[0].resizedBilinear(height: size[0], width: size[1])
                }
            }
        }
        XCTAssertEqual(counts, ["rfft2": 7, "resize_bilinear": 4], "every case tensor_fourier.py writes")
        print(ParityLedger.summary(fixture.path))
    }

    /// The DFT is linear, so its backward (the adjoint) must agree with central differences to rounding.
    func testRealFFT2GradientMatchesFiniteDifferences() {
        FiniteDifference.check("realFFT2 even", [FiniteDifference.input([2, 4, 6], seed: 3)]) { $0[0].realFFT2() }
        FiniteDifference.check("realFFT2 odd", [FiniteDifference.input([1, 3, 5, 7], seed: 4)]) { $0[0].realFFT2() }
    }

    /// The imaginary parts that are zero for any real signal — DC and Nyquist along both axes — are exactly zero
    /// (exact twiddles at quarter turns), so an L1 on spectra sees no spurious signs there.
    func testImaginaryPartsOfSelfConjugateBinsAreExactlyZero() {
        let (h, w) = (6, 8), bins = w / 2 + 1
        let x = Tensor(shape: [h, w], values: (0..<(h * w)).map { Float(($0 * 37) % 23) / 7 - 1.3 })
        let y = x.realFFT2().values
        for ky in [0, h / 2] { for kx in [0, w / 2] { XCTAssertEqual(y[(ky * bins + kx) * 2 + 1], 0, "bin (\(ky), \(kx))") } }
        XCTAssertEqual(y[0], x.values.reduce(0, +), accuracy: 1e-4)
    }
}
